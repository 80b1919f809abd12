"""Where a page's visible area is in its own user space, so overlays land upright on rotated or cropped pages."""

from __future__ import annotations

from dataclasses import dataclass

import pikepdf

Matrix = tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class Visible:
    """A page as a viewer shows it: width and height in points, and the matrix (a PDF ``cm``) from these upright
    coordinates (origin bottom-left of what is shown) to the page's user space."""

    width: float
    height: float
    matrix: Matrix


def _box(page: pikepdf.Page) -> tuple[float, float, float, float]:
    # CropBox is what viewers show; it defaults to the MediaBox (both may be inherited; pikepdf resolves that)
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def visible(page: pikepdf.Page) -> Visible:
    """The visible size of ``page`` and the matrix from upright visible coordinates to its user space."""
    x0, y0, x1, y1 = _box(page)
    w, h = x1 - x0, y1 - y0
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    # /Rotate turns the page clockwise when shown; the matrices map the shown page's corners back
    if rotate == 90:
        return Visible(h, w, (0, 1, -1, 0, x1, y0))
    if rotate == 180:
        return Visible(w, h, (-1, 0, 0, -1, x1, y1))
    if rotate == 270:
        return Visible(h, w, (0, -1, 1, 0, x0, y1))
    return Visible(w, h, (1, 0, 0, 1, x0, y0))


def cm(matrix: Matrix) -> bytes:
    """The ``cm`` operator for ``matrix``."""
    return (" ".join(_num(v) for v in matrix) + " cm\n").encode()


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
