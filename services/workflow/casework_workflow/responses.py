"""Response bodies of workflow's main resources, for the OpenAPI description (see casework_common.openapi).

They describe what ``CaseView.to_json`` and ``timeline.to_json`` write; tests/test_openapi.py checks real
responses against them. Other workflow responses are documented as JSON objects in words.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from casework_common.vocabulary import DeadlineStateName, VisibilityName
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
    visibility: VisibilityName
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


class DeadlineSourceOut(BaseModel):
    """Where the rule that computed a deadline comes from."""

    title: str
    citation: str
    url: str


class DeadlineOut(BaseModel):
    """One deadline on a case (what ``deadlines.store.to_json`` writes)."""

    id: str
    case_id: str
    origin: str = Field(description="rule:<key> (from the deadline facts), request:<id> or manual:<id>.")
    kind: str = Field(description="tribunal_claim, appeal, subject_access, foi or other.")
    label: str
    due_on: str = Field(description="The last day (ISO date).")
    days_left: int = Field(description="From today in Europe/London; negative once overdue.")
    state: DeadlineStateName
    visibility: VisibilityName
    indicative: bool
    computation: list[str] = Field(description="How the date was computed, one sentence per step.")
    source: DeadlineSourceOut | None
    rule_set: str = Field(description="Version of the rule set that computed it ('' if none did).")
    notice: str | None = Field(description="For indicative dates: confirm with the regional office.")
    updated_at: str
    state_changed_by: str | None = Field(default=None, description="Staff's view only.")
    state_reason: str = Field(default="", description="Staff's view only.")
    case_reference: str = Field(default="", description="In the list across cases only.")


class DeadlineList(BaseModel):
    """Deadlines, most urgent first (open ones by due date, then met and withdrawn ones)."""

    items: list[DeadlineOut]


class DeadlineFactsOut(BaseModel):
    """A case's deadline facts (``recorded`` false, and nulls, until a rep records them)."""

    case_id: str
    recorded: bool
    jurisdiction: str | None
    termination_date: str | None
    act_date: str | None
    claim_types: list[str]
    acas_day_a: str | None
    acas_day_b: str | None
    outcome_letter_date: str | None
    appeal_window_days: int | None
    appeal_window_working: bool
    updated_by: str | None
    updated_at: str | None


class RuleSetAbout(BaseModel):
    """A rule set version: uploaded to the database by an administrator, or packaged with the service."""

    version: str
    origin: Literal["database", "packaged"]
    uploaded_by: str | None
    uploaded_at: str | None


class Recomputed(BaseModel):
    """What recording the facts did to the case's computed deadlines."""

    added: int
    updated: int
    withdrawn: int


class DeadlineFactsSaved(BaseModel):
    """The facts as recorded, the rule set that computed from them, and the case's deadlines now."""

    facts: DeadlineFactsOut
    rule_set: RuleSetAbout
    recomputed: Recomputed
    deadlines: list[DeadlineOut]


class ClaimTypeOut(BaseModel):
    """A claim type a rep may choose in the deadline facts."""

    key: str
    label: str
    runs_from: str = Field(description="termination_date or act_date: the fact its time limit runs from.")
    runs_from_label: str


class RuleSetOut(RuleSetAbout):
    """The rule set in force: its claim types, and the whole document (rules, periods, sources)."""

    claim_types: list[ClaimTypeOut]
    jurisdictions: list[str]
    document: dict[str, Any]


class RuleSetVersionOut(RuleSetAbout):
    in_force: bool


class RuleSetVersions(BaseModel):
    """Every uploaded version, newest first, then the packaged one."""

    items: list[RuleSetVersionOut]
