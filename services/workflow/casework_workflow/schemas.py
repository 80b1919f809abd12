"""Request bodies and query strings of workflow's REST API, validated with pydantic."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator


class CaseType(StrEnum):
    DISCIPLINARY = "disciplinary"
    GRIEVANCE = "grievance"
    CAPABILITY = "capability"  # capability / performance
    SICKNESS_ABSENCE = "sickness_absence"
    REDUNDANCY = "redundancy"
    DISMISSAL = "dismissal"
    DISCRIMINATION = "discrimination"
    TUPE = "tupe"
    OTHER = "other"


class Sector(StrEnum):
    """The employer's sector: lets comparators match similar cases at other employers."""

    HEALTH = "health"
    SOCIAL_CARE = "social_care"
    LOCAL_GOVERNMENT = "local_government"
    EDUCATION = "education"
    CIVIL_SERVICE = "civil_service"
    TRANSPORT = "transport"
    UTILITIES = "utilities"
    RETAIL = "retail"
    HOSPITALITY = "hospitality"
    MANUFACTURING = "manufacturing"
    LOGISTICS = "logistics"
    VOLUNTARY = "voluntary"
    OTHER = "other"


class Outcome(StrEnum):
    NO_CASE_TO_ANSWER = "no_case_to_answer"
    INFORMAL_ACTION = "informal_action"
    WRITTEN_WARNING = "written_warning"
    FINAL_WRITTEN_WARNING = "final_written_warning"
    DISMISSAL = "dismissal"
    RESIGNED = "resigned"
    SETTLED = "settled"
    REINSTATED = "reinstated"
    APPEAL_UPHELD = "appeal_upheld"
    APPEAL_REJECTED = "appeal_rejected"


class Allegation(StrEnum):
    """Allegation or issue categories: structured so comparators and trends can count them."""

    LATENESS = "lateness"
    ABSENCE = "absence"
    CONDUCT = "conduct"
    GROSS_MISCONDUCT = "gross_misconduct"
    PERFORMANCE = "performance"
    HEALTH_AND_SAFETY = "health_and_safety"
    BULLYING_HARASSMENT = "bullying_harassment"
    DISCRIMINATION = "discrimination"
    PAY_AND_CONDITIONS = "pay_and_conditions"
    WORKLOAD = "workload"
    FRAUD_DISHONESTY = "fraud_dishonesty"
    OTHER = "other"


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Visibility(StrEnum):
    MEMBER = "member"
    REPS = "reps"


class EntryKind(StrEnum):
    """Timeline entries people write. Others (evidence, referral steps, updates) are the system's."""

    NOTE = "note"
    MEETING = "meeting"
    HEARING = "hearing"
    LETTER_RECEIVED = "letter_received"
    LETTER_SENT = "letter_sent"
    CALL = "call"
    OUTCOME = "outcome"
    CORRECTION = "correction"
    COMPARATOR = "comparator"  # a comparator case a rep saved from search


