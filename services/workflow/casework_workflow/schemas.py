"""Request bodies and query strings of workflow's REST API, validated with pydantic."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from casework_common.typed_dates import TypedDay, london_today
from casework_workflow.deadlines.model import Jurisdiction


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


# -- deadlines (docs/design.md, 'Deadlines') --------------------------------------------------------------

# Deadline facts are dates of things that happened (or, for a termination, a notice running out):
# none before this, none further ahead than FACTS_FUTURE_DAYS.
FACTS_EARLIEST = dt.date(1990, 1, 1)
FACTS_FUTURE_DAYS = 366


ClaimTypeKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,60}$")]


def _plausible_fact_date(value: dt.date | None) -> dt.date | None:
    latest = london_today() + dt.timedelta(days=FACTS_FUTURE_DAYS)
    if value is not None and not FACTS_EARLIEST <= value <= latest:
        raise ValueError(f"must be between {FACTS_EARLIEST.isoformat()} and {latest.isoformat()}")
    return value


class DeadlineFactsIn(Strict):
    """What a rep records for the tribunal and appeal clocks (deadlines.model.DeadlineFacts).
    ``claim_types`` are keys of the rule set in force (``GET /v1/deadline-rules``)."""

    jurisdiction: Jurisdiction
    termination_date: TypedDay | None = Field(default=None, description="Effective date of termination.")
    act_date: TypedDay | None = Field(default=None, description="The act complained of, or the last of a series.")
    claim_types: list[ClaimTypeKey] = Field(default_factory=list, max_length=40)
    acas_day_a: TypedDay | None = Field(default=None, description="Early conciliation started (Day A).")
    acas_day_b: TypedDay | None = Field(default=None, description="Certificate received (Day B); not before Day A.")
    outcome_letter_date: TypedDay | None = Field(default=None, description="The employer's outcome letter.")
    appeal_window_days: int | None = Field(default=None, ge=1, le=365)
    appeal_window_working: bool = Field(default=False, description="The appeal window counts working days.")

    _dates_plausible = field_validator(
        "termination_date", "act_date", "acas_day_a", "acas_day_b", "outcome_letter_date"
    )(_plausible_fact_date)

    @field_validator("claim_types")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        twice = sorted({key for key in value if value.count(key) > 1})
        if twice:
            raise ValueError(f"lists {', '.join(twice)} more than once")
        return value

    @field_validator("acas_day_b")
    @classmethod
    def _day_b_follows_day_a(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        day_a = info.data.get("acas_day_a")
        if value is not None and day_a is None and "acas_day_a" not in info.data:
            return value  # Day A was itself invalid: its own error says so
        if value is not None and day_a is None:
            raise ValueError("ACAS Day B is given without Day A (acas_day_a)")
        if value is not None and value < day_a:
            raise ValueError(f"ACAS Day B ({value.isoformat()}) is before Day A ({day_a.isoformat()})")
        return value


class DeadlineKindIn(StrEnum):
    """Kinds a rep enters by hand (tribunal claims are computed from the facts, requests by D's clocks)."""

    APPEAL = "appeal"
    OTHER = "other"


class DeadlineStateIn(StrEnum):
    OPEN = "open"
    MET = "met"
    WITHDRAWN = "withdrawn"


#: What makes a label more than one line, or hides in it: C0 and C1 controls (tab, CR, LF, NEL...),
#: DEL, and the Unicode line and paragraph separators. Labels go into reminder e-mail subjects and
#: calendar entries, where a line break would start a new header or property.
_NOT_ONE_LINE = frozenset(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029))


class NewDeadline(Strict):
    kind: DeadlineKindIn
    label: str = Field(min_length=1, max_length=200)
    due_on: TypedDay
    visibility: Visibility = Visibility.REPS

    @field_validator("label")
    @classmethod
    def _one_line(cls, value: str) -> str:
        bad = sorted({f"U+{ord(c):04X}" for c in value if c in _NOT_ONE_LINE})
        if bad:
            raise ValueError(
                f"The label must be one line of text, without line breaks or control characters ({', '.join(bad)})."
            )
        return value

    @model_validator(mode="after")
    def _plausible(self) -> NewDeadline:
        if not FACTS_EARLIEST <= self.due_on <= london_today() + dt.timedelta(days=10 * 366):
            raise ValueError(f"due_on must be between {FACTS_EARLIEST.isoformat()} and ten years from today.")
        return self


class DeadlineChange(Strict):
    """Mark a deadline met, withdrawn or open again, and/or show it to the member or the reps only."""

    state: DeadlineStateIn = omittable()
    reason: str = Field(default="", max_length=2000)
    visibility: Visibility = omittable()

    @model_validator(mode="after")
    def _not_empty(self) -> DeadlineChange:
        if not self.model_fields_set & {"state", "visibility"}:
            raise ValueError("Send a new state or visibility.")
        return self


class DeadlinesQuery(Strict):
    within_days: int = Field(default=14, ge=1, le=366)
