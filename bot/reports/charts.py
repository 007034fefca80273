"""Digest charts as PNG images with alt text: ranked options (the pain points) and the SUS distribution.

Drawn to be read on a phone: a chart is 600 pixels wide, laid out on 5 inches at 120 dpi, so
its smallest text (12 points) is still about 10 pixels high when a phone shows it 320 pixels wide.
Option labels sit above their bars rather than beside them, so long labels keep the whole width,
and the histogram has six score ticks and at most five count ticks.

matplotlib's object API on the Agg canvas (no pyplot, no display), so charts render headless and
in worker threads: call these through ``asyncio.to_thread``, never on the event loop.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.markers import TICKDOWN, TICKLEFT
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from PIL import Image as PngImage

from bot.reports.evidence import Share
from bot.reports.sus_bars import ABOVE, BELOW, MIXED, SusBar
from dialogs.replies import Image
from dialogs.sus_score import SUS_AVERAGE, SusSummary

BAR = "#1d70b8"  # GOV.UK blue: strong contrast on white
BELOW_COLOUR = "#d4351c"  # GOV.UK red
MIXED_COLOUR = "#6f72af"  # between the two, for a bar holding scores either side of 68
SIDE_COLOURS = {BELOW: BELOW_COLOUR, ABOVE: BAR, MIXED: MIXED_COLOUR}
SIDE_NAMES = {BELOW: "below 68", ABOVE: "68 or above", MIXED: "both (merged bar)"}
INK = "#0b0c0c"
DPI = 120
WIDTH = 5.0  # inches: 600 pixels
TEXT_SIZE = 12  # points: every label, tick and value
TITLE_SIZE = 14
LABEL_CHARS = 44  # an option's label wraps at this many characters
TICK_PAD = 3.5 + 3.5  # points from the axis to a tick label: matplotlib's tick length and its padding
# Fast zlib: a chart of flat colours is about as small either way, and encoding at the default level
# costs a quarter of a chart's time.
PNG_LEVEL = 1


def pain_points_chart(shares: Sequence[Share], *, title: str, limit: int = 8) -> Image:
    """Horizontal bars of the options picked most, as shares of the responses, each label above its bar."""
    top = [s for s in shares if s.shown][:limit]
    return Image(alt_text=_ranked_alt(top, title), png=_png(ranked_figure(top, title)), title=title)


def ranked_figure(top: Sequence[Share], title: str) -> Figure:
    """The figure behind ``pain_points_chart``."""
    rows = [textwrap.wrap(s.label, LABEL_CHARS) or [""] for s in top]
    line, bar, gap = 0.24, 0.26, 0.16  # inches
    heights = [len(r) * line + bar + gap for r in rows]
    height = sum(heights) + 0.95
    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = _axes(figure, title, left=0.15, bottom=0.1, top=0.85)
    values = [100 * s.share for s in top]
    most = max([*values, 10.0]) * 1.18
    y, boxes = sum(heights), []
    for lines, value, h in zip(rows, values, heights, strict=True):
        axes.text(0, y, "\n".join(lines), color=INK, fontsize=TEXT_SIZE, va="top", ha="left")
        bar_top = y - len(lines) * line - 0.02
        boxes.append((0, bar_top - bar, value, bar_top))
        axes.text(value, bar_top - bar / 2, f" {value:.0f}%", color=INK, fontsize=TEXT_SIZE, va="center")
        y -= h
    _bars(axes, boxes, BAR)
    axes.set_xlim(0, most)
    axes.set_ylim(0, sum(heights))
    axes.spines["bottom"].set_visible(False)
    axes.spines["left"].set_visible(False)
    base = top[0].base if top else 0
    figure.text(0.15 / WIDTH, 1 - 0.5 / height, f"Share of the {base} completed responses", color=INK,
                fontsize=TEXT_SIZE, va="top")  # fmt: skip
    return figure


def _ranked_alt(top: Sequence[Share], title: str) -> str:
    listed = "; ".join(f"{s.label} {s.share:.0%}" for s in top)
    base = top[0].base if top else 0
    return f"Bar chart: {title}, out of {base} completed responses. {listed}."


def sus_distribution_chart(bars: Sequence[SusBar], summary: SusSummary, *, title: str) -> Image:
    """A histogram of SUS scores in bars of ten points or more, coloured by the side of 68 they hold."""
    alt = _sus_alt(bars, summary, title)
    return Image(alt_text=alt, png=_png(sus_figure(bars, summary, title)), title=title)


def sus_figure(bars: Sequence[SusBar], summary: SusSummary, title: str) -> Figure:
    """The figure behind ``sus_distribution_chart``."""
    tallest = max((b.count for b in bars), default=0)
    # Headroom above the tallest bar for the two labels, so neither is drawn over a bar.
    highest = tallest * 1.45 or 1
    counts = [
        int(n)
        for n in MaxNLocator(4, steps=[1, 2, 5, 10], integer=True).tick_values(0, highest)
        if 0 <= n <= highest
    ]
    count_labels = [f"{n:,}" for n in counts]
    height = 4.2
    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    left = _widest(canvas, count_labels) + 0.55
    axes = _axes(figure, title, left=left, bottom=0.75, top=1.05)
    held = [b for b in bars if b.count]
    boxes = [(b.low + 0.5, 0, (b.high + 1 if b.high < 100 else 100) - 0.5, b.count) for b in held]
    _bars(axes, boxes, [SIDE_COLOURS[b.side] for b in held])
    axes.axvline(SUS_AVERAGE, color=INK, linestyle="--", linewidth=1.2)
    axes.text(SUS_AVERAGE + 1, highest * 0.99, "average 68", color=INK, fontsize=TEXT_SIZE, va="top")
    axes.axvline(summary.mean, color=INK, linewidth=2)
    right = summary.mean < 40
    axes.text(
        summary.mean + (1 if right else -1), highest * 0.86, f"yours {summary.mean:.0f}", color=INK,
        fontsize=TEXT_SIZE, ha="left" if right else "right", va="top",
    )  # fmt: skip
    axes.set_xlim(0, 100)
    axes.set_ylim(0, highest)
    scores = range(0, 101, 20)
    _labels(axes, "x", scores, [str(s) for s in scores])
    _labels(axes, "y", counts, count_labels)
    _axis_label(figure, axes, "SUS score (0 to 100)")
    _axis_label(figure, axes, "responses", vertical=True)
    sides = [BELOW, ABOVE] + ([MIXED] if any(b.side == MIXED for b in bars) else [])
    _legend(figure, sides, top=1 - 0.5 / height)
    return figure


def _sus_alt(bars: Sequence[SusBar], summary: SusSummary, title: str) -> str:
    counted = "; ".join(f"{b.label()}: {b.count} ({SIDE_NAMES[b.side]})" for b in bars if b.count)
    return (
        f"Histogram: {title}. {summary.count} responses in bars of ten points or more, merged where a "
        f"band holds too few people: {counted}. Mean {summary.mean:.1f} ({summary.band}); the average is 68."
    )


def _axes(figure: Figure, title: str, *, left: float, bottom: float, top: float) -> Axes:
    """Axes with margins in inches (``left`` fits the tick labels, ``bottom`` the x axis, ``top`` the title).

    The layout is worked out here rather than by ``tight_layout`` or the axes' own title and labels,
    which measure every tick label again to place themselves: together over half a chart's time.
    The axes draw no axis of their own (see ``_labels``), only the left and bottom spines.
    """
    width, height = figure.get_size_inches()
    left = min(left, 0.6 * width)
    box = (left / width, bottom / height, 1 - (left + 0.3) / width, 1 - (bottom + top) / height)
    axes = figure.add_axes(box)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.xaxis.set_visible(False)
    axes.yaxis.set_visible(False)
    figure.text(0.15 / width, 1 - 0.1 / height, textwrap.fill(title, 50), color=INK,
                fontsize=TITLE_SIZE, fontweight="bold", va="top")  # fmt: skip
    return axes


def _legend(figure: Figure, sides: Sequence[str], *, top: float) -> None:
    """A row of coloured squares and their meaning, under the title."""
    x, height = 0.15 / WIDTH, figure.get_size_inches()[1]
    square = 0.16  # inches
    for side in sides:
        figure.patches.append(
            Rectangle((x, top - square / height), square / WIDTH, square / height,
                      facecolor=SIDE_COLOURS[side], transform=figure.transFigure, figure=figure)
        )  # fmt: skip
        label = SIDE_NAMES[side]
        figure.text(x + (square + 0.06) / WIDTH, top - square / height / 2, label, color=INK,
                    fontsize=TEXT_SIZE, va="center")  # fmt: skip
        x += (square + 0.06 + 0.105 * len(label) + 0.2) / WIDTH


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
        axes.text(x, y, label, color=INK, fontsize=TEXT_SIZE, va=va, ha=ha, transform=place)


def _axis_label(figure: Figure, axes: Axes, label: str, *, vertical: bool = False) -> None:
    """An axis label at the figure's edge: below the x axis, or beside the y axis when ``vertical``."""
    x0, y0, w, h = axes.get_position().bounds
    if vertical:
        figure.text(0.08 / WIDTH, y0 + h / 2, label, color=INK, rotation=90, va="center", ha="left",
                    fontsize=TEXT_SIZE)  # fmt: skip
    else:
        figure.text(x0 + w / 2, 0.1 / figure.get_size_inches()[1], label, color=INK, ha="center",
                    fontsize=TEXT_SIZE)  # fmt: skip


def _widest(canvas: FigureCanvasAgg, labels: Sequence[str]) -> float:
    """The width in inches of the widest of ``labels`` at the text size."""
    from matplotlib.font_manager import FontProperties

    renderer = canvas.get_renderer()
    font = FontProperties(size=TEXT_SIZE)
    widths = [renderer.get_text_width_height_descent(label, font, ismath=False)[0] for label in labels]
    return max(widths, default=0.0) / DPI


def _png(figure: Figure) -> bytes:
    """The figure as an opaque PNG, drawn and encoded without ``savefig``'s layout passes."""
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        raise TypeError("charts are drawn on Agg canvases")
    canvas.draw()
    image = PngImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=PNG_LEVEL, dpi=(DPI, DPI))
    return buffer.getvalue()