MEMBER_ENTRY_KINDS = {EntryKind.NOTE, EntryKind.LETTER_RECEIVED, EntryKind.CALL, EntryKind.CORRECTION}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """A change's field that may be left out but not set to null (every case has a value for it).

    The default None is never validated: it only stands for "left out" (the field is then not in
    ``model_fields_set``), and the document shows no default, so null is refused with a 422."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


class Member(Strict):
    name: str = Field(min_length=1, max_length=200)
    membership_number: str = Field(pattern=r"^[A-Za-z0-9-]{3,32}$")
    email: EmailStr | None = None
    phone: str | None = Field(default=None, pattern=r"^[0-9 +()-]{6,30}$")
    employer: str | None = Field(default=None, max_length=200)
    workplace: str | None = Field(default=None, max_length=200)
    sector: Sector | None = None
    job_role: str | None = Field(default=None, max_length=200)


class KeyDates(Strict):
    incident: dt.date | None = None
    investigation_meeting: dt.date | None = None
    hearing: dt.date | None = None
    outcome: dt.date | None = None
    appeal_deadline: dt.date | None = None


class NewCase(Strict):
    member: Member
    case_type: CaseType
    allegations: list[Allegation] = Field(default_factory=list, max_length=12)
    allegation_details: str = Field(default="", max_length=20_000)
    key_dates: KeyDates = Field(default_factory=KeyDates)
    summary: str = Field(default="", max_length=20_000)


class MemberUpdate(Strict):
    name: str = omittable(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, pattern=r"^[0-9 +()-]{6,30}$")
    employer: str | None = Field(default=None, max_length=200)
    workplace: str | None = Field(default=None, max_length=200)
    sector: Sector | None = None
    job_role: str | None = Field(default=None, max_length=200)


class CaseUpdate(Strict):
    """Only the fields present are changed; every change is a timeline entry and an audit record."""

    member: MemberUpdate = omittable()
    case_type: CaseType = omittable()
    allegations: list[Allegation] = omittable(max_length=12)
    allegation_details: str = omittable(max_length=20_000)
    key_dates: KeyDates = omittable()
    status: Status = omittable()
    outcome: Outcome | None = None
    sanction: str | None = Field(default=None, max_length=500)
    summary: str = omittable(max_length=20_000)

    @model_validator(mode="after")
    def _not_empty(self) -> CaseUpdate:
        if not self.model_fields_set:
            raise ValueError("Send at least one field to change.")
        return self


class CaseListQuery(Strict):
    status: Status | None = None
    case_type: CaseType | None = None
    outcome: Outcome | None = None
    employer: str | None = Field(default=None, max_length=200)
    assigned_to: str | None = Field(default=None, max_length=100)
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=200)


class SavedComparator(Strict):
    """What search found about a comparator case: structured facts and the explanation."""

    key: str = Field(min_length=1, max_length=100)
    in_scope: bool
    case: dict[str, str | list[str]] = Field(max_length=20)
    matched: list[str] = Field(max_length=20)
    differed: list[str] = Field(max_length=20)
    disparator: bool


class NewEntry(Strict):
    kind: EntryKind
    body: str = Field(min_length=1, max_length=20_000)
    visibility: Visibility = Visibility.REPS
    occurred_on: dt.date | None = None
    corrects: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")
    comparator: SavedComparator | None = None

    @model_validator(mode="after")
    def _comparators_carry_their_facts(self) -> NewEntry:
        if (self.kind is EntryKind.COMPARATOR) != (self.comparator is not None):
            raise ValueError("A comparator entry carries the comparator (comparator), and only it does.")
        if self.comparator is not None and self.visibility is not Visibility.REPS:
            raise ValueError("Comparators name other cases' facts: they are visible to reps only.")
        return self

    @model_validator(mode="after")
    def _corrections_name_their_entry(self) -> NewEntry:
        if (self.kind is EntryKind.CORRECTION) != (self.corrects is not None):
            raise ValueError("A correction names the entry it corrects (corrects), and only a correction does.")
        return self


class Colleague(Strict):
    username: str = Field(pattern=r"^[A-Za-z0-9._@-]{1,100}$")


class ReferralTarget(StrEnum):
    REGIONAL_OFFICE = "regional_office"
    REGIONAL_CASEWORKER = "regional_caseworker"


class NewReferral(Strict):
    target: ReferralTarget
    reason: str = Field(min_length=1, max_length=5000)


class Pack(Strict):
    """What the branch hands over: its summary and the evidence it selected."""

    summary: str = Field(min_length=1, max_length=20_000)
    # Ids only (a 422 names any other value by position); that each is evidence of the case is
    # checked against what workflow knows of the case's evidence (referrals.py).
    evidence_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class TransitionRequest(Strict):
    action: str = Field(min_length=1, max_length=40)
    reasons: str | None = Field(default=None, max_length=5000)
    pack: Pack | None = None


class SupportTo(StrEnum):
    OFFICIAL = "official"
    CASEWORKER = "caseworker"


class NewSupportRequest(Strict):
    to: SupportTo
    question: str = Field(min_length=1, max_length=5000)


class Answer(Strict):
    answer: str = Field(min_length=1, max_length=10_000)


class NewEnquiry(Strict):
    message: str = Field(min_length=1, max_length=5000)
