"""Request bodies and query strings of the case API, validated with pydantic."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator


class CaseType(StrEnum):
    DISCIPLINARY = "disciplinary"
    GRIEVANCE = "grievance"
    CAPABILITY = "capability"
    SICKNESS_ABSENCE = "sickness_absence"
    REDUNDANCY = "redundancy"
    DISMISSAL = "dismissal"
    DISCRIMINATION = "discrimination"
    TUPE = "tupe"
    OTHER = "other"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Member(Strict):
    name: str = Field(min_length=1, max_length=200)
    membership_number: str = Field(pattern=r"^[A-Za-z0-9-]{3,32}$")
    email: EmailStr | None = None
    employer: str | None = Field(default=None, max_length=200)
    workplace: str | None = Field(default=None, max_length=200)
    job_role: str | None = Field(default=None, max_length=200)


class NewCase(Strict):
    member: Member
    case_type: CaseType
    summary: str = Field(default="", max_length=20_000)


class CaseListQuery(Strict):
    status: str | None = None
    case_type: CaseType | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=200)

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in ("open", "closed"):
            raise ValueError("status must be 'open' or 'closed'")
        return value
