"""Document facts on the evidence record: each item's date, title and kind, each with its source.

Ocr reads them (``DocumentFacts`` on ``evidence.status``, see :func:`apply_read`); a rep may
correct any of them (:func:`apply_correction`), which sets the source "rep" and is never
overwritten by a later reading. Every change is a ``facts_history`` row. An item no reader found a
date for shows its upload date, with source "upload" (decided when it is shown, so it is always
the item's own upload date and needs no back-filling).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from typing import Any

from sqlalchemy import Connection, Row, update

from casework.v1 import events_pb2
from casework_common import typed_dates
from casework_common.safe_input import CONTROL
from casework_common.vocabulary import DOCUMENT_KINDS, document_kind_name
from casework_intake.tables import evidence, facts_history

log = logging.getLogger(__name__)

REP = "rep"
UPLOAD = "upload"
READER = "ocr"  # changed_by of what ocr read
MAX_TITLE = 300
MAX_DATE_TEXT = 60
# A document of casework is dated within living memory; anything else is a misreading or a typo.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
# Control characters, and line breaks and tabs too: a title is one line.
_NOT_IN_TITLE = re.compile(rf"{CONTROL.pattern}|[\t\n\r\u2028\u2029]")

# API field -> (value column, source column)
FIELDS = {
    "date": ("document_date", "document_date_source"),
    "title": ("title", "title_source"),
    "kind": ("document_kind", "kind_source"),
}


def parse_date(text: str) -> dt.date:
    """A date as people write it (casework_common.typed_dates: ISO, "3 March 2026", "03/03/2026" day
    first, "Tuesday 3rd March 2026"...). ValueError, with a message for the user, if it is not a real
    day (31/02/2026), lacks its day, month or year, or is outside 1900-2100."""
    text = text.strip()
    if not text or len(text) > MAX_DATE_TEXT:
        raise ValueError(f"Give a date of at most {MAX_DATE_TEXT} characters, such as 2026-03-03 or 3 March 2026.")
    day = typed_dates.parse_day(text)
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"The date must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}.")
    return day


def check_title(text: str) -> str:
    """A title as a rep typed it, trimmed; ValueError if it is empty, too long or not one line of text."""
    text = text.strip()
    if not text:
        raise ValueError("The title may not be empty.")
    if len(text) > MAX_TITLE:
        raise ValueError(f"The title may be at most {MAX_TITLE} characters.")
    if _NOT_IN_TITLE.search(text):
        raise ValueError("The title must be one line without control characters.")
    return text


def facts_json(row: Row[Any]) -> dict[str, Any]:
    """The API view of an item's facts; without a date found, the upload date (source "upload")."""
    date, date_source = row.document_date, row.document_date_source
    if date is None:
        date, date_source = row.created_at.date(), UPLOAD
    return {
        "date": date.isoformat(),
        "date_source": date_source,
        "title": row.title,
        "title_source": row.title_source,
        "kind": row.document_kind,
        # Stored from a protobuf float32: 0.8 would read 0.800000011920929.
        "kind_confidence": round(row.kind_confidence, 3) if row.kind_confidence is not None else None,
        "kind_source": row.kind_source,
    }


def facts_proto(row: Row[Any]) -> events_pb2.DocumentFacts:
    """The item's facts as the contracts carry them (as shown: the upload date when none was found)."""
    shown = facts_json(row)
    return events_pb2.DocumentFacts(
        date=shown["date"],
        date_source=shown["date_source"] or "",
        title=shown["title"] or "",
        title_source=shown["title_source"] or "",
        kind=DOCUMENT_KINDS.get(shown["kind"] or "", events_pb2.DOCUMENT_KIND_UNSPECIFIED),
        kind_confidence=shown["kind_confidence"] or 0.0,
        kind_source=shown["kind_source"] or "",
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _record(
    conn: Connection, evidence_id: uuid.UUID, field: str, old: Any, new: Any, source: str, changed_by: str
) -> None:
    conn.execute(
        facts_history.insert().values(
            evidence_id=evidence_id,
            field=field,
            old_value=_text(old),
            new_value=_text(new),
            source=source,
            changed_by=changed_by,
        )
    )


def _read_values(facts: events_pb2.DocumentFacts) -> dict[str, tuple[Any, str]]:
    """What a reading offers, per API field: (value, source); fields it did not find are left out, so
    a reading that finds less than an earlier one does not erase what was found."""
    offered: dict[str, tuple[Any, str]] = {}
    if facts.date:
        try:
            day = dt.date.fromisoformat(facts.date)
        except ValueError:
            log.warning("ignoring a document date that is not an ISO date: %r", facts.date[:40])
        else:
            if EARLIEST <= day <= LATEST:
                offered["date"] = (day, facts.date_source[:40] or READER)
    title = CONTROL.sub("", facts.title).strip()[:MAX_TITLE]
    if title:
        offered["title"] = (title, facts.title_source[:40] or READER)
    kind = document_kind_name(facts.kind)
    if kind is not None:
        offered["kind"] = (kind, facts.kind_source[:40] or READER)
    return offered


def apply_read(conn: Connection, row: Row[Any], facts: events_pb2.DocumentFacts) -> None:
    """Keep what ocr read of an item (``row``, locked by the caller): every field a rep has not set.
    A reading of the same values again (a redelivered event) changes and records nothing."""
    values: dict[str, Any] = {}
    for field, (value, source) in _read_values(facts).items():
        column, source_column = FIELDS[field]
        old, old_source = getattr(row, column), getattr(row, source_column)
        if old_source == REP:
            continue  # a person's correction outlives every reading
        if field == "kind":
            values["kind_confidence"] = min(1.0, max(0.0, float(facts.kind_confidence)))
        if (old, old_source) == (value, source):
            continue
        values[column], values[source_column] = value, source
        if old != value:
            _record(conn, row.id, field, old, value, source, READER)
    if values:
        conn.execute(update(evidence).where(evidence.c.id == row.id).values(**values))


def apply_correction(conn: Connection, row: Row[Any], changes: dict[str, Any], changed_by: str) -> list[str]:
    """A person's correction of an item (``row``, locked by the caller): each field in ``changes``
    (already validated: a ``date``, a title, a kind's short name) gets source "rep"; a set kind has
    confidence 1. Returns the fields whose value or source changed (each recorded in the history)."""
    values: dict[str, Any] = {}
    changed = []
    for field, value in changes.items():
        column, source_column = FIELDS[field]
        old, old_source = getattr(row, column), getattr(row, source_column)
        if field == "date" and old is None:
            old = row.created_at.date()  # what was shown: the upload date
        if (old, old_source) == (value, REP):
            continue
        values[column], values[source_column] = value, REP
        if field == "kind":
            values["kind_confidence"] = 1.0
        _record(conn, row.id, field, old, value, REP, changed_by)
        changed.append(field)
    if values:
        conn.execute(update(evidence).where(evidence.c.id == row.id).values(**values))
    return changed


def history_json(row: Row[Any]) -> dict[str, Any]:
    """One entry of an item's facts history."""
    return {
        "field": row.field,
        "old_value": row.old_value,
        "new_value": row.new_value,
        "source": row.source,
        "changed_by": row.changed_by,
        "changed_at": row.changed_at.isoformat(),
    }
