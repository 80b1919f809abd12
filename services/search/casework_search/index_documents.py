"""What goes into the indices: one document per evidence page, one per case."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath
from typing import Any

from casework.v1 import events_pb2
from casework_common.vocabulary import DOCUMENT_KINDS, VISIBILITY_NAMES, document_kind_name
from casework_search.natural import plain_apostrophes

# Document types people filter by, from the declared MIME type or, failing that, the extension.
DOC_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pdf": (("application/pdf",), (".pdf",)),
    "image": (("image/",), (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".webp", ".heic")),
    "email": (("message/", "application/vnd.ms-outlook"), (".eml", ".msg")),
    "word": (
        ("application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml", "application/rtf"),
        (".doc", ".docx", ".rtf", ".odt"),
    ),
    "spreadsheet": (
        ("application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml", "text/csv"),
        (".xls", ".xlsx", ".csv", ".ods"),
    ),
    "text": (("text/",), (".txt", ".md", ".html", ".htm")),
}
DOC_TYPE_NAMES = (*DOC_TYPES, "other")


def doc_type(content_type: str, filename: str) -> str:
    """The document type filter value for a file."""
    content_type = content_type.lower()
    suffix = PurePosixPath(filename.lower()).suffix
    for name, (prefixes, _) in DOC_TYPES.items():
        if any(content_type.startswith(p) for p in prefixes):
            return name
    for name, (_, suffixes) in DOC_TYPES.items():
        if suffix in suffixes:
            return name
    return "other"


def facts_fields(facts: events_pb2.DocumentFacts | None, uploaded_at: str | None) -> dict[str, Any]:
    """The item's document facts as the fields of each of its pages. An item nothing dated has its
    upload day (as intake shows it); a kind this build does not know, or none, is left empty."""
    date = None
    if facts is not None and facts.date:
        try:
            date = dt.date.fromisoformat(facts.date).isoformat()
        except ValueError:
            date = None  # not an ISO date: a producer's mistake, never a reason to drop the pages
    if date is None and uploaded_at:
        date = uploaded_at[:10]
    return {
        "document_date": date,
        "document_kind": document_kind_name(facts.kind) if facts is not None else None,
        "title": (facts.title or None) if facts is not None else None,
    }


def facts_from_record(record: dict[str, Any] | None) -> events_pb2.DocumentFacts | None:
    """The ``facts`` of an intake evidence record (JSON) as the contract's DocumentFacts."""
    if not record:
        return None
    return events_pb2.DocumentFacts(
        date=record.get("date") or "",
        title=record.get("title") or "",
        kind=DOCUMENT_KINDS.get(record.get("kind") or "", events_pb2.DOCUMENT_KIND_UNSPECIFIED),
    )


def page_document(
    ref: events_pb2.EvidenceRef,
    page: int,
    text: str,
    metadata: dict[str, str] | None = None,
    facts: events_pb2.DocumentFacts | None = None,
) -> dict[str, Any]:
    """One page as indexed, with the item's document facts. The item's metadata (an email's header
    lines) goes on its first page only, as a field of its own: found by a search, but never shown or
    counted as the page's text."""
    uploaded_at = ref.uploaded_at.ToDatetime().isoformat() + "Z" if ref.HasField("uploaded_at") else None
    document = {
        "doc_id": f"{ref.evidence_id}:{page}",
        "evidence_id": ref.evidence_id,
        "case_id": ref.case_id,
        "branch": ref.branch,
        "region": ref.region,
        "visibility": VISIBILITY_NAMES.get(ref.visibility, "reps"),  # unknown: the narrower audience
        "page": page,
        "filename": ref.filename,
        "doc_type": doc_type(ref.content_type, ref.filename),
        "uploaded_at": uploaded_at,
        "text": plain_apostrophes(text),
        **facts_fields(facts, uploaded_at),
    }
    if page == 1 and metadata:
        document["headers"] = plain_apostrophes("\n".join(metadata.values()))
    return document


_COMPANY_SUFFIXES = re.compile(r"\b(limited|ltd|plc|llp|inc|co|company|the)\b")


def employer_key(employer: str) -> str:
    """Employer names as typed vary ("ACME Ltd.", "Acme Limited"); this is what they match on."""
    words = _COMPANY_SUFFIXES.sub(" ", re.sub(r"[^a-z0-9]+", " ", employer.lower()))
    return " ".join(words.split())


def case_document(facts: events_pb2.CaseFacts) -> dict[str, Any]:
    """The case's facts as indexed. CaseFacts holds no personal data by construction."""
    return {
        "case_id": facts.case_id,
        "reference": facts.reference,
        "status": facts.status,
        "case_type": facts.case_type,
        "branch": facts.branch,
        "region": facts.region,
        "employer": facts.employer or None,
        "employer_key": employer_key(facts.employer) or None,
        "workplace": facts.workplace or None,
        "sector": facts.sector or None,
        "allegations": list(facts.allegations),
        "outcome": facts.outcome or None,
        "sanction": facts.sanction or None,
        "incident_date": facts.incident_date or None,
        "hearing_date": facts.hearing_date or None,
        "outcome_date": facts.outcome_date or None,
        "opened_on": facts.opened_on or None,
    }


# What an erased case's document keeps (search.erasure): the structured facts trends and comparators
# count by, none of which names or describes the member. The reference, the workplace and the
# sanction (free text) go; dates keep their month only (the first of it, so the date mapping,
# trend periods and month ranges still work).
ERASED_KEEPS = (
    "case_id",
    "status",
    "case_type",
    "branch",
    "region",
    "employer",
    "employer_key",
    "sector",
    "allegations",
    "outcome",
)
ERASED_MONTH_DATES = ("incident_date", "hearing_date", "outcome_date", "opened_on")


def erased_case_document(case_id: str, doc: dict[str, Any] | None, kinds: list[str]) -> dict[str, Any]:
    """The case's document once its data is erased: ``doc`` (the indexed one, or None when the
    index has none) reduced to anonymised structured facts, marked erased with ``kinds`` (added
    to any kinds already erased)."""
    doc = doc or {}
    erased = {k: doc[k] for k in ERASED_KEEPS if doc.get(k) not in (None, "", [])}
    for field in ERASED_MONTH_DATES:
        value = str(doc.get(field) or "")
        if len(value) >= 7:
            erased[field] = f"{value[:7]}-01"
    erased["case_id"] = case_id
    erased["erased"] = True
    erased["erased_kinds"] = sorted({*(doc.get("erased_kinds") or []), *kinds})
    return erased


def personal_fields(doc: dict[str, Any] | None) -> list[str]:
    """The fields of a case document an erased one must not have (for the receipt's count and
    the check that erasure did its work)."""
    if not doc:
        return []
    allowed = {*ERASED_KEEPS, *ERASED_MONTH_DATES, "erased", "erased_kinds"}
    extra = [k for k, v in doc.items() if k not in allowed and v not in (None, "", [])]
    days = [k for k in ERASED_MONTH_DATES if doc.get(k) and not str(doc[k]).endswith("-01")]
    return sorted({*extra, *days})
