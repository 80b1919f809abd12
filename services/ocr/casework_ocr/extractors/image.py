"""Raster images (scans, phone photos): every frame is a page for OCR, upright per its EXIF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from casework_ocr.extractors.base import ExtractOptions, Extractor, Page, UnreadableError


class ImageExtractor(Extractor):
    mime_types = frozenset({"image/png", "image/jpeg", "image/tiff"})

    def pages(self, path: Path, options: ExtractOptions) -> Iterator[Page]:
        try:
            with Image.open(path) as image:
                for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                    upright = ImageOps.exif_transpose(frame.copy())
                    yield Page(number=number, image=upright.convert("L"))
        except (UnidentifiedImageError, OSError) as exc:
            raise UnreadableError(f"The image cannot be read: {exc}") from exc
