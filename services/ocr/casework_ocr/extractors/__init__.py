"""Extractor registry: the extractor for a sniffed MIME type, or None if the type is not supported."""

from __future__ import annotations

from casework_ocr.extractors.base import ExtractOptions, Extractor, Page, UnreadableError
from casework_ocr.extractors.image import ImageExtractor
from casework_ocr.extractors.pdf import PdfExtractor

_EXTRACTORS: tuple[Extractor, ...] = (PdfExtractor(), ImageExtractor())
REGISTRY: dict[str, Extractor] = {mime: e for e in _EXTRACTORS for mime in e.mime_types}


def for_type(mime_type: str) -> Extractor | None:
    return REGISTRY.get(mime_type)


__all__ = ["REGISTRY", "ExtractOptions", "Extractor", "Page", "UnreadableError", "for_type"]
