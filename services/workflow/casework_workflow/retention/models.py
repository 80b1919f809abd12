"""Request bodies, query strings and responses of the data-protection endpoints (api/data_protection.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, EmailStr, Field, model_validator

from casework_common.vocabulary import DATA_KINDS, ERASURE_REASONS
from casework_workflow.schemas import Strict, omittable

# From the vocabulary (proto/casework/v1/events.proto), so a kind added there is accepted here too.
Kind = Literal[tuple(DATA_KINDS)]  # type: ignore[valid-type]
Reason = Literal[tuple(ERASURE_REASONS)]  # type: ignore[valid-type]


class HoldIn(Strict):
    reason: str = Field(min_length=1, max_length=2000, description="Why nothing may be removed, e.g. a live claim.")


class DueQuery(Strict):
    as_of: dt.date | None = Field(default=None, description="The day to compute for (default: today, UTC).")


class ErasureRequestIn(Strict):
    case_id: uuid.UUID = Field(description="The case whose data the member asked to erase.")
    reason: str = Field(min_length=1, max_length=2000, description="The member's request as recorded by the DPO.")


class Rectification(Strict):
    """The member's corrected details; only the fields present change."""

    name: str = omittable(min_length=1, max_length=200)
    email: EmailStr | None = Field(default=None, description="null: the member has no email address.")
    phone: str | None = Field(default=None, pattern=r"^[0-9 +()-]{6,30}$", description="null: no phone number.")

    @model_validator(mode="after")
    def _not_empty(self) -> Rectification:
        if not self.model_fields_set:
            raise ValueError("Send at least one of name, email and phone.")
        return self


class HoldOut(BaseModel):
    case_id: str
    held: bool
    reason: str | None = None
    set_by: str | None = None
    set_at: str | None = None


class DueKindOut(BaseModel):
    kind: Kind
    label: str
    due_on: str


class DueCaseOut(BaseModel):
    case_id: str
    reference: str
    case_type: str
    outcome: str | None
    branch: str
    region: str
    closed_on: str
    kinds: list[DueKindOut]


class DueList(BaseModel):
    """What a retention run on ``as_of`` would remove (nothing is changed)."""

    as_of: str
    items: list[DueCaseOut]
    held: int = Field(description="Closed cases left alone because of a legal hold.")


class KindProgressOut(BaseModel):
    kind: Kind
    label: str
    reason: Reason
    holders: dict[str, bool] = Field(description="Each service that holds this kind, and whether it has answered.")
    done: bool


class ErasureRequestOut(BaseModel):
    id: str
    case_id: str
    reference: str
    requested_by: str
    reason: str
    decision: Literal["accepted", "refused"]
    refusal_reason: str | None
    created_at: str
    kinds: list[KindProgressOut]
    done: bool


class ErasureRequestList(BaseModel):
    items: list[ErasureRequestOut]


class RectificationOut(BaseModel):
    membership_number: str
    cases: list[str] = Field(description="Ids of the cases whose member details were corrected.")
    changed: list[str] = Field(description="The fields that changed.")
