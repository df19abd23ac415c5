"""Reading our PDFs back in tests: text (NFKC), fonts, pixels, and the QR code's modules.

No QR decoding library is installed, so ``read_qr_matrix`` locates the three finder patterns
in a rendered page and samples the module grid; comparing that grid with segno's matrix for
an expected payload is as good as decoding it (same payload, error level and mask → same
symbol; any other payload gives a different grid).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path


def _write(pdf: bytes) -> Path:
    handle = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False)
    handle.write(pdf)
    handle.close()
    return Path(handle.name)


def pdf_text(pdf: bytes, page: int | None = None, mode: str = "layout", normalize: bool = True) -> str:
    """pdftotext output, NFKC-normalised unless ``normalize=False`` (to hold wording to the
    character). ``mode``: "layout" (a table row stays one line), "raw" (content-stream order:
    rotated text such as a watermark stays whole) or "plain"."""
    path = _write(pdf)
    try:
        args = ["pdftotext", "-enc", "UTF-8", *({"layout": ["-layout"], "raw": ["-raw"]}.get(mode, []))]
        if page is not None:
            args += ["-f", str(page), "-l", str(page)]
        out = subprocess.run([*args, str(path), "-"], capture_output=True, check=True).stdout
    finally:
        path.unlink()
    text = out.decode("utf-8")
    return unicodedata.normalize("NFKC", text) if normalize else text


def flat(text: str) -> str:
    """NFKC and no whitespace at all: line wrapping and spacing never break a match."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pdf_pages(pdf: bytes) -> int:
    path = _write(pdf)
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    finally:
        path.unlink()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded) pairs from pdffonts."""
    path = _write(pdf)
    try:
        out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    finally:
        path.unlink()
    fonts = []
    for line in out.splitlines()[2:]:
        columns = line.split()
        # name type... encoding emb sub uni object ID: emb is the 5th field from the end
        if len(columns) >= 6:
            fonts.append((columns[0], columns[-5] == "yes"))
    return fonts


@dataclass
class Gray:
    width: int
    height: int
    pixels: bytes  # one byte per pixel, 0 = black

    def row(self, y: int) -> bytes:
        return self.pixels[y * self.width : (y + 1) * self.width]

    def at(self, x: float, y: float) -> int:
        return self.pixels[int(y) * self.width + int(x)]


def render_gray(pdf: bytes, dpi: int = 150, page: int = 1) -> Gray:
    """One page as an 8-bit grayscale bitmap (pdftoppm -gray → PGM)."""
    path = _write(pdf)
    try:
        out = subprocess.run(
            ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(path)],
            capture_output=True,
            check=True,
        ).stdout
    finally:
        path.unlink()
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", out)
    width, height = int(match.group(1)), int(match.group(2))
    return Gray(width, height, out[match.end() : match.end() + width * height])


# --- QR finder patterns -----------------------------------------------------------------

_BINARY = bytes(0x31 if value < 128 else 0x30 for value in range(256))  # dark → "1"


def _row_candidates(row: bytes) -> list[tuple[float, float]]:
    """(centre x, module size) of 1:1:3:1:1 dark/light/dark/light/dark runs in one row."""
    runs = [(m.start(), m.end() - m.start(), m.group()[0] == 0x31) for m in re.finditer(rb"1+|0+", row)]
    found = []
    for i in range(len(runs) - 4):
        window = runs[i : i + 5]
        if not window[0][2]:
            continue
        sizes = [length for _, length, _ in window]
        unit = sum(sizes) / 7
        if unit < 2:
            continue
        expected = (1, 1, 3, 1, 1)
        if all(abs(size - e * unit) <= unit * 0.5 * e + 1 for size, e in zip(sizes, expected)):
            start = window[2][0]
            found.append((start + window[2][1] / 2, unit))
    return found


def _finder_centres(image: Gray) -> list[tuple[float, float, float]]:
    """Centres (x, y, module size) of finder patterns, seen in several consecutive rows."""
    clusters: list[list[tuple[float, float, float]]] = []
    for y in range(image.height):
        row = image.row(y).translate(_BINARY)
        for x, unit in _row_candidates(row):
            for cluster in clusters:
                cx, cy, cu = cluster[-1]
                if abs(cx - x) <= cu and 0 < y - cy <= 2 and abs(cu - unit) <= cu * 0.3:
                    cluster.append((x, y, unit))
                    break
            else:
                clusters.append([(x, y, unit)])
    centres = []
    for cluster in clusters:
        unit = sum(u for _, _, u in cluster) / len(cluster)
        if len(cluster) >= 2.5 * unit:  # the 3-module core is several rows tall
            xs = [x for x, _, _ in cluster]
            ys = [y for _, y, _ in cluster]
            centres.append((sum(xs) / len(xs), (min(ys) + max(ys)) / 2, unit))
    return centres


def read_qr_matrix(image: Gray) -> list[list[bool]]:
    """The module grid (True = dark) of the one QR code on the page."""
    centres = _finder_centres(image)
    best = None
    for a in centres:  # top-left: one finder to its right, one below, at the same distance
        rights = [b for b in centres if abs(b[1] - a[1]) < a[2] * 2 and b[0] > a[0] + 10 * a[2]]
        belows = [b for b in centres if abs(b[0] - a[0]) < a[2] * 2 and b[1] > a[1] + 10 * a[2]]
        for right in rights:
            for below in belows:
                if abs((right[0] - a[0]) - (below[1] - a[1])) < a[2] * 2:
                    best = (a, right, below)
    assert best is not None, f"no QR code found (finder candidates: {centres})"
    top_left, top_right, _ = best
    distance = top_right[0] - top_left[0]
    modules = round(distance / top_left[2]) + 7
    assert (modules - 17) % 4 == 0, f"not a QR symbol size: {modules}"
    pitch = distance / (modules - 7)
    x0 = top_left[0] - 3 * pitch  # centre of the first module
    y0 = top_left[1] - 3 * pitch
    return [
        [image.at(x0 + col * pitch, y0 + row * pitch) < 128 for col in range(modules)]
        for row in range(modules)
    ]


def segno_matrix(payload: str, error: str = "m") -> list[list[bool]]:
    """segno's module grid for ``payload`` (no quiet zone)."""
    import segno

    code = segno.make(payload, error=error, micro=False)
    return [[bool(v) for v in row] for row in code.matrix]
