"""Digest charts as PNG images with alt text: the pain points and the SUS distribution.

matplotlib's object API on the Agg canvas (no pyplot, no display), so charts render headless and
in worker threads: call these through ``asyncio.to_thread``, never on the event loop.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot.reports.evidence import Share
from dialogs.replies import Image
from dialogs.sus_score import SUS_AVERAGE, SusSummary

BAR = "#1d70b8"  # GOV.UK blue: strong contrast on white
BELOW = "#d4351c"
INK = "#0b0c0c"
DPI = 100
WIDTH = 7.5  # inches: 750 pixels, readable in Slack, Teams and on a phone
LABEL_SIZE = 10  # matplotlib's default tick label size, in points
# Fast zlib: a chart of flat colours is about as small either way, and encoding at the default level
# costs a quarter of a chart's time.
PNG_OPTIONS = {"compress_level": 1}


def pain_points_chart(shares: Sequence[Share], *, title: str, limit: int = 8) -> Image:
    """A horizontal bar chart of the tasks costing most time, as shares of respondents."""
    top = list(shares[:limit])
    figure = Figure(figsize=(WIDTH, 0.45 * len(top) + 1.4), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    labels = [textwrap.shorten(s.label, 42, placeholder="…") for s in reversed(top)]
    values = [100 * s.share for s in reversed(top)]
    axes = _axes(figure, title, left=_widest(canvas, labels) + 0.2, bottom=0.35)
    bars = axes.barh(labels, values, color=BAR)
    axes.bar_label(bars, labels=[f"{v:.0f}%" for v in values], padding=3, color=INK, fontsize=9)
    axes.set_xlim(0, max([*values, 10]) * 1.15)
    axes.set_xticks([])  # each bar carries its value
    _axis_label(figure, axes, f"% of the {top[0].base if top else 0} people who answered")
    listed = "; ".join(f"{s.label} {s.share:.0%}" for s in top)
    alt = f"Bar chart: {title}. {listed}."
    return Image(alt_text=alt, png=_png(figure), title=title)


def sus_distribution_chart(score_counts: Mapping[float, int], summary: SusSummary, *, title: str) -> Image:
    """A histogram of SUS scores in bands of ten, with the average of 68 marked."""
    bands = [0] * 10
    for score, count in score_counts.items():
        bands[min(int(score // 10), 9)] += count
    figure = Figure(figsize=(WIDTH, 3.6), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    axes = _axes(figure, title, left=_widest(canvas, [str(max(bands))]) + 0.55, bottom=0.6)
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
    _axis_label(figure, axes, "SUS score (0 to 100)")
    _axis_label(figure, axes, "responses", vertical=True)
    counted = "; ".join(f"{10 * i} to {10 * i + 9 if i < 9 else 100}: {n}" for i, n in enumerate(bands) if n)
    alt = (
        f"Histogram: {title}. {summary.count} responses in bands of ten points: {counted}. "
        f"Mean {summary.mean:.1f} ({summary.band}); {summary.share_below_average:.0%} score below the average of 68."
    )
    return Image(alt_text=alt, png=_png(figure), title=title)


def _axes(figure: Figure, title: str, *, left: float, bottom: float) -> Axes:
    """Axes with margins in inches (``left`` fits the tick labels, ``bottom`` the x axis) under a title.

    The layout is worked out here rather than by ``tight_layout`` or the axes' own title and labels,
    which measure every tick label again to place themselves: together over half a chart's time.
    """
    width, height = figure.get_size_inches()
    left = min(left, 0.6 * width)
    box = (left / width, bottom / height, 1 - (left + 0.35) / width, 1 - (bottom + 0.5) / height)
    axes = figure.add_axes(box)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.text(box[0], 1 - 0.12 / height, title, color=INK, fontsize=11, fontweight="bold", va="top")
    return axes


def _axis_label(figure: Figure, axes: Axes, label: str, *, vertical: bool = False) -> None:
    """An axis label at the figure's edge: below the x axis, or beside the y axis when ``vertical``."""
    x0, y0, w, h = axes.get_position().bounds
    if vertical:
        figure.text(0.12 / WIDTH, y0 + h / 2, label, color=INK, rotation=90, va="center", ha="left")
    else:
        figure.text(x0 + w / 2, 0.08 / figure.get_size_inches()[1], label, color=INK, ha="center")


def _widest(canvas: FigureCanvasAgg, labels: Sequence[str]) -> float:
    """The width in inches of the widest of ``labels`` at the tick label size."""
    renderer = canvas.get_renderer()
    font = FontProperties(size=LABEL_SIZE)
    widths = [renderer.get_text_width_height_descent(label, font, ismath=False)[0] for label in labels]
    return max(widths, default=0.0) / DPI


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs=PNG_OPTIONS)
    return buffer.getvalue()
