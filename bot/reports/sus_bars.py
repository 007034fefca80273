"""The SUS histogram's bars: ten-point bands, merged where a band holds too few people.

Scores are multiples of 2.5, so the 60-69 band holds 60 to 67.5, all below the average of 68, and
no band holds scores on both sides of it. Bands are merged with their neighbours on the same side
of 68 until each bar holds at least the threshold of people (a band nobody scored in stays on its
own, as an empty bar); only when a whole side holds too few is it merged across 68, into a bar
whose colour says it is mixed. How many score below 68 is then not shown as a number, since it
would split the mixed bar into cells that are too small.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dialogs.sus_score import SUS_AVERAGE

BANDS = 10
# Bands 0 to 6 (scores 0 to 67.5) are below the average of 68; bands 7 to 9 (70 to 100) are not.
FIRST_ABOVE = int(SUS_AVERAGE // 10) + 1
BELOW, ABOVE, MIXED = "below", "above", "mixed"


@dataclass(frozen=True, slots=True)
class SusBar:
    """One bar: bands ``first`` to ``last`` (band 3 is scores 30 to 39.9; band 9 runs to 100)."""

    first: int
    last: int
    count: int
    size: int

    @property
    def low(self) -> int:
        """The lowest score the bar covers."""
        return 10 * self.first

    @property
    def high(self) -> int:
        """The highest score the bar covers, as people read it (39, or 100 for the top band)."""
        return 100 if self.last == BANDS - 1 else 10 * self.last + 9

    @property
    def side(self) -> str:
        """Whether its scores are all below 68, all at or above it, or both."""
        if self.last < FIRST_ABOVE:
            return BELOW
        return ABOVE if self.first >= FIRST_ABOVE else MIXED

    def label(self) -> str:
        """E.g. "60 to 69"."""
        return f"{self.low} to {self.high}"


def band_of(score: float) -> int:
    """The ten-point band a score falls in (100 joins the 90s)."""
    return min(int(score // 10), BANDS - 1)


def merged_bars(scores: Mapping[float, int], sizes: Mapping[float, int], k: int) -> tuple[SusBar, ...]:
    """Bars holding ``k`` or more (by ``sizes``, the counting people) or nobody, left to right."""
    counts, weights = [0] * BANDS, [0] * BANDS
    for score, n in scores.items():
        counts[band_of(score)] += n
        weights[band_of(score)] += sizes.get(score, 0)
    below = _merge(counts, weights, list(range(0, FIRST_ABOVE)), k)
    above = _merge(counts, weights, list(range(FIRST_ABOVE, BANDS)), k)
    held_below, held_above = sum(weights[:FIRST_ABOVE]), sum(weights[FIRST_ABOVE:])
    if 0 < held_above < k and held_below:
        # Too few at or above 68: merge from the top down, so they join the nearest bands below.
        return tuple(reversed(_merge(counts, weights, list(reversed(range(BANDS))), k)))
    if 0 < held_below < k and held_above:
        return tuple(_merge(counts, weights, list(range(BANDS)), k))
    return (*below, *above)


def below_average(bars: tuple[SusBar, ...]) -> int | None:
    """How many score below 68, or None when a mixed bar means that must not be shown."""
    if any(bar.side == MIXED for bar in bars):
        return None
    return sum(bar.count for bar in bars if bar.side == BELOW)


def _merge(counts: list[int], weights: list[int], bands: list[int], k: int) -> list[SusBar]:
    """Greedy along ``bands`` (in either direction): a bar closes once it holds ``k``."""
    bars: list[SusBar] = []
    run: list[int] = []
    for band in bands:
        if not run and counts[band] == 0:
            bars.append(SusBar(band, band, 0, 0))
            continue
        run.append(band)
        if sum(weights[b] for b in run) >= k:
            bars.append(_bar(run, counts, weights))
            run = []
    if run:
        # Too few at the end: join them to the last bar that holds anyone, and the empty ones between.
        full = [i for i, bar in enumerate(bars) if bar.count]
        if full:
            i = full[-1]
            joined = [b for bar in bars[i:] for b in range(bar.first, bar.last + 1)] + run
            bars[i:] = [_bar(joined, counts, weights)]
        else:
            bars = [_bar(bands, counts, weights)]
    return (
        sorted(bars, key=lambda bar: bar.first)
        if bands[0] < bands[-1]
        else sorted(bars, key=lambda bar: -bar.first)
    )


def _bar(bands: list[int], counts: list[int], weights: list[int]) -> SusBar:
    return SusBar(min(bands), max(bands), sum(counts[b] for b in bands), sum(weights[b] for b in bands))
