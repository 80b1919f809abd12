"""Scanned batches as a copier makes them, generated in the test run: printed pages (cover sheets,
letters) rasterised grey at 200-300 dpi, slightly rotated, with scanner noise, in one image-only PDF
(or a multi-page TIFF). Nothing here is a binary fixture."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont

A4_MM = (210, 297)
PAPER = 246  # copier paper is never pure white


def _mm_to_px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def as_copier_scans(
    image: Image.Image, rng: random.Random, angle: float | None = None, specks: int = 60
) -> Image.Image:
    """What a copier makes of a printed page: rotated by 1-2 degrees either way (or ``angle``),
    speckled, slightly blurred, on grey-white paper."""
    page = image.convert("L").point(lambda v: PAPER if v > PAPER else v)
    turn = angle if angle is not None else rng.choice((-1, 1)) * rng.uniform(1.0, 2.0)
    page = page.rotate(turn, resample=Image.BICUBIC, fillcolor=PAPER)
    draw = ImageDraw.Draw(page)
    for _ in range(specks):  # dust and toner specks, 1-3 pixels
        x, y, r = rng.randrange(page.width), rng.randrange(page.height), rng.choice((0, 1, 1, 2))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randrange(20, 110))
    return page.filter(ImageFilter.GaussianBlur(0.5))


def rasterise(pdf: bytes, dpi: int, rng: random.Random, angle: float | None = None) -> list[Image.Image]:
    """Each page of a printed PDF (a cover sheet) as the copier scans it."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [as_copier_scans(page.render(scale=dpi / 72, grayscale=True).to_pil(), rng, angle) for page in document]
    finally:
        document.close()


def letter(lines: Sequence[str], dpi: int, rng: random.Random) -> Image.Image:
    """A typed letter of ``lines`` (about 12 pt), scanned."""
    width, height = _mm_to_px(A4_MM[0], dpi), _mm_to_px(A4_MM[1], dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=round(dpi * 0.16))
    y = _mm_to_px(30, dpi)
    for line in lines:
        draw.text((_mm_to_px(22, dpi), y), line, fill=15, font=font)
        y += round(dpi * 0.3)
    return as_copier_scans(image, rng)


def blank(dpi: int, rng: random.Random, specks: int = 120) -> Image.Image:
    """A blank separator page (or a sheet's empty back): nothing but paper and specks."""
    width, height = _mm_to_px(A4_MM[0], dpi), _mm_to_px(A4_MM[1], dpi)
    return as_copier_scans(Image.new("L", (width, height), 255), rng, specks=specks)


def batch_pdf(pages: Sequence[Image.Image], dpi: int) -> bytes:
    """An image-only PDF of the scanned pages, as copiers send them (JPEG pages)."""
    buffer = io.BytesIO()
    first, *rest = [page.convert("L") for page in pages]
    first.save(buffer, "PDF", resolution=dpi, save_all=True, append_images=rest, quality=80)
    return buffer.getvalue()


def batch_tiff(pages: Sequence[Image.Image], dpi: int) -> bytes:
    """A multi-page TIFF of the scanned pages (lossless)."""
    buffer = io.BytesIO()
    first, *rest = [page.convert("L") for page in pages]
    first.save(buffer, "TIFF", dpi=(dpi, dpi), save_all=True, append_images=rest, compression="tiff_deflate")
    return buffer.getvalue()
