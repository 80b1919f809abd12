"""The mailroom as the portal shows it: case references as people type them, sizes, times and page
ranges in words, and why something waits in a queue. Intake decides everything; these only say it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from casework_common import typed_dates
from casework_common.vocabulary import HOLD_REASON_LABELS, STAFF_ROLES

# Who sees what is filed from the mailroom, in the words the other evidence forms use.
VISIBILITY = {"reps": "Reps only", "member": "The member too"}
# Roles that work on cases (a member only sends evidence): they print sheets and decide held items.
STAFF = STAFF_ROLES

# A case reference as people type it: "CW-2026-000123", "cw 2026 123", "CW2026/123", "2026-123".
# The prefix and the separators are optional, the number's leading zeros too.
_TYPED_REFERENCE = re.compile(r"^(?:cw)?[\s\-_/.:#]*(\d{4})[\s\-_/.:#]+(\d{1,6})$", re.IGNORECASE)
_GLUED_REFERENCE = re.compile(r"^cw[\s\-_/.:#]*(\d{4})(\d{6})$", re.IGNORECASE)  # "CW2026000123"


def typed_reference(text: str) -> str:
    """The case reference someone typed, written the way workflow stores it ("CW-2026-000123").

    Anything that does not look like a reference is passed on as typed (trimmed), so intake's answer
    about it (no such case, or not one of yours) is the one the user sees.
    """
    typed = " ".join(text.split())
    found = _TYPED_REFERENCE.match(typed) or _GLUED_REFERENCE.match(typed)
    if found is None:
        return typed
    year, number = found.groups()
    return f"CW-{year}-{int(number):06d}"


def size_text(size: int | None) -> str:
    """A size as people read it: "850 bytes", "12 KB", "3.4 MB"; "" when not known."""
    if size is None:
        return ""
    if size < 1000:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1_000_000:
        return f"{round(size / 1000)} KB"
    megabytes = size / 1_000_000
    return f"{megabytes:.1f} MB" if megabytes < 100 else f"{round(megabytes)} MB"


def when_text(value: str | None) -> str:
    """An instant from the API (ISO 8601, UTC) in London time: "1 December 2026, 16:05"."""
    if not value:
        return ""
    try:
        instant = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    local = instant.astimezone(typed_dates.LONDON)
    return f"{typed_dates.long_date(local.date())}, {local:%H:%M}"


def reason_text(item: dict[str, Any]) -> str:
    """Why an item waits, in words: intake's own sentence, else the shared label for its reason."""
    if item.get("reason_text"):
        return str(item["reason_text"])
    reason = item.get("reason") or ""
    return HOLD_REASON_LABELS.get(reason, reason.replace("_", " ").capitalize())


def pages_text(part: dict[str, Any]) -> str:
    """Which pages of the scanned batch a part holds: "page 4" or "pages 3 to 7 (5 pages)"."""
    first, last = part.get("first_page"), part.get("last_page")
    count = part.get("pages")
    if first is None or last is None:
        return f"{count} page{'s' if count != 1 else ''}" if count else ""
    if first == last:
        return f"page {first}"
    count = count if count is not None else last - first + 1
    return f"pages {first} to {last} ({count} pages)"


def attachments_text(attachments: list[dict[str, Any]] | None) -> list[str]:
    """Each attachment of a held message as "name (size)"; unnamed ones say so."""
    shown = []
    for attachment in attachments or []:
        name = attachment.get("filename") or "an unnamed attachment"
        size = size_text(attachment.get("size_bytes"))
        shown.append(f"{name} ({size})" if size else name)
    return shown


def cover_sheet_filename(reference: str) -> str:
    """The printed sheet's file name, e.g. "cover-sheet-CW-2026-000123.pdf"."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in reference) or "case"
    return f"cover-sheet-{safe}.pdf"


def visibility(value: str | None) -> str:
    """The visibility chosen on a form, if it is one intake knows; else the cautious one (reps only)."""
    return value if value in VISIBILITY else "reps"


def template_helpers() -> dict[str, Any]:
    """Names the mailroom's templates use."""
    return {
        "size_text": size_text,
        "when_text": when_text,
        "reason_text": reason_text,
        "pages_text": pages_text,
        "attachments_text": attachments_text,
        "mail_visibility": VISIBILITY,
    }
