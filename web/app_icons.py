"""The installed app's icons, drawn here rather than in an editor so anyone can change them:
`python -m web.app_icons` writes the PNGs into web/static/ (they are committed, and a test checks
that they are what this module draws).

The mark is two overlapping rings (two colleagues, one beside the other) in white on the
palette's accent colour. The "any" icons are a rounded square on transparency; the maskable one
fills the square, with the mark inside the central 80 % circle that every launcher mask keeps."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from web.rendering import STATIC_DIR

ACCENT = (0x1D, 0x6A, 0x61)
WHITE = (0xFF, 0xFF, 0xFF)
VERSION = "0.1.0"
ICONS = {
    f"peer-support-icon-192-{VERSION}.png": (192, False),
    f"peer-support-icon-512-{VERSION}.png": (512, False),
    f"peer-support-icon-maskable-512-{VERSION}.png": (512, True),
}
Pixel = tuple[int, int, int, int]


def png(width: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGBA PNG of `rows` (each `width` * 4 bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def inside_rounded_square(x: float, y: float, size: int, radius: float) -> bool:
    nearest_x = min(max(x, radius), size - radius)
    nearest_y = min(max(y, radius), size - radius)
    return (x - nearest_x) ** 2 + (y - nearest_y) ** 2 <= radius**2


def on_a_ring(x: float, y: float, centre: tuple[float, float], radius: float, width: float) -> bool:
    distance = ((x - centre[0]) ** 2 + (y - centre[1]) ** 2) ** 0.5
    return abs(distance - radius) <= width / 2


def pixel(x: float, y: float, size: int, maskable: bool) -> Pixel:
    # The mark keeps to the middle 60 % so it survives a circular mask on the maskable icon.
    ring_radius, ring_width, offset = size * 0.17, size * 0.055, size * 0.1
    centre = size / 2
    if any(
        on_a_ring(x, y, (centre + dx, centre), ring_radius, ring_width) for dx in (-offset, offset)
    ):
        return (*WHITE, 255)
    if maskable or inside_rounded_square(x, y, size, size * 0.2):
        return (*ACCENT, 255)
    return (0, 0, 0, 0)


def draw(size: int, *, maskable: bool) -> bytes:
    rows = [
        b"".join(bytes(pixel(x + 0.5, y + 0.5, size, maskable)) for x in range(size))
        for y in range(size)
    ]
    return png(size, rows)


def write_icons(folder: Path = STATIC_DIR) -> list[Path]:
    written = []
    for name, (size, maskable) in ICONS.items():
        path = folder / name
        path.write_bytes(draw(size, maskable=maskable))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_icons():
        print(path.name)
