"""Extractor registry: the extractor for a sniffed MIME type, or None if the type is not supported."""

from __future__ import annotations

from casework_ocr.extractors.archive import ZipExtractor
from casework_ocr.extractors.base import (
    Analysis,
    Child,
    Context,
    Extractor,
    LimitError,
    Limits,
    PagePlan,
    PasswordProtectedError,
    UnreadableError,
)
from casework_ocr.extractors.image import ImageExtractor
from casework_ocr.extractors.mail import EmlExtractor, MsgExtractor
from casework_ocr.extractors.office import OfficeExtractor
from casework_ocr.extractors.pdf import PdfExtractor
from casework_ocr.extractors.text import HtmlExtractor, TextExtractor

_EXTRACTORS: tuple[Extractor, ...] = (
    PdfExtractor(),
    ImageExtractor(),
    OfficeExtractor(),
    TextExtractor(),
    HtmlExtractor(),
    EmlExtractor(),
    MsgExtractor(),
    ZipExtractor(),
)
REGISTRY: dict[str, Extractor] = {mime: e for e in _EXTRACTORS for mime in e.mime_types}


def for_type(mime_type: str) -> Extractor | None:
    return REGISTRY.get(mime_type)


__all__ = [
    "REGISTRY",
    "Analysis",
    "Child",
    "Context",
    "Extractor",
    "LimitError",
    "Limits",
    "PagePlan",
    "PasswordProtectedError",
    "UnreadableError",
    "for_type",
]
