"""Open vaultkit's HTML graph page in headless Chromium, take a screenshot and check nodes were drawn.

``python docs/screenshot_graph.py [VAULT] [--out graph.png]`` (default vault: ``sample_vault``).
The page is self-contained (no network); Chromium (Debian's ``chromium`` package) renders it,
``--dump-dom`` shows what the script wrote into the page, and the PNG is decoded here (standard
library only) to count the pixels painted in the node colours.
"""

from __future__ import annotations

import argparse
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
NODE_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#bbbbbb",
)


def find_chromium() -> str | None:
    """The Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=8000", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def render(html_file: Path, png: Path, size: tuple[int, int] = (1100, 800)) -> str:
    """Screenshot ``html_file`` into ``png``; returns the DOM after the page's script ran."""
    binary = find_chromium()
    if binary is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        url = html_file.resolve().as_uri()
        shot = _chromium(binary, Path(profile), f"--window-size={size[0]},{size[1]}", f"--screenshot={png}", url)
        if not png.exists():
            raise RuntimeError("chromium took no screenshot: " + shot.stderr[-500:])
        dom = _chromium(binary, Path(profile), "--dump-dom", url)
    return dom.stdout


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB or RGBA PNG: (width, height, rows of RGB(A) bytes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unsupported PNG (depth {depth}, colour type {colour})"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    rows: list[bytes] = []
    stride = width * bpp
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def node_pixels(path: Path) -> int:
    """How many pixels of the screenshot have one of the node colours (within a small tolerance)."""
    width, _, rows = read_png(path)
    bpp = len(rows[0]) // width
    targets = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in NODE_COLOURS]
    count = 0
    for row in rows:
        for x in range(0, len(row), bpp):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if any(abs(r - t[0]) + abs(g - t[1]) + abs(b - t[2]) < 24 for t in targets):
                count += 1
    return count


def main() -> None:
    """Export the vault's HTML graph, screenshot it, and report what was drawn."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("vault", nargs="?", default="sample_vault")
    parser.add_argument("--out", type=Path, default=Path("graph.png"))
    args = parser.parse_args()
    from vaultkit import Vault

    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault(args.vault, Path(tmp) / "index")
        vault.index()
        page = Path(tmp) / "graph.html"
        page.write_text(vault.export("html"), encoding="utf-8")
        dom = render(page, args.out)
    pixels = node_pixels(args.out)
    said = dom.split('id="count">', 1)[-1].split("<", 1)[0]
    print(f"screenshot: {args.out}; node pixels: {pixels}; page says: {said}")
    sys.exit(0 if pixels > 0 else 1)


if __name__ == "__main__":
    main()
