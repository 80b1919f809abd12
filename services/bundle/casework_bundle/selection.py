"""Which evidence items go into a bundle, and what the bundle says about each.

The API asks intake for the case's items with the caller's token, so "readable" is intake's own
answer. Each chosen item is kept as a snapshot (its file's facts, its document facts, section and
redactions): the job builds exactly what was asked for, whatever happens to the case afterwards.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casework_common.problems import invalid
from casework_common.vocabulary import DOCUMENT_KIND_LABELS, DOCUMENT_KINDS

DOCUMENTS = "Documents"
WITNESS_STATEMENTS = "Witness statements"
DEFAULT_SECTIONS = (DOCUMENTS, WITNESS_STATEMENTS)
OTHER = "other"

# How each sniffed type becomes PDF pages in the worker (sources.py).
OFFICE_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "application/msword",
        "text/rtf",
        "application/rtf",
    }
)
IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/tiff", "image/heic", "image/heif", "image/webp", "image/bmp", "image/gif"}
)
EMAIL_TYPES = frozenset({"message/rfc822", "application/vnd.ms-outlook"})
TEXT_TYPES = frozenset({"text/plain", "text/html", "text/csv", "text/markdown"})


def source_kind(item: Mapping[str, Any]) -> str | None:
    """How the worker turns the item into pages: "pdf", "office", "image", "email" or "text"; None if it cannot.
    The sniffed type decides (intake's declared content_type only when ocr sniffed none)."""
    mime = (item.get("detected_type") or item.get("content_type") or "").split(";")[0].strip().lower()
    if mime == "application/pdf":
        return "pdf"
    if mime in OFFICE_TYPES:
        return "office"
    if mime in IMAGE_TYPES:
        return "image"
    if mime in EMAIL_TYPES:
        return "email"
    if mime in TEXT_TYPES:
        return "text"
    return None


def why_not_bundleable(item: Mapping[str, Any]) -> str | None:
    """Why the item cannot go into a bundle, or None if it can."""
    if item.get("status") != "indexed":
        return f"It is '{item.get('status')}': only items that were read completely ('indexed') go into a bundle."
    if source_kind(item) is None:
        return f"Files of type {item.get('detected_type') or item.get('content_type')} cannot be put in a bundle."
    return None


def document_facts(item: Mapping[str, Any]) -> dict[str, str]:
    """The item's date, title and kind, each with its source: the document facts the pipeline read
    (``facts``) where present, else an email's headers, else the upload date, the file name and "other"."""
    facts = item.get("facts") or {}
    metadata = item.get("metadata") or {}
    date, date_source = str(facts.get("date") or ""), str(facts.get("date_source") or "")
    if not date:
        date, date_source = _header_date(metadata.get("date")), "email-header"
    if not date:
        date, date_source = str(item.get("uploaded_at") or "")[:10], "upload"
    title, title_source = str(facts.get("title") or "").strip(), str(facts.get("title_source") or "")
    if not title and (metadata.get("subject") or "").strip():
        title, title_source = metadata["subject"].strip(), "subject"
    if not title:
        title, title_source = str(item.get("filename") or "Untitled"), "filename"
    kind = str(facts.get("kind") or "").lower().removeprefix("document_kind_")
    kind_source = str(facts.get("kind_source") or "")
    if kind not in DOCUMENT_KINDS:
        kind, kind_source = ("email", "file-type") if source_kind(item) == "email" else (OTHER, "default")
    return {
        "date": date,
        "date_source": date_source,
        "title": title[:300],
        "title_source": title_source,
        "kind": kind,
        "kind_source": kind_source,
    }


def _header_date(value: str | None) -> str:
    if not value:
        return ""
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return ""


def default_section(kind: str) -> str:
    """Witness statements are kept apart from the documents, as tribunal bundles do."""
    return WITNESS_STATEMENTS if kind == "witness_statement" else DOCUMENTS


def kind_label(kind: str) -> str:
    return DOCUMENT_KIND_LABELS.get(kind, DOCUMENT_KIND_LABELS[OTHER])


@dataclass(frozen=True)
class RedactionRequest:
    evidence_id: str
    text: str | None
    page: int | None
    box: tuple[float, float, float, float] | None


def choose(
    case_evidence: Sequence[Mapping[str, Any]],
    requested: Sequence[str] | None,
    sections: Mapping[str, str] | None,
    redactions: Sequence[RedactionRequest],
    member_visible: bool,
) -> list[dict[str, Any]]:
    """The snapshots of the items to build from, in the order asked (default: the case's order).

    ``case_evidence`` is what intake lists for the caller. Without ``requested`` every item that can go
    into a bundle is taken, a byte-identical copy of an item taken already left out. Every mistake is
    named in one 422 problem (``items.2``, ``sections.<id>``, ``redactions.0.page``...).
    """
    readable = {str(item["id"]): item for item in case_evidence}
    errors: list[dict[str, str]] = []
    if requested is None:
        chosen = _default_items(case_evidence)
        if not chosen:
            errors.append({"field": "items", "message": "The case has no item that can be put in a bundle yet."})
    else:
        chosen = []
        for position, evidence_id in enumerate(requested):
            item = readable.get(evidence_id)
            if item is None:
                errors.append(
                    {
                        "field": f"items.{position}",
                        "message": "No evidence item with this id on this case is visible to you.",
                    }
                )
                continue
            reason = why_not_bundleable(item)
            if reason:
                errors.append({"field": f"items.{position}", "message": reason})
            chosen.append(item)
    chosen_ids = {str(item["id"]) for item in chosen}
    for evidence_id in sections or {}:
        if evidence_id not in chosen_ids:
            errors.append(
                {"field": f"sections.{evidence_id}", "message": "This item is not one of the bundle's items."}
            )
    for position, redaction in enumerate(redactions):
        item = readable.get(redaction.evidence_id) if redaction.evidence_id in chosen_ids else None
        if item is None:
            errors.append(
                {
                    "field": f"redactions.{position}.evidence_id",
                    "message": "This item is not one of the bundle's items.",
                }
            )
        elif redaction.page is not None and source_kind(item) in ("email", "text"):
            # These are re-flowed into new pages when built, so a page number read off the original
            # would black out the wrong place.
            errors.append(
                {
                    "field": f"redactions.{position}.page",
                    "message": "Emails and text files are laid out afresh in a bundle: redact them by text.",
                }
            )
        elif redaction.page is not None and redaction.page > int(item.get("pages_total") or 0):
            errors.append(
                {
                    "field": f"redactions.{position}.page",
                    "message": f"The item has {item.get('pages_total')} page(s).",
                }
            )
    if member_visible:
        for item in chosen:
            if item.get("visibility") != "member":
                errors.append(
                    {
                        "field": "member_visible",
                        "message": f"Item {item['id']} is reps-only: members are not shown bundles holding it.",
                    }
                )
    if errors:
        raise invalid(errors, "The bundle cannot be built as asked.")
    return [_snapshot(item, (sections or {}).get(str(item["id"])), redactions) for item in chosen]


def _default_items(case_evidence: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    taken: list[Mapping[str, Any]] = []
    hashes: set[str] = set()
    for item in case_evidence:
        if why_not_bundleable(item) or item.get("sha256") in hashes:
            continue
        hashes.add(str(item.get("sha256")))
        taken.append(item)
    return taken


REDACTED = "[redacted]"


def redact_text(text: str, words: Sequence[str]) -> str:
    """``text`` with every whole-word, case-insensitive occurrence of each of ``words`` replaced:
    titles and file names are printed in the index and bookmarks, outside the redacted pages."""
    for word in words:
        parts = word.split()
        if parts:
            # "John Smith" also matches "John-Smith" and "john_smith", as file names write it.
            phrase = r"[\s_\-]+".join(re.escape(part) for part in parts)
            text = re.sub(rf"(?<!\w){phrase}(?!\w)", REDACTED, text, flags=re.IGNORECASE)
    return text


def _snapshot(item: Mapping[str, Any], section: str | None, redactions: Sequence[RedactionRequest]) -> dict[str, Any]:
    evidence_id = str(item["id"])
    words = [r.text for r in redactions if r.evidence_id == evidence_id and r.text]
    facts = document_facts(item)
    facts["title"] = redact_text(facts["title"], words)
    return {
        "evidence_id": evidence_id,
        "filename": redact_text(str(item.get("filename") or ""), words),
        "content_type": item.get("content_type"),
        "detected_type": item.get("detected_type"),
        "source": source_kind(item),
        "metadata": dict(item.get("metadata") or {}),
        "visibility": item.get("visibility"),
        "sha256": item.get("sha256"),
        "size_bytes": item.get("size_bytes"),
        "pages_total": int(item.get("pages_total") or 0),
        "uploaded_at": item.get("uploaded_at"),
        **facts,
        "section": section or default_section(facts["kind"]),
        "redactions": [
            {"text": r.text, "page": r.page, "box": list(r.box) if r.box else None}
            for r in redactions
            if r.evidence_id == evidence_id
        ],
    }
