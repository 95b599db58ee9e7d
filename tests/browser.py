"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright, and PNG pixels.

Playwright's own browser download cannot work here; .ci/run installs Debian's chromium
when it is missing. Outside CI a machine without it skips these tests; in CI (CI=true)
they fail instead, so a missing browser can never pass as green.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def need_chromium() -> None:
    if not CHROMIUM.exists():  # a missing browser fails the browser tests, it never skips them
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install chromium)")


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright's sync API)."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Decode an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) into (width, height, pixels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(line)
        prev = line
    pixels = [tuple(row[x * bpp:x * bpp + 3]) for row in rows for x in range(width)]
    return width, height, pixels


def background_share(png: bytes) -> tuple[float, tuple[int, ...]]:
    """The share of pixels that have the most common colour (the background), and that colour."""
    _, _, pixels = png_pixels(png)
    colour, count = Counter(pixels).most_common(1)[0]
    return count / len(pixels), colour


def content_share(png: bytes, tile: int = 24) -> float:
    """The share of `tile` x `tile` squares holding anything but the background colour.

    A page that rendered is mostly squares with content (text, rules, bars); a blank or
    broken one is mostly empty squares. Counting squares, not pixels, keeps the white
    between the strokes of a letter from counting as empty page.
    """
    width, height, pixels = png_pixels(png)
    background = Counter(pixels).most_common(1)[0][0]
    tiles = filled = 0
    for ty in range(0, height - tile + 1, tile):
        for tx in range(0, width - tile + 1, tile):
            tiles += 1
            filled += any(pixels[y * width + x] != background
                          for y in range(ty, ty + tile) for x in range(tx, tx + tile))
    return filled / tiles
