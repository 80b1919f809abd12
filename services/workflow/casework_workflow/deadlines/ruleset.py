"""Deadline rule sets: versioned, cited data, validated here and nowhere else.

The shipped set is ``rules/uk-employment.json``. Newer versions can be stored in the database by an
admin (``PUT /v1/deadline-rules``) without a release: they go through ``parse_rule_set``, which
refuses anything malformed with one precise message per problem (``RuleSetError.errors``).

Which rule of a claim type is in force is decided by the date the limitation period runs from
(the effective date of termination or the date of the act): ``RuleSet.rule_for``. Each rule says
for which jurisdictions and from/to which dates (both inclusive) it applies; rules of one claim
type must not overlap for a jurisdiction, and together must cover every jurisdiction without a gap
from their first date on, the last one open-ended (a missing rule would drop a deadline silently).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from casework_common.vocabulary import VisibilityName
from casework_workflow.deadlines.model import JURISDICTIONS, RuleSource

JurisdictionName = Literal["england_wales", "scotland", "northern_ireland"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ClaimTypeKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]

#: The file shipped with the service.
DEFAULT_RULES = "uk-employment.json"


class RuleSetError(ValueError):
    """A rule set that does not validate; ``errors`` lists each problem as ``{"loc": ..., "msg": ...}``."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['loc']}: {e['msg']}" for e in errors))


class _Strict(BaseModel):
    # Unknown keys are refused so that a misspelt field ("efective_from") is an error, not ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A citation: the instrument, the provision, and its page on legislation.gov.uk (or the publisher's)."""

    title: Text
    citation: Text
    url: Annotated[str, StringConstraints(pattern=r"^https://[^\s]+$")]

    def as_rule_source(self) -> RuleSource:
        """The shared dataclass other parts of the service use."""
        return RuleSource(title=self.title, citation=self.citation, url=self.url)


class ClaimRule(_Strict):
    """One version of a claim type's time limit for some jurisdictions and a span of dates."""

    jurisdictions: Annotated[list[JurisdictionName], Field(min_length=1)]
    effective_from: date | None = None  # None: since before any case this service handles
    effective_to: date | None = None  # inclusive; None: until a later rule replaces it
    period_months: Annotated[int, Field(ge=1, le=24)]
    early_conciliation: bool
    source: Source
    confirmed: bool = True  # False: the date or content must still be checked against the instrument
    note: str = ""

    @model_validator(mode="after")
    def _dates_and_jurisdictions(self) -> ClaimRule:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to ({self.effective_to.isoformat()}) is before effective_from "
                f"({self.effective_from.isoformat()})"
            )
        if len(set(self.jurisdictions)) != len(self.jurisdictions):
            raise ValueError("jurisdictions lists the same jurisdiction twice")
        if not self.confirmed and not self.note.strip():
            raise ValueError("an unconfirmed rule needs a note saying what must be checked")
        return self

    def in_force(self, jurisdiction: str, on: date) -> bool:
        """Whether this rule applies in the jurisdiction to a period running from ``on``."""
        return (
            jurisdiction in self.jurisdictions
            and (self.effective_from is None or self.effective_from <= on)
            and (self.effective_to is None or on <= self.effective_to)
        )


class ClaimType(_Strict):
    """A kind of tribunal claim, the date its time limit runs from, and its rules over time."""

    label: Text  # "Unfair dismissal"
    runs_from: Literal["termination_date", "act_date"]
    runs_from_label: Text  # what that date is for this claim, e.g. "Effective date of termination"
    visibility: VisibilityName = "reps"
    rules: Annotated[list[ClaimRule], Field(min_length=1)]
    note: str = ""

    @model_validator(mode="after")
    def _no_overlap(self) -> ClaimType:
        for i, first in enumerate(self.rules):
            for j in range(i + 1, len(self.rules)):
                second = self.rules[j]
                shared = [x for x in first.jurisdictions if x in second.jurisdictions]
                lo = max(first.effective_from or date.min, second.effective_from or date.min)
                hi = min(first.effective_to or date.max, second.effective_to or date.max)
                if shared and lo <= hi:
                    when = "always" if lo == date.min else f"on {lo.isoformat()}"
                    raise ValueError(f"rules[{i}] and rules[{j}] both apply to {shared[0]} {when}")
        return self

    @model_validator(mode="after")
    def _every_jurisdiction_always(self) -> ClaimType:
        """Refuse a jurisdiction without a rule for some start date: none at all, a gap between two
        rules, or a last rule with an end date. A missing rule would drop a tribunal deadline."""
        errors: list[str] = []
        for jurisdiction in JURISDICTIONS:
            spans = sorted(
                (r.effective_from or date.min, r.effective_to or date.max)
                for r in self.rules
                if jurisdiction in r.jurisdictions
            )
            if not spans:
                errors.append(f"claim type {self.label!r} has no rule for {jurisdiction}")
                continue
            for (_, end), (start, _) in pairwise(spans):
                if end != date.max and end + timedelta(days=1) < start:
                    first, last = end + timedelta(days=1), start - timedelta(days=1)
                    errors.append(
                        f"claim type {self.label!r} has no rule for {jurisdiction} "
                        f"from {first.isoformat()} to {last.isoformat()}"
                    )
            last_end = spans[-1][1]
            if last_end != date.max:
                errors.append(
                    f"claim type {self.label!r} has no rule for {jurisdiction} after {last_end.isoformat()}: "
                    "the last rule must have no effective_to"
                )
        if errors:
            raise ValueError("; ".join(errors))
        return self


