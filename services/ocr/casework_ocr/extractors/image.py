"""Raster images (scans, phone photos, HEIC from iPhones, multi-page TIFF): every frame is a page for OCR."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from casework_ocr.extractors.base import Analysis, Context, Extractor, LimitError, PagePlan, UnreadableError

register_heif_opener()
EXIF_IFD = 0x8769  # the Exif sub-IFD, where cameras put DateTimeOriginal
DATE_TIME_ORIGINAL = 36867
DATE_TIME = 306  # in IFD0: when the file was last changed (scanners and editors set only this)


def open_image(path: Path, max_pixels: int) -> Image.Image:
    """Open an image, refusing decompression bombs before any pixel is decoded."""
    Image.MAX_IMAGE_PIXELS = None  # we check the limit ourselves, with our own message
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnreadableError(f"The image cannot be read ({exc}).") from exc
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise LimitError(f"The image is {width}×{height} pixels; the limit is {max_pixels:,} pixels.")
    return image


def upright_grey(image: Image.Image) -> Image.Image:
    """A decoded frame as OCR reads it: turned as its EXIF orientation says, in greyscale."""
    return ImageOps.exif_transpose(image).convert("L")


def exif_date(image: Image.Image) -> str:
    """When the photo was taken, as EXIF stores it ("2026:03:03 12:00:00"): DateTimeOriginal from
    the Exif IFD, else the image's DateTime; "" if it has neither or its EXIF does not parse."""
    try:
        exif = image.getexif()
        value = exif.get_ifd(EXIF_IFD).get(DATE_TIME_ORIGINAL) or exif.get(DATE_TIME)
    except Exception:  # noqa: BLE001 - a malformed EXIF block (any of Pillow's parser errors) means no date
        return ""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ")[:40] if isinstance(value, str) else ""


class ImageExtractor(Extractor):
    mime_types = frozenset(
        {"image/png", "image/jpeg", "image/tiff", "image/heic", "image/heif", "image/webp", "image/bmp", "image/gif"}
    )

    def analyse(self, path: Path, context: Context) -> Analysis:
        with open_image(path, context.limits.max_image_pixels) as image:
            frames = getattr(image, "n_frames", 1)
            if frames > context.limits.max_pages:
                raise LimitError(f"The image has {frames} pages; the limit is {context.limits.max_pages}.")
            try:
                image.load()  # decode the first frame now: a corrupt file fails here, not in every worker
            except (OSError, SyntaxError, ValueError) as exc:
                raise UnreadableError(f"The image is corrupt or truncated ({exc}).") from exc
            taken = exif_date(image)
            # Decoded already: the one page, kept for the document stage to read it without a second decode.
            page_image = upright_grey(image) if frames == 1 else None
        pages = [PagePlan(number=i + 1, source_kind="image", source_index=i) for i in range(frames)]
        return Analysis(pages=pages, exif_date=taken, page_image=page_image)
