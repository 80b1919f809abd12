"""Which way up a page's text is, before Tesseract reads it.

Leptonica's orientation test (``pixOrientDetect``: ascenders against descenders, counted with
morphological hit-miss transforms) on a 150 dpi black-and-white copy of the page takes about 25 ms;
Tesseract's own orientation detection takes 250-400 ms, and reading a turned page as it is, only to
find that it reads badly, wastes a whole reading (about 1 s). Leptonica is the library Tesseract
links; the one bundled with tesserocr is called here through ctypes (tesserocr does not expose it).

When the test is not confident (too little text, a photo, a figure) the answer is "unknown" and
the page is read as it is, with Tesseract's confidence fallback behind it as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import io
import logging
from pathlib import Path

import tesserocr
from PIL import Image

log = logging.getLogger(__name__)

# Leptonica's text orientations (makeOrientDecision), and the turn that stands each upright.
_TURNS = {
    2: Image.Transpose.ROTATE_270,  # L_TEXT_ORIENT_LEFT: the page lies turned a quarter anticlockwise
    3: Image.Transpose.ROTATE_180,  # L_TEXT_ORIENT_DOWN
    4: Image.Transpose.ROTATE_90,  # L_TEXT_ORIENT_RIGHT
}
_TARGET_LONG_SIDE = 1754  # A4 at 150 dpi, the resolution the test is designed for
_BLACK_BELOW = 128


@functools.cache
def _leptonica() -> ctypes.CDLL | None:
    bundled = glob.glob(str(Path(tesserocr.__file__).parent.parent / "tesserocr.libs" / "libleptonica-*.so*"))
    name = bundled[0] if bundled else ctypes.util.find_library("leptonica") or ctypes.util.find_library("lept")
    if name is None:
        log.warning("Leptonica not found: every page is read as it is, orientation checked after reading")
        return None
    lib = ctypes.CDLL(name)
    lib.pixReadMem.restype = ctypes.c_void_p
    lib.pixReadMem.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.pixOrientDetect.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_float),
        ctypes.POINTER(ctypes.c_float),
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.makeOrientDecision.argtypes = [
        ctypes.c_float,
        ctypes.c_float,
        ctypes.c_float,
        ctypes.c_float,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    lib.pixDestroy.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    return lib


def upright_turn(image: Image.Image) -> Image.Transpose | None:
    """The turn that stands the page's text upright, when Leptonica is confident it is not upright;
    None when it is upright or the test cannot tell."""
    lib = _leptonica()
    if lib is None:
        return None
    grey = image if image.mode == "L" else image.convert("L")
    factor = max(1, round(max(grey.size) / _TARGET_LONG_SIDE))
    small = grey.reduce(factor) if factor > 1 else grey
    buffer = io.BytesIO()
    small.point(lambda value: 0 if value < _BLACK_BELOW else 255, "1").save(buffer, "PPM")  # PBM
    data = buffer.getvalue()
    pix = ctypes.c_void_p(lib.pixReadMem(data, len(data)))
    if not pix.value:
        return None
    try:
        up, left = ctypes.c_float(), ctypes.c_float()
        if lib.pixOrientDetect(pix, ctypes.byref(up), ctypes.byref(left), 0, 0) != 0:
            return None
        decided = ctypes.c_int()
        # 0, 0: Leptonica's default thresholds (an up/down confidence of 8, a ratio of 2.5).
        if lib.makeOrientDecision(up, left, 0.0, 0.0, ctypes.byref(decided), 0) != 0:
            return None
    finally:
        lib.pixDestroy(ctypes.byref(pix))
    return _TURNS.get(decided.value)


def _point_back(x: int, y: int, turn: Image.Transpose, size: tuple[int, int]) -> tuple[int, int]:
    """A point of the turned image, in the original image's frame (``size``: the original's)."""
    width, height = size
    if turn == Image.Transpose.ROTATE_180:
        return width - x, height - y
    if turn == Image.Transpose.ROTATE_90:  # the original was turned anticlockwise
        return width - y, x
    return y, height - x  # ROTATE_270: turned clockwise


def boxes_back(tsv: str, turn: Image.Transpose, size: tuple[int, int]) -> str:
    """Tesseract TSV read from the turned image, with every box moved into the original image's frame
    (as Tesseract's own orientation detection reports them), so that highlights and a bundle's text
    layer land on the page as it was scanned."""
    lines = tsv.splitlines(keepends=True)
    out = lines[:1]  # the header
    for line in lines[1:]:
        cells = line.rstrip("\n").split("\t")
        if len(cells) != 12:
            out.append(line)
            continue
        left, top, width, height = (int(cell) for cell in cells[6:10])
        corners = [
            _point_back(left, top, turn, size),
            _point_back(left + width, top + height, turn, size),
        ]
        xs, ys = sorted(x for x, _ in corners), sorted(y for _, y in corners)
        cells[6:10] = [str(xs[0]), str(ys[0]), str(xs[1] - xs[0]), str(ys[1] - ys[0])]
        out.append("\t".join(cells) + "\n")
    return "".join(out)
