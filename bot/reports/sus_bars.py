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
    below = _merge_side(counts, weights, range(0, FIRST_ABOVE), k)
    above = _merge_side(counts, weights, range(FIRST_ABOVE, BANDS), k)
    if below and above and (_short(below, k) or _short(above, k)):
        # One side holds too few: join the bars either side of 68 into one mixed bar.
        lower, upper = _last_full(below), _first_full(above)
        joined = SusBar(below[lower].first, above[upper].last, 0, 0)
        inside = [*below[lower:], *above[: upper + 1]]
        joined = SusBar(joined.first, joined.last, sum(b.count for b in inside), sum(b.size for b in inside))
        return (*below[:lower], joined, *above[upper + 1 :])
    return (*below, *above)


def below_average(bars: tuple[SusBar, ...]) -> int | None:
    """How many score below 68, or None when a mixed bar means that must not be shown."""
    if any(bar.side == MIXED for bar in bars):
        return None
    return sum(bar.count for bar in bars if bar.side == BELOW)


def _merge_side(counts: list[int], weights: list[int], bands: range, k: int) -> list[SusBar]:
    bars: list[SusBar] = []
    start, count, size = None, 0, 0
    for band in bands:
        if start is None and counts[band] == 0:
            bars.append(SusBar(band, band, 0, 0))
            continue
        start = band if start is None else start
        count, size = count + counts[band], size + weights[band]
        if size >= k:
            bars.append(SusBar(start, band, count, size))
            start, count, size = None, 0, 0
    if start is not None:
        # Too few at the end of the side: join them to the side's last bar that holds anyone.
        full = [i for i, bar in enumerate(bars) if bar.count]
        if full:
            i = full[-1]
            bars[i:] = [SusBar(bars[i].first, bands[-1], bars[i].count + count, bars[i].size + size)]
        else:
            bars = [SusBar(bands[0], bands[-1], count, size)]
    return bars


def _short(bars: list[SusBar], k: int) -> bool:
    held = sum(bar.size for bar in bars)
    return 0 < held < k


def _last_full(bars: list[SusBar]) -> int:
    full = [i for i, bar in enumerate(bars) if bar.count]
    return full[-1] if full else len(bars) - 1


def _first_full(bars: list[SusBar]) -> int:
    full = [i for i, bar in enumerate(bars) if bar.count]
    return full[0] if full else 0
