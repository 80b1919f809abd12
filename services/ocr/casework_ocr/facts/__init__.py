"""Document facts: a document's date, title and kind, read from what OCR already has.

Pure logic, no I/O: the OCR worker passes the page texts, the email header lines, the sniffed
type and any PDF/EXIF metadata, and gets a ``DocumentFacts`` message back. Each field carries
where it came from (``*_source``), so the portal can show it and a rep can correct it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from casework.v1 import events_pb2


def read_facts(
    pages: list[str],
    metadata: Mapping[str, str],
    detected_type: str,
    pdf_info: Mapping[str, str] | None = None,
    exif_date: str | None = None,
    today: dt.date | None = None,
) -> events_pb2.DocumentFacts:
    """Read a document's date, title and kind (each with its source) from its text and metadata.

    ``pages``: the page texts in order; ``metadata``: email header lines ("from", "to", "cc",
    "date", "subject") when the document is an email; ``detected_type``: the sniffed MIME type;
    ``pdf_info``: the PDF document information dictionary; ``exif_date``: EXIF DateTimeOriginal as
    stored ("2026:03:03 12:00:00"); ``today``: the reference for rejecting future dates.
    Empty fields mean "not found" (intake then falls back to the upload date).
    """
    # Placeholder body while the readers are written; the signature is the contract.
    return events_pb2.DocumentFacts(kind=events_pb2.DOCUMENT_KIND_OTHER, kind_confidence=0.0, kind_source="classifier")
