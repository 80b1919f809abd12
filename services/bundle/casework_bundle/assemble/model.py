"""The bundle library's vocabulary: what goes in (documents, OCR words, redactions, options) and what comes out.

These types are the contract between the PDF assembly library (this package) and the bundle service that
calls it; they carry no behaviour beyond validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType


@dataclass(frozen=True)
class Word:
    """One OCR'd word as Tesseract's TSV gives it: its text and its box in pixels of the page image."""

    text: str
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class PageWords:
    """A page's OCR words and the size of the image they were read from (the words' pixel space)."""

    image_width: int
    image_height: int
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Redaction:
    """Something to black out and remove from the text layer.

    Either ``text``: every occurrence of it, case-insensitive, as whole words or a whole phrase (a word that
    contains a match, e.g. "Smith's" for "Smith", is blacked out whole), on every page of the document or only
    on ``page``; or ``box``: an area of one ``page`` given as fractions 0..1 of the visible page, (x0, y0, x1, y1)
    from the top-left corner. Every word a blacked-out box covers a tenth or more of leaves the text layer. The
    redacted page becomes an image (200 dpi) with an invisible text layer of the remaining words.
    """

    text: str | None = None
    page: int | None = None  # 1-based page of the document; None with text: every page
    box: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        if (self.text is None) == (self.box is None):
            raise ValueError("a redaction has either text or a box")
        if self.text is not None and not self.text.strip():
            raise ValueError("a text redaction needs non-blank text")
        if self.box is not None:
            if self.page is None:
                raise ValueError("an area redaction names its page")
            x0, y0, x1, y1 = self.box
            if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
                raise ValueError(f"redaction box {self.box} is not within 0..1 with x0 < x1 and y0 < y1")
        if self.page is not None and self.page < 1:
            raise ValueError("pages are numbered from 1")


@dataclass(frozen=True)
class SourceDocument:
    """One document of the bundle, already as a PDF (the original, a conversion, or render_text_pdf's output)."""

    pdf: Path
    title: str
    date: str  # ISO date (YYYY-MM-DD) or "" for undated; the index shows "undated"
    kind: str  # label for the index, e.g. "Outcome letter"
    section: str  # e.g. "Documents", "Witness statements", "Comparators"
    # 1-based page -> OCR words, for pages that have no text layer (an invisible text layer is placed from them)
    ocr_words: Mapping[int, PageWords] = field(default_factory=lambda: MappingProxyType({}))
    redactions: tuple[Redaction, ...] = ()


@dataclass(frozen=True)
class BundleOptions:
    """How the bundle looks and is split."""

    title: str  # e.g. "Hearing bundle"
    details: tuple[str, ...] = ()  # lines for the title page: case reference, parties, hearing date
    sections: tuple[str, ...] = ("Documents", "Witness statements")  # order of sections
    max_pages_per_volume: int | None = None  # numbered pages per volume; None: one volume

    def __post_init__(self) -> None:
        if self.max_pages_per_volume is not None and self.max_pages_per_volume < 1:
            raise ValueError("max_pages_per_volume must be at least 1")


@dataclass(frozen=True)
class IndexRow:
    """One document's line in the index. Pages are the bundle's stamped page numbers (1..N across volumes)."""

    number: int  # 1-based document number in the bundle
    section: str
    date: str  # as given ("" for undated)
    title: str
    kind: str
    volume: int  # 1-based
    first_page: int
    last_page: int


@dataclass(frozen=True)
class BuiltBundle:
    """The written volumes (in order), the index, and the count of numbered (document) pages."""

    volumes: tuple[Path, ...]
    index: tuple[IndexRow, ...]
    pages_total: int
