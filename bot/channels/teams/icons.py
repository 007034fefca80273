"""The app package's two icons, drawn in code so the package needs no binary files.

A speech bubble with three dots: white on GOV.UK blue for the 192x192 colour icon, and white on
transparent for the 32x32 outline icon (Teams wants only white and transparency there). Edges
are smoothed by sampling each pixel 4x4 times. The PNG writer is deterministic: the same bytes
every run.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

BLUE = (0x1D, 0x70, 0xB8)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4

Pixel = tuple[int, int, int, int]


def colour_icon(size: int = 192) -> bytes:
    """The full-colour icon: a white bubble on blue, its dots blue."""

    def paint(coverage: float) -> Pixel:
        return (*_mix(BLUE, WHITE, coverage), 255)

    return png(size, size, _raster(size, paint))


def outline_icon(size: int = 32) -> bytes:
    """The outline icon: the bubble in white on transparent, its dots cut out."""

    def paint(coverage: float) -> Pixel:
        return (*WHITE, round(255 * coverage))

    return png(size, size, _raster(size, paint))


def bubble(x: float, y: float) -> bool:
    """Whether a point of the unit square is on the bubble (and not in one of its dots)."""
    for cx in (0.36, 0.5, 0.64):
        if (x - cx) ** 2 + (y - 0.445) ** 2 <= 0.05**2:
            return False
    return _rounded_box(x, y, 0.17, 0.22, 0.83, 0.67, 0.1) or _tail(x, y)


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGBA PNG from rows of RGBA bytes."""
    raw = b"".join(b"\x00" + row for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _raster(size: int, paint: Callable[[float], Pixel]) -> list[bytes]:
    rows = []
    step = 1 / (size * SAMPLES)
    for py in range(size):
        row = bytearray()
        for px in range(size):
            hits = sum(
                bubble((px * SAMPLES + i + 0.5) * step, (py * SAMPLES + j + 0.5) * step)
                for i in range(SAMPLES)
                for j in range(SAMPLES)
            )
            row += bytes(paint(hits / SAMPLES**2))
        rows.append(bytes(row))
    return rows


def _rounded_box(x: float, y: float, left: float, top: float, right: float, bottom: float, r: float) -> bool:
    if not (left <= x <= right and top <= y <= bottom):
        return False
    cx = min(max(x, left + r), right - r)
    cy = min(max(y, top + r), bottom - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r**2


def _tail(x: float, y: float) -> bool:
    # A triangle below the box's lower left: (0.28, 0.66), (0.46, 0.66), (0.24, 0.84).
    if y < 0.66 or y > 0.84:
        return False
    t = (y - 0.66) / 0.18
    return 0.28 - 0.04 * t <= x <= 0.46 - 0.22 * t


def _mix(base: tuple[int, int, int], top: tuple[int, int, int], share: float) -> tuple[int, int, int]:
    r, g, b = (round(a + (c - a) * share) for a, c in zip(base, top, strict=True))
    return r, g, b
