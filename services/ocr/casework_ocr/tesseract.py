"""Tesseract OCR, one single-threaded process per call (OMP_THREAD_LIMIT=1 is set at worker start)."""

from __future__ import annotations

import pytesseract
from PIL import Image


class OcrTimeout(Exception):
    """Tesseract did not finish a page within the configured time."""


def ocr_page(image: Image.Image, language: str, timeout_s: int) -> str:
    try:
        return pytesseract.image_to_string(image, lang=language, config="--psm 3", timeout=timeout_s)
    except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
        if "timeout" in str(exc).lower():
            raise OcrTimeout(f"OCR of a page took longer than {timeout_s}s") from exc
        raise


def available() -> bool:
    try:
        pytesseract.get_tesseract_version()
        return True
    except pytesseract.TesseractNotFoundError:
        return False
