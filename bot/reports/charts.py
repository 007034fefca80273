"""Digest charts as PNG images with alt text: the pain points and the SUS distribution.

matplotlib's object API on the Agg canvas (no pyplot, no display), so charts render headless and
in worker threads: call these through ``asyncio.to_thread``, never on the event loop.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.reports.evidence import Share
from dialogs.replies import Image
from dialogs.sus_score import SUS_AVERAGE, SusSummary

BAR = "#1d70b8"  # GOV.UK blue: strong contrast on white
BELOW = "#d4351c"
INK = "#0b0c0c"
DPI = 100


def pain_points_chart(shares: Sequence[Share], *, title: str, limit: int = 8) -> Image:
    """A horizontal bar chart of the tasks costing most time, as shares of respondents."""
    top = list(shares[:limit])
    figure = Figure(figsize=(7.5, 0.45 * len(top) + 1.4), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [textwrap.shorten(s.label, 42, placeholder="…") for s in reversed(top)]
    values = [100 * s.share for s in reversed(top)]
    bars = axes.barh(labels, values, color=BAR)
    axes.bar_label(bars, labels=[f"{v:.0f}%" for v in values], padding=3, color=INK, fontsize=9)
    axes.set_xlim(0, max([*values, 10]) * 1.15)
    axes.set_xlabel(f"% of the {top[0].base if top else 0} people who answered", color=INK)
    _finish(figure, axes, title)
    listed = "; ".join(f"{s.label} {s.share:.0%}" for s in top)
    alt = f"Bar chart: {title}. {listed}."
    return Image(alt_text=alt, png=_png(figure), title=title)


def sus_distribution_chart(score_counts: Mapping[float, int], summary: SusSummary, *, title: str) -> Image:
    """A histogram of SUS scores in bands of ten, with the average of 68 marked."""
    bands = [0] * 10
    for score, count in score_counts.items():
        bands[min(int(score // 10), 9)] += count
    figure = Figure(figsize=(7.5, 3.6), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    starts = [10 * i for i in range(10)]
    colours = [BELOW if start + 10 <= SUS_AVERAGE else BAR for start in starts]
    axes.bar([s + 5 for s in starts], bands, width=9, color=colours)
    axes.axvline(SUS_AVERAGE, color=INK, linestyle="--", linewidth=1.2)
    axes.text(SUS_AVERAGE + 1, max(bands) * 0.95 or 1, "average 68", color=INK, fontsize=9, va="top")
    axes.axvline(summary.mean, color=INK, linewidth=2)
    axes.text(
        summary.mean - 1,
        max(bands) * 0.8 or 1,
        f"yours {summary.mean:.0f}",
        color=INK,
        fontsize=9,
        ha="right",
    )
    axes.set_xlim(0, 100)
    axes.set_xticks(range(0, 101, 10))
    axes.set_xlabel("SUS score (0 to 100)", color=INK)
    axes.set_ylabel("responses", color=INK)
    _finish(figure, axes, title)
    counted = "; ".join(f"{10 * i} to {10 * i + 9 if i < 9 else 100}: {n}" for i, n in enumerate(bands) if n)
    alt = (
        f"Histogram: {title}. {summary.count} responses in bands of ten points: {counted}. "
        f"Mean {summary.mean:.1f} ({summary.band}); {summary.share_below_average:.0%} score below the average of 68."
    )
    return Image(alt_text=alt, png=_png(figure), title=title)


def _finish(figure: Figure, axes: object, title: str) -> None:
    axes.set_title(title, loc="left", color=INK, fontsize=11, fontweight="bold")  # type: ignore[attr-defined]
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)  # type: ignore[attr-defined]
    figure.tight_layout()


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
