"""The System Usability Scale: the scoring rule, the adjective bands and summary statistics.

Pure functions. The database computes the same per-response score in SQL
(``storage.aggregates.sus_score_counts``); tests hold the two to each other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

SUS_ITEMS = 10
SUS_AVERAGE = 68.0
# Bangor, Kortum & Miller (2009): the mean score for each adjective. A score takes the adjective
# whose mean is nearest, so the boundaries lie halfway between neighbouring means.
ADJECTIVE_MEANS = (
    (25.0, "worst imaginable"),
    (39.0, "poor"),
    (52.0, "OK"),
    (73.0, "good"),
    (85.0, "excellent"),
    (100.0, "best imaginable"),
)
# Two-sided 95% critical values of Student's t for 1 to 30 degrees of freedom.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z95 = 1.959964


def item_contribution(item: int, answer: float) -> float:
    """One item's part of the score: odd (positive) items answer - 1, even (negative) items 5 - answer."""
    return answer - 1 if item % 2 == 1 else 5 - answer


def sus_score(answers: Mapping[int, float | None]) -> float | None:
    """The 0-100 score from answers 1-5 keyed by item number 1-10; None when any item is missing."""
    parts = [
        item_contribution(item, float(answer))
        for item in range(1, SUS_ITEMS + 1)
        if (answer := answers.get(item)) is not None
    ]
    return 2.5 * sum(parts) if len(parts) == SUS_ITEMS else None


def adjective_band(score: float) -> str:
    """The adjective (Bangor, Kortum & Miller 2009) whose mean score is nearest to ``score``."""
    return min(ADJECTIVE_MEANS, key=lambda band: (abs(band[0] - score), band[0]))[1]


def t_critical_95(degrees_of_freedom: int) -> float:
    """The two-sided 95% critical value of Student's t (a series expansion beyond 30 df)."""
    if degrees_of_freedom < 1:
        raise ValueError("at least one degree of freedom is needed")
    if degrees_of_freedom <= len(_T95):
        return _T95[degrees_of_freedom - 1]
    z, df = _Z95, float(degrees_of_freedom)
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True, slots=True)
class SusSummary:
    """SUS scores summarised: how many, mean, median, 95% confidence interval, band, share below 68."""

    count: int
    mean: float
    median: float
    ci_low: float
    ci_high: float
    share_below_average: float

    @property
    def band(self) -> str:
        """The adjective band of the mean score."""
        return adjective_band(self.mean)


def summarise(score_counts: Mapping[float, int]) -> SusSummary | None:
    """Summarise scores given as ``{score: how many responses}``; None without any score."""
    scores = sorted((s, c) for s, c in score_counts.items() if c > 0)
    n = sum(c for _, c in scores)
    if n == 0:
        return None
    mean = sum(s * c for s, c in scores) / n
    half = 0.0
    if n > 1:
        variance = sum(c * (s - mean) ** 2 for s, c in scores) / (n - 1)
        half = t_critical_95(n - 1) * math.sqrt(variance / n)
    below = sum(c for s, c in scores if s < SUS_AVERAGE)
    return SusSummary(
        count=n,
        mean=mean,
        median=median_of_counts(scores),
        ci_low=max(0.0, mean - half),
        ci_high=min(100.0, mean + half),
        share_below_average=below / n,
    )


def median_of_counts(value_counts: list[tuple[float, int]]) -> float:
    """The median of values given as sorted ``(value, count)`` pairs (mean of the middle two when even)."""
    n = sum(c for _, c in value_counts)
    if n == 0:
        raise ValueError("no values")
    lower_rank, upper_rank = (n - 1) // 2, n // 2
    seen, lower, upper = 0, None, None
    for value, count in value_counts:
        if lower is None and lower_rank < seen + count:
            lower = value
        if upper_rank < seen + count:
            upper = value
            break
        seen += count
    assert lower is not None and upper is not None
    return (lower + upper) / 2
