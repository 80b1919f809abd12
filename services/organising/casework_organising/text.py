"""Small helpers every organising module shares, written once: tidying what people type, ISO
dates in answers, and request models that refuse unknown fields."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict

_SPACES = re.compile(r"\s+")


class Strict(BaseModel):
    """A request body or query that refuses unknown fields (a mistyped name is a 422 naming it)."""

    model_config = ConfigDict(extra="forbid")


def one_line(value: str) -> str:
    """One-line text (names, places): stripped, inner runs of whitespace collapsed to one space."""
    # (pydantic already refuses a lone surrogate, "\ud800", which no database could store.)
    return _SPACES.sub(" ", value.strip())


def lines(value: str) -> str:
    """Free text over several lines: stripped, trailing spaces and Windows line ends tidied, lines kept."""
    return "\n".join(line.rstrip() for line in value.strip().replace("\r\n", "\n").split("\n"))


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """A date or time as ISO 8601 for an answer; None stays None."""
    return value.isoformat() if value is not None else None
