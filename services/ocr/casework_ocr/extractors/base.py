"""The extractor contract: one class per file format, registered by the MIME types it handles.

An extractor analyses a file once, cheaply: it returns the pages whose text is already
usable (text layers, plain text, email bodies), the pages that must be rendered and OCR'd
(which fan out to every worker), and the files found inside (attachments, archive members),
which become evidence items of their own. It never runs OCR itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from PIL import Image


class UnreadableError(Exception):
    """Corrupt, truncated or otherwise unreadable. The message is shown to users."""


class PasswordProtectedError(Exception):
    """Encrypted: stored, but its contents cannot be read."""


class LimitError(Exception):
    """Over a configured limit (pages, pixels, archive size...). The message is shown to users."""


@dataclass(frozen=True)
class Limits:
    max_pages: int
    max_image_pixels: int
    max_archive_members: int
    max_archive_ratio: int
    max_archive_bytes: int
    max_text_page_chars: int


@dataclass(frozen=True)
class Context:
    workdir: Path  # a fresh directory for this analysis; deleted afterwards
    limits: Limits
    min_text_layer_chars: int
    soffice: str
    office_timeout_s: int


@dataclass(frozen=True)
class PagePlan:
    """Either ``text`` (usable as it is) or a page to render from the source and OCR."""

    number: int
    text: str | None = None
    source_kind: str | None = None  # "pdf" | "image"
    source_index: int = 0


@dataclass(frozen=True)
class Child:
    filename: str
    content_type: str
    path: Path


@dataclass
class Analysis:
    pages: list[PagePlan]
    children: list[Child] = field(default_factory=list)
    converted: Path | None = None  # a PDF made from the original; OCR pages render from it
    notes: list[str] = field(default_factory=list)  # told to the user with the final status
    # Facts read from the file that are not page text (an email's header lines), kept on the record.
    metadata: dict[str, str] = field(default_factory=dict)
    # Read from the open file for its document facts (date): a PDF's document information
    # dictionary (only of a PDF as uploaded, never one made by conversion) and a photo's EXIF date.
    pdf_info: dict[str, str] = field(default_factory=dict)
    exif_date: str = ""
    # A one-page image's page as OCR reads it (upright, grey), decoded while checking the file: the
    # document stage, when it reads that page itself, does not decode it a second time.
    page_image: Image.Image | None = None


class Extractor(ABC):
    #: MIME types (as sniffed from content) this extractor handles.
    mime_types: ClassVar[frozenset[str]]

    @abstractmethod
    def analyse(self, path: Path, context: Context) -> Analysis:
        """Work out the document's pages and the files inside it."""


def usable_text(text: str, minimum: int) -> bool:
    return sum(ch.isalnum() for ch in text) >= minimum


def text_pages(text: str, max_chars: int, max_pages: int) -> list[PagePlan]:
    """Split long text into pages of at most ``max_chars``, at line breaks where possible."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        while len(line) > max_chars:  # one enormous line: cut it
            if current:
                chunks.append("".join(current))
                current, size = [], 0
            chunks.append(line[:max_chars])
            line = line[max_chars:]
        if size + len(line) > max_chars and current:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line)
    if current or not chunks:
        chunks.append("".join(current))
    if len(chunks) > max_pages:
        raise LimitError(f"The text runs to {len(chunks)} pages; the limit is {max_pages}.")
    return [PagePlan(number=n, text=chunk) for n, chunk in enumerate(chunks, start=1)]
