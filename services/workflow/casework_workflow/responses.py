"""Response bodies of workflow's main resources, for the OpenAPI description (see casework_common.openapi).

They describe what ``CaseView.to_json`` and ``timeline.to_json`` write; tests/test_openapi.py checks real
responses against them. Other workflow responses are documented as JSON objects in words.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from casework_workflow.schemas import Allegation, CaseType, Outcome, Sector, Status


class MemberOut(BaseModel):
    name: str
    membership_number: str
    email: str | None
    phone: str | None
    employer: str | None
    workplace: str | None
    sector: Sector | None
    job_role: str | None


class KeyDatesOut(BaseModel):
    incident: str | None
    investigation_meeting: str | None
    hearing: str | None
    outcome: str | None
    appeal_deadline: str | None


class CaseOut(BaseModel):
    """A case as the caller may see it (members get no working notes: ``shared_with``, ``summary``...)."""

    id: str
    reference: str
    status: Status
    case_type: CaseType
    branch: str
    region: str
    member: MemberOut
    reps: list[str]
    allegations: list[Allegation]
    key_dates: KeyDatesOut
    outcome: Outcome | None
    sanction: str | None
    created_at: str
    updated_at: str
    your_access: Literal["member", "full"]
    shared_with: list[str] = Field(default=[], description="Reps' view only.")
    allegation_details: str = Field(default="", description="Reps' view only.")
    summary: str = Field(default="", description="Reps' view only.")
    created_by: str = Field(default="", description="Reps' view only.")


class CaseList(BaseModel):
    """A page of cases; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[CaseOut]
    next_cursor: str | None


class TimelineEntryOut(BaseModel):
    """One timeline entry."""

    id: str
    kind: str = Field(description="An entry kind people write (see EntryKind) or one the system writes.")
    visibility: Literal["member", "reps"]
    author: str
    author_role: str
    body: str
    occurred_on: str | None
    corrects: str | None
    data: dict[str, Any] | None
    created_at: str


class Timeline(BaseModel):
    """A case's timeline, oldest first."""

    items: list[TimelineEntryOut]


class Items(BaseModel):
    """A list of JSON objects (referrals, support requests, tasks, flags)."""

    items: list[dict[str, Any]]
