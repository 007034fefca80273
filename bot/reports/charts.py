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
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.markers import TICKDOWN, TICKLEFT
from matplotlib.ticker import MaxNLocator
from PIL import Image as PngImage

from bot.reports.evidence import Share
from dialogs.replies import Image
from dialogs.sus_score import SUS_AVERAGE, SusSummary

BAR = "#1d70b8"  # GOV.UK blue: strong contrast on white
BELOW = "#d4351c"
INK = "#0b0c0c"
DPI = 100
WIDTH = 7.5  # inches: 750 pixels, readable in Slack, Teams and on a phone
LABEL_SIZE = 10  # matplotlib's default tick label size, in points
TICK_PAD = 3.5 + 3.5  # points from the axis to a tick label: matplotlib's tick length and its padding
# Fast zlib: a chart of flat colours is about as small either way, and encoding at the default level
# costs a quarter of a chart's time.
PNG_LEVEL = 1


def pain_points_chart(shares: Sequence[Share], *, title: str, limit: int = 8) -> Image:
    """A horizontal bar chart of the tasks costing most time, as shares of respondents."""
    top = list(shares[:limit])
    figure = Figure(figsize=(WIDTH, 0.45 * len(top) + 1.4), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    labels = [textwrap.shorten(s.label, 42, placeholder="…") for s in reversed(top)]
    values = [100 * s.share for s in reversed(top)]
    axes = _axes(figure, title, left=_widest(canvas, labels) + 0.2, bottom=0.35)
    rows = range(len(values))
    _bars(axes, [(0, row - 0.4, value, row + 0.4) for row, value in zip(rows, values, strict=True)], BAR)
    axes.set_xlim(0, max([*values, 10]) * 1.15)
    axes.set_ylim(-0.6, len(values) - 0.4)
    for row, value in zip(rows, values, strict=True):
        axes.text(value, row, f" {value:.0f}%", color=INK, fontsize=9, va="center")
    _labels(axes, "y", rows, labels)
    _axis_label(figure, axes, f"% of the {top[0].base if top else 0} people who answered")
    listed = "; ".join(f"{s.label} {s.share:.0%}" for s in top)
    alt = f"Bar chart: {title}. {listed}."
    return Image(alt_text=alt, png=_png(figure), title=title)


def sus_distribution_chart(score_counts: Mapping[float, int], summary: SusSummary, *, title: str) -> Image:
    """A histogram of SUS scores in bands of ten, with the average of 68 marked."""
    bands = [0] * 10
    for score, count in score_counts.items():
        bands[min(int(score // 10), 9)] += count
    highest = max(bands) * 1.05 or 1
    counts = [
        int(n)
        for n in MaxNLocator(6, steps=[1, 2, 5, 10], integer=True).tick_values(0, highest)
        if 0 <= n <= highest
    ]
    count_labels = [f"{n:,}" for n in counts]
    figure = Figure(figsize=(WIDTH, 3.6), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    axes = _axes(figure, title, left=_widest(canvas, count_labels) + 0.55, bottom=0.6)
    starts = [10 * i for i in range(10)]
    colours = [BELOW if start + 10 <= SUS_AVERAGE else BAR for start in starts]
    _bars(axes, [(s + 0.5, 0, s + 9.5, n) for s, n in zip(starts, bands, strict=True)], colours)
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
    axes.set_ylim(0, highest)
    scores = range(0, 101, 10)
    _labels(axes, "x", scores, [str(s) for s in scores])
    _labels(axes, "y", counts, count_labels)
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
    The axes draw no axis of their own (see ``_labels``), only the left and bottom spines.
    """
    width, height = figure.get_size_inches()
    left = min(left, 0.6 * width)
    box = (left / width, bottom / height, 1 - (left + 0.35) / width, 1 - (bottom + 0.5) / height)
    axes = figure.add_axes(box)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.xaxis.set_visible(False)
    axes.yaxis.set_visible(False)
    figure.text(box[0], 1 - 0.12 / height, title, color=INK, fontsize=11, fontweight="bold", va="top")
    return axes


def _bars(axes: Axes, boxes: Sequence[tuple[float, float, float, float]], colours: str | list[str]) -> None:
    """Bars as one collection of rectangles ``(x0, y0, x1, y1)`` in data units.

    ``Axes.bar`` makes a patch per bar with its own transforms, several times the cost to draw.
    """
    corners = [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)] for x0, y0, x1, y1 in boxes]
    axes.add_collection(PolyCollection(corners, facecolors=colours, linewidths=0), autolim=False)


def _labels(axes: Axes, side: str, positions: Sequence[float], labels: Sequence[str]) -> None:
    """Tick marks and labels along the x or y axis, drawn as one line of markers and plain texts.

    They look like matplotlib's own, which builds a tick object of several artists per label:
    as costly as the rest of the chart.
    """
    if side == "x":
        place, va, ha = axes.get_xaxis_text1_transform(TICK_PAD)
        marks = axes.get_xaxis_transform()
        xs, ys, marker = list(positions), [0.0] * len(positions), TICKDOWN
    else:
        place, va, ha = axes.get_yaxis_text1_transform(TICK_PAD)
        marks = axes.get_yaxis_transform()
        xs, ys, marker = [0.0] * len(positions), list(positions), TICKLEFT
    axes.plot(xs, ys, linestyle="", marker=marker, markersize=3.5, color=INK, transform=marks, clip_on=False)
    for at, label in zip(positions, labels, strict=True):
        x, y = (at, 0) if side == "x" else (0, at)
        axes.text(x, y, label, color=INK, fontsize=LABEL_SIZE, va=va, ha=ha, transform=place)


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
    """The figure as an opaque PNG, drawn and encoded without ``savefig``'s layout passes."""
    canvas = figure.canvas
    canvas.draw()
    image = PngImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=PNG_LEVEL, dpi=(DPI, DPI))
    return buffer.getvalue()
