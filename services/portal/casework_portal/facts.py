"""Document facts on the case page: how an item's date, kind and title are shown, what a rep's
correction form sends to intake, and the form's errors kept for the page it goes back to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, session

from casework_common.vocabulary import DOCUMENT_KIND_LABELS

#: The kinds a rep may choose, in the contract's order, with what people call them.
KINDS = DOCUMENT_KIND_LABELS
# Kinds that arrive as letters: their text's date is "from the letter".
_LETTERS = ("invitation", "outcome_letter", "suspension_letter", "warning", "grievance", "appeal")
DATE_SOURCES = {
    "email-header": "from the email",
    "exif": "from the photo",
    "pdf-metadata": "from the PDF's details",
    "upload": "the day it was added",
    "rep": "set by a rep",
}
FIELDS = ("date", "title", "kind")
_PENDING = "facts_form"  # session key: the last correction form that intake refused


def shown_date(facts: dict[str, Any] | None) -> str:
    """The item's date as people read it ("3 Mar 2026"); "" when it has none."""
    try:
        day = dt.date.fromisoformat((facts or {}).get("date") or "")
    except ValueError:
        return ""
    return f"{day.day} {day:%b %Y}"


def date_source(facts: dict[str, Any] | None) -> str:
    """Where the date came from, as a phrase ("from the letter", "set by a rep")."""
    facts = facts or {}
    source = facts.get("date_source") or ""
    if source == "text":
        return "from the letter" if facts.get("kind") in _LETTERS else "from the document"
    return DATE_SOURCES.get(source, f"from {source}" if source else "")


def kind_label(facts: dict[str, Any] | None) -> str:
    """What kind of document it is, in words; "" while nobody knows."""
    kind = (facts or {}).get("kind")
    return KINDS.get(kind, kind.replace("_", " ")) if kind else ""


def form_values(facts: dict[str, Any] | None) -> dict[str, str]:
    """The correction form's fields as first shown: the item's facts as they read on the page."""
    facts = facts or {}
    return {"date": shown_date(facts), "title": facts.get("title") or "", "kind": facts.get("kind") or ""}


def changes(form: dict[str, str], shown: dict[str, str]) -> dict[str, str]:
    """What the rep changed: only fields whose text differs from what the form first showed, so
    saving one field never marks the others as set by a rep."""
    sent = {}
    for field in FIELDS:
        value = (form.get(field) or "").strip()
        if value != (shown.get(field) or "").strip():
            sent[field] = value
    return sent


def field_messages(fields: dict[str, str]) -> dict[str, str]:
    """The API's sentences per field ("Date: Value error, Not a real date...") without the field's
    name, which the form shows beside them already."""
    messages = {}
    for field, sentence in fields.items():
        text = sentence.split(": ", 1)[1] if ": " in sentence else sentence
        messages[field.split(".")[0]] = text.removeprefix("Value error, ")
    return messages


def keep_refusal(evidence_id: str, values: dict[str, str], errors: dict[str, str], message: str) -> None:
    """Remember a refused form (what was typed and why) for the case page it goes back to."""
    session[_PENDING] = {"id": evidence_id, "values": values, "errors": errors, "message": message}


def refusal_for(evidence_id: str) -> dict[str, Any] | None:
    """The refused form of this item, shown once (like a flashed message), or None."""
    if "facts_refusal" not in g:
        g.facts_refusal = session.pop(_PENDING, None)
    pending = g.facts_refusal
    return pending if pending and pending.get("id") == evidence_id else None


def template_helpers() -> dict[str, Any]:
    """What the evidence list's template uses."""
    return {
        "facts_date": shown_date,
        "facts_date_source": date_source,
        "facts_kind": kind_label,
        "facts_form_values": form_values,
        "facts_refusal": refusal_for,
        "document_kinds": KINDS,
    }