class Conciliation(_Strict):
    """Early conciliation in a jurisdiction: who conducts it and the provision extending time limits."""

    body: Text  # "ACAS", "the Labour Relations Agency"
    source: Source


class JurisdictionRules(_Strict):
    """What differs by jurisdiction apart from the claim rules themselves."""

    name: Text  # "England and Wales"
    tribunal: Text  # "employment tribunal" / "industrial tribunal"
    conciliation: Conciliation


class AppealRule(_Strict):
    """The internal appeal: its window comes from the employer's letter or policy, not from statute."""

    label: Text
    visibility: VisibilityName = "member"
    source: Source
    note: str = ""


class RuleSet(_Strict):
    """A validated, versioned rule set. Build it with ``parse_rule_set`` or ``load_default``."""

    schema_version: Literal[1]
    version: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    published: date
    title: Text
    # Which date decides the rule in force: the date the limitation period runs from (the effective
    # date of termination or the date of the act). The only choice so far; named so that it is read.
    version_decided_by: Literal["period_start"]
    notes: list[str] = []
    jurisdictions: dict[JurisdictionName, JurisdictionRules]
    appeal: AppealRule
    claim_types: Annotated[dict[ClaimTypeKey, ClaimType], Field(min_length=1)]

    @model_validator(mode="after")
    def _every_jurisdiction(self) -> RuleSet:
        missing = [j for j in JURISDICTIONS if j not in self.jurisdictions]
        if missing:
            raise ValueError(f"jurisdictions is missing {', '.join(missing)}")
        return self

    def rule_for(self, claim_type: str, jurisdiction: str, on: date) -> ClaimRule | None:
        """The rule of ``claim_type`` in force in ``jurisdiction`` for a period running from ``on``, if any."""
        entry = self.claim_types.get(claim_type)
        if entry is None:
            return None
        for rule in entry.rules:
            if rule.in_force(jurisdiction, on):
                return rule
        return None

    def confirmed_predecessor(self, claim_type: str, jurisdiction: str, rule: ClaimRule) -> ClaimRule | None:
        """For an unconfirmed ``rule``, the confirmed rule in force the day before it starts, if any.

        A planned change (e.g. a commencement date not yet checked) is not relied on while the rule
        it replaces is known; ``compute`` shows the earlier of the two dates.
        """
        if rule.confirmed or rule.effective_from is None or rule.effective_from == date.min:
            return None
        before = self.rule_for(claim_type, jurisdiction, rule.effective_from - timedelta(days=1))
        return before if before is not None and before.confirmed else None

    def to_json(self) -> dict[str, Any]:
        """The set as JSON-ready data (ISO dates), e.g. to store a version or serve it."""
        return self.model_dump(mode="json")


def _loc(parts: tuple[int | str, ...]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(root)"


def _message(error: dict[str, Any]) -> str:
    msg = str(error["msg"]).removeprefix("Value error, ")
    if error.get("type") in {"missing", "extra_forbidden"}:
        return msg
    given = error.get("input")
    if isinstance(given, str | int | float | bool) or given is None:
        return f"{msg} (got {json.dumps(given)})"
    return msg


def parse_rule_set(data: str | bytes | dict[str, Any]) -> RuleSet:
    """Validate a rule set given as JSON text or a decoded object; raise RuleSetError with every problem."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise RuleSetError(
                [{"loc": "(root)", "msg": f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"}]
            ) from None
        except UnicodeDecodeError as exc:
            raise RuleSetError([{"loc": "(root)", "msg": f"not UTF-8 text: {exc.reason}"}]) from None
    if not isinstance(data, dict):
        raise RuleSetError([{"loc": "(root)", "msg": f"a rule set is a JSON object, not {type(data).__name__}"}])
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        errors = [{"loc": _loc(tuple(e["loc"])), "msg": _message(dict(e))} for e in exc.errors()]
        raise RuleSetError(errors) from None


@cache
def load_default() -> RuleSet:
    """The rule set shipped with the service (``rules/uk-employment.json``); validated once, then cached."""
    text = resources.files("casework_workflow.deadlines").joinpath("rules", DEFAULT_RULES).read_text("utf-8")
    return parse_rule_set(text)
