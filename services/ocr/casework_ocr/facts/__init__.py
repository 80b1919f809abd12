"""Document facts: a document's date, title and kind, read from what OCR already has.

Pure logic, no I/O: the OCR worker passes the page texts, the email header lines, the sniffed
type and any PDF/EXIF metadata, and gets a ``DocumentFacts`` message back. Each field carries
where it came from (``*_source``), so the portal can show it and a rep can correct it:
date_source "email-header", "text", "exif" or "pdf-metadata"; title_source "subject",
"subject-line" or "heading"; kind_source "classifier". An empty field means "not found": intake
then uses the upload date, and the rep writes the title.

The readers: dates.py (date expressions and which of them is the document's), titles.py,
kinds.py (the written-rule classifier, with the reasons for rules over a model).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from casework.v1 import events_pb2
from casework_ocr.facts import dates, kinds, titles

__all__ = ["read_facts"]


def _date(
    pages: list[str],
    metadata: Mapping[str, str],
    pdf_info: Mapping[str, str] | None,
    exif_date: str | None,
    today: dt.date,
) -> tuple[str, str]:
    # An email's Date header wins over its text: the mail client stamped it when the message was
    # sent, while the body quotes earlier messages ("On 2 March 2026, Sam wrote:") and names
    # meeting dates, neither of which is the email's own date.
    header = dates.header_date(metadata.get("date", ""), today)
    if header is not None:
        return header.isoformat(), "email-header"
    # The text before the file's metadata: a photo or scan of a letter is dated by the letter,
    # not by the day it was photographed or scanned.
    found = dates.document_date(pages, today)
    if found is not None:
        return found.isoformat(), "text"
    taken = dates.exif_date(exif_date or "", today)
    if taken is not None:
        return taken.isoformat(), "exif"
    created = dates.pdf_date((pdf_info or {}).get("CreationDate", ""), today)
    if created is not None:
        return created.isoformat(), "pdf-metadata"
    return "", ""


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
    stored ("2026:03:03 12:00:00"); ``today``: the reference for rejecting future dates (default:
    the current date). Empty fields mean "not found".
    """
    today = today or dt.date.today()
    pages = [page or "" for page in pages]
    metadata = {key.lower(): value for key, value in metadata.items() if value}
    date, date_source = _date(pages, metadata, pdf_info, exif_date, today)
    title, title_source = titles.read_title(pages, metadata)
    kind = kinds.classify(title, pages, metadata, detected_type)
    return events_pb2.DocumentFacts(
        date=date,
        date_source=date_source,
        title=title,
        title_source=title_source,
        kind=kind.kind,
        kind_confidence=kind.confidence,
        kind_source="classifier",
    )
