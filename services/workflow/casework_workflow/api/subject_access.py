"""Subject access (``/v1/data-protection/subject-access``, ``/v1/me/record``): the data-protection
officer's preview and export of everything held about one member, and a member's download of their own
member-visible record. See casework_workflow.subject_access."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Annotated

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from casework_common import membership
from casework_common.openapi import BINARY, Reply, api
from casework_common.web import attachment, dependency, parse_json, parse_query, principal
from casework_workflow.subject_access import archive
from casework_workflow.subject_access.service import SubjectAccess

ITEM_ID = r"^[a-z]+:[A-Za-z0-9-]{1,64}$"
MAX_EXCLUSIONS = 20_000
ZIP = {"application/zip": BINARY}

MembershipNumber = Annotated[
    str,
    Field(
        max_length=membership.MAX_TYPED,
        description="As people type it: blanks anywhere and lower case are accepted (' m10 0001' is M100001); "
        "3 to 32 letters, digits or hyphens once the blanks are gone.",
        examples=["M100001"],
    ),
]


class _Number(BaseModel):
    @field_validator("membership_number", check_fields=False)
    @classmethod
    def _normalised(cls, value: str) -> str:
        return membership.normalise(value)


class PreviewQuery(_Number):
    model_config = ConfigDict(extra="forbid")

    membership_number: MembershipNumber


class ExportRequest(_Number):
    """Whose record, and the items (ids from the preview) to withhold from this release."""

    model_config = ConfigDict(extra="forbid")

    membership_number: MembershipNumber
    exclude: list[Annotated[str, StringConstraints(pattern=ITEM_ID)]] = Field(
        default=[],
        max_length=MAX_EXCLUSIONS,
        description="Item ids from the preview (e.g. 'timeline:<uuid>') to leave out; the index says how many "
        "items were withheld, not which.",
    )


class PreviewItem(BaseModel):
    id: str = Field(description="'<kind>:<key>', what an exclusion names.")
    kind: str
    what: str = Field(description="The kind in words.")
    description: str
    source: str = Field(description="The service and store it comes from.")
    date: str | None
    case_reference: str | None


class PreviewCase(BaseModel):
    id: str
    reference: str


class SubjectAccessPreview(BaseModel):
    """Every item an export would release, with its id."""

    membership_number: str = Field(description="The number as stored (normalised).")
    member_account: str | None = Field(description="The member's login, when they have one.")
    cases: list[PreviewCase]
    counts: dict[str, int] = Field(description="Items per kind.")
    items: list[PreviewItem]


def _download(written: archive.Written, name: str) -> Response:
    def body(file: IO[bytes] = written.file) -> Iterator[bytes]:
        try:
            while chunk := file.read(256 * 1024):
                yield chunk
        finally:
            file.close()

    response = Response(body(), content_type="application/zip")
    response.headers["Content-Length"] = str(written.size)
    response.headers["Content-Disposition"] = attachment(name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _file_name(number: str) -> str:
    return "subject-access-" + re.sub(r"[^A-Z0-9-]", "", number) + ".zip"


bp = Blueprint("subject_access", __name__)


@bp.get("/v1/data-protection/subject-access")
@api(
    "Preview a member's subject access export (data-protection officer)",
    {200: SubjectAccessPreview},
    query=PreviewQuery,
    errors=(403, 503),
)
def preview() -> Response:
    """Every item the platform holds about the member with this membership number, with the id an
    exclusion names: their cases, the whole timeline (reps-only entries too), referrals, support
    requests, enquiries, branch tasks, deadlines, information requests, evidence and extracted texts,
    notifications, audit records, and organising's entries on target lists with the conversations
    logged against them. Audited (counts only)."""
    query = parse_query(PreviewQuery)
    record = dependency(SubjectAccess).preview(principal(), query.membership_number)
    return jsonify(
        membership_number=record.membership_number,
        member_account=record.usernames[0] if record.usernames else None,
        cases=[{"id": str(i), "reference": ref} for i, ref in record.case_refs.items()],
        counts=record.counts(),
        items=[item.preview() for item in record.items],
    )


@bp.post("/v1/data-protection/subject-access/exports")
@api(
    "Export everything held about a member as a ZIP (data-protection officer)",
    {200: Reply("The ZIP: index.html, index.md, index.json and the items.", media=ZIP)},
    body=ExportRequest,
    errors=(403, 503),
)
def export() -> Response:
    """The member's record as the preview lists it (items added since are included), without the
    excluded items. An excluded id that is not an item of this member's record is refused (422), so a
    typing slip never releases what was meant to be withheld. Audited (counts only)."""
    body = parse_json(ExportRequest)  # the body first: a malformed one is a 422 for anyone
    record, written = dependency(SubjectAccess).export(principal(), body.membership_number, body.exclude)
    return _download(written, _file_name(record.membership_number))


@bp.get("/v1/me/record")
@api(
    "Download my own record as a ZIP (members)",
    {200: Reply("The ZIP: index.html, index.md, index.json and the items.", media=ZIP)},
    errors=(403, 503),
)
def own_record() -> Response:
    """The calling member's member-visible record: their cases as they see them, the timeline entries
    and deadlines shown to them, the evidence they can see (originals and extracted text) and their
    notifications. Audited (counts only)."""
    number, written = dependency(SubjectAccess).own_record(principal())
    return _download(written, _file_name(number))
