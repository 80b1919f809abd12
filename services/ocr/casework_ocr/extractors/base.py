"""The extractor contract: one class per file format, registered by the MIME types it handles."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from PIL import Image


class UnreadableError(Exception):
    """The file is of a known type but cannot be read (corrupt, truncated...). The message is shown to users."""


@dataclass
class Page:
    """One page of a document: its text layer if usable, else an image to OCR."""

    number: int
    text: str | None = None
    image: Image.Image | None = None


@dataclass(frozen=True)
class ExtractOptions:
    dpi: int
    min_text_layer_chars: int


class Extractor(ABC):
    #: MIME types (as sniffed from content) this extractor handles.
    mime_types: ClassVar[frozenset[str]]

    @abstractmethod
    def pages(self, path: Path, options: ExtractOptions) -> Iterator[Page]:
        """Yield the document's pages in order."""


def usable_text(text: str, minimum: int) -> bool:
    return sum(ch.isalnum() for ch in text) >= minimum
