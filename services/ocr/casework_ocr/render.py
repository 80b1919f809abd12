"""Rendering one page of a source document to a greyscale image for OCR."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image, ImageOps

from casework_ocr.extractors.image import open_image
from casework_ocr.extractors.pdf import open_pdf


def render(path: Path, kind: str, index: int, dpi: int, max_pixels: int) -> Image.Image:
    """Page ``index`` of a PDF at ``dpi`` (lowered if the page is huge), or frame ``index`` of an image."""
    if kind == "pdf":
        document = open_pdf(path)
        try:
            page = document[index]
            try:
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
        return ImageOps.exif_transpose(image).convert("L")


def image_digest(image: Image.Image, *salt: str) -> str:
    """Identity of a rendered page (pixels, size and OCR settings): equal digests, equal OCR results."""
    digest = hashlib.sha256(f"{image.mode}:{image.size}:{':'.join(salt)}".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()
