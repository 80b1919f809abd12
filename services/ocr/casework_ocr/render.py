"""Rendering one page of a source document to a greyscale image for OCR."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from casework_ocr.extractors.image import open_image, upright_grey
from casework_ocr.extractors.pdf import open_pdf


def render(path: Path, kind: str, index: int, dpi: int, max_pixels: int) -> Image.Image:
    """Page ``index`` of a PDF at ``dpi`` (lowered if the page is huge), or frame ``index`` of an image."""
    if kind == "pdf":
        document = open_pdf(path)
        try:
            page = document[index]
            try:
                scan = embedded_scan(page, dpi, max_pixels)
                if scan is not None:
                    return scan
                width_pt, height_pt = page.get_size()
                scale = dpi / 72
                pixels = width_pt * height_pt * scale * scale
                if pixels > max_pixels:  # an absurd page size must not become an absurd bitmap
                    scale *= (max_pixels / pixels) ** 0.5
                return page.render(scale=scale, grayscale=True).to_pil().convert("L")
            finally:
                page.close()
        finally:
            document.close()
    with open_image(path, max_pixels) as image:
        image.seek(index)
        return upright_grey(image)


def embedded_scan(page: pdfium.PdfPage, dpi: int, max_pixels: int) -> Image.Image | None:
    """The page's own image, if the page is nothing but one upright scan filling it at about ``dpi``.

    A scanner's PDF is exactly that, and decoding the image (~40 ms a page) is three times cheaper
    than rasterising the page (~130 ms), for the same pixels. Anything else (text or drawings on
    the page, a turned or partial image, an unusual resolution) returns None and is rendered.
    """
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    image = objects[0]
    matrix = image.get_matrix()
    if matrix.b != 0 or matrix.c != 0 or matrix.a <= 0 or matrix.d <= 0:
        return None
    left, bottom, right, top = image.get_bounds()
    width_pt, height_pt = page.get_size()
    if (right - left) * (top - bottom) < 0.95 * width_pt * height_pt:
        return None
    width_px, height_px = image.get_px_size()
    native_dpi = width_px / (width_pt / 72)
    if not 0.5 * dpi <= native_dpi <= 1.34 * dpi or width_px * height_px > max_pixels:
        return None
    return _grey_jpeg(image, (width_px, height_px)) or image.get_bitmap(render=False).to_pil().convert("L")


def _grey_jpeg(image: pdfium.PdfImage, size: tuple[int, int]) -> Image.Image | None:
    """A plain JPEG (greyscale or YCbCr colour), decoded straight to its grey (luma) channel: libjpeg
    then skips the colour conversion, about 9 ms for an A4 page at 300 dpi against 54 ms for pdfium's
    colour bitmap turned grey, for the same grey values (JPEG's luma is the ITU-R 601 grey PIL makes).
    Anything else (other filters, CMYK, a size that disagrees with the page object) returns None."""
    if image.get_filters() != ["DCTDecode"]:
        return None
    try:
        jpeg = Image.open(io.BytesIO(bytes(image.get_data(decode_simple=False))), formats=["JPEG"])
        if jpeg.mode not in ("L", "RGB") or jpeg.size != size:
            return None
        jpeg.draft("L", size)
        return jpeg.convert("L")
    except (OSError, SyntaxError):  # PIL's errors for data it cannot decode: pdfium may still
        return None


def image_digest(image: Image.Image, *salt: str) -> str:
    """Identity of a rendered page (pixels, size and OCR settings): equal digests, equal OCR results."""
    digest = hashlib.sha256(f"{image.mode}:{image.size}:{':'.join(salt)}".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()
