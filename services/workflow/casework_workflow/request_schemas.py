"""Request bodies of the information requests API (``/v1/cases/{id}/information-requests``).

Dates are checked here only for form (ISO dates); whether they fit the request's history (not in the
future, not before it was sent...) depends on the stored request and is checked by the store.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from casework_common.typed_dates import TypedDay
from casework_workflow.deadlines.model import Jurisdiction


class RequestKind(StrEnum):
    SUBJECT_ACCESS = "subject_access"  # UK GDPR Article 15, to the employer (or any controller)
    FOI = "foi"  # FOIA 2000 / FOISA 2002, to a public authority


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# One line: a name or number that goes into a letter's address or identity lines.
ONE_LINE = r"^[^\r\n]+$"


class NewInformationRequest(Strict):
    """A request to draft; its letter is generated from the case and these fields."""

    kind: RequestKind
    recipient: str = Field(
        min_length=2,
        max_length=200,
        pattern=ONE_LINE,
        description="The employer (subject access) or the public authority (FOI), as the letter names it.",
    )
    recipient_email: EmailStr | None = Field(default=None, description="Where the request will be sent, if by email.")
    jurisdiction: Jurisdiction | None = Field(
        default=None,
        description="Required for FOI: 'scotland' for a Scottish public authority (FOISA 2002), otherwise the "
        "part of the UK the authority is in (FOIA 2000). For subject access, the part of the UK whose bank "
        "holidays move a deadline falling on one (default england_wales).",
    )
    requested: str = Field(
        min_length=3,
        max_length=5000,
        description="What is asked for, in the rep's words (e.g. the investigation notes, witness statements, "
        "emails mentioning the member); it goes into the letter as written.",
    )
    employee_number: str | None = Field(
        default=None,
        max_length=50,
        pattern=ONE_LINE,
        description="Subject access only: how the employer identifies the member (employee or payroll number).",
    )

    @model_validator(mode="after")
    def _fits_the_kind(self) -> NewInformationRequest:
        if self.kind is RequestKind.FOI and self.jurisdiction is None:
            raise ValueError(
                "jurisdiction: an FOI request needs it: 'scotland' for a Scottish public authority (FOISA 2002), "
                "otherwise where the authority is (FOIA 2000)."
            )
        if self.kind is RequestKind.FOI and self.employee_number:
            raise ValueError("employee_number: only a subject access request identifies the member to the employer.")
        return self


class SentRequest(Strict):
    sent_on: TypedDay = Field(description="The day the request was sent.")
    received_on: TypedDay | None = Field(
        default=None,
        description="The day the employer or authority received it; left out, the day it was sent (right for "
        "an email; record the real day for a letter).",
    )


class ClockStart(Strict):
    received_on: TypedDay = Field(
        description="The day the time now runs from: the day the request was in fact received, or, when the "
        "controller or authority asked for proof of identity or a fee, the day it received that. Not for a "
        "subject access clarification: that pauses the month (UK GDPR Article 12A), it does not restart it."
    )
    reason: str = Field(min_length=1, max_length=2000, description="Why the time runs from that day.")


class Extension(Strict):
    notified_on: TypedDay = Field(description="The day the controller said it was extending the time to respond.")
    reason: str = Field(min_length=1, max_length=2000, description="The reason it gave.")


class ReplyReceived(Strict):
    received_on: TypedDay = Field(description="The day the reply arrived.")
    # Ids only (a 422 names any other value by position); that each is evidence of this case is
    # checked against what workflow knows of the case's evidence (evidence_events.unknown_evidence).
    evidence_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=200,
        description="The reply and its documents, uploaded to the case first as evidence.",
    )


class Withdrawal(Strict):
    reason: str = Field(default="", max_length=2000)
