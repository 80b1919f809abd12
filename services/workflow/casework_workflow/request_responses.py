"""Response bodies of the information requests API, for the OpenAPI description (see
casework_common.openapi): what ``InformationRequests`` writes. The fuzzing tests check real
responses against them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from casework_workflow.request_schemas import RequestKind
from casework_workflow.responses import DeadlineOut

Action = Literal["sent", "received", "extension", "reply", "withdraw", "complaint"]


class LetterOut(BaseModel):
    """A letter or email, plain text: who it goes to, its subject line and its body."""

    to: str
    subject: str
    body: str


class StagedLetterOut(LetterOut):
    stage: Literal["request", "review", "complaint"] = Field(
        description="review: the FOISA requirement for review, sent first; complaint: to the regulator."
    )


class EvidenceOut(BaseModel):
    id: str
    filename: str


class InformationRequestOut(BaseModel):
    """A subject access or FOI request of a case."""

    id: str
    case_id: str
    kind: RequestKind
    recipient: str
    recipient_email: str | None
    jurisdiction: Literal["england_wales", "scotland", "northern_ireland"]
    requested: str
    employee_number: str | None
    letter: LetterOut = Field(description="As generated when the request was drafted.")
    state: Literal["draft", "sent", "extended", "replied", "withdrawn"]
    overdue: bool = Field(description="Sent or extended, and its deadline has passed (not a stored state).")
    sent_on: str | None
    received_on: str | None = Field(description="The day the time runs from; the day it was sent unless recorded.")
    extended_on: str | None
    extension_reason: str | None
    replied_on: str | None
    reply_evidence: list[EvidenceOut] = Field(description="The reply's documents (a member sees member-visible ones).")
    withdrawn_reason: str | None
    deadline: DeadlineOut | None = Field(description="Its deadline as the case's deadline list shows it, once sent.")
    created_by: str
    created_at: str
    updated_at: str
    allowed_actions: list[Action] = Field(description="What the caller may do next (a member: only complaint).")


class InformationRequestList(BaseModel):
    """A case's information requests, newest first."""

    items: list[InformationRequestOut]


class RegulatorOut(BaseModel):
    name: str
    url: str


class ComplaintOut(BaseModel):
    """The next step for an overdue request."""

    request_id: str
    kind: RequestKind
    due_on: str
    days_overdue: int
    regulator: RegulatorOut
    letters: list[StagedLetterOut] = Field(description="In the order to send them.")
    notes: list[str] = Field(description="What to know before sending them.")
