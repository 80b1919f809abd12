"""Shared types of the deadline engine: the facts a rep records and the deadlines computed from them.

Pure data, no database and no HTTP: the deadline store, information requests and the pages read
these. Vocabularies: ``kind`` is a ``DEADLINE_KINDS`` short name
(``casework_common.vocabulary``), ``visibility`` is ``"member"`` or ``"reps"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from casework_common import vocabulary


class Jurisdiction(StrEnum):
    """The three legal systems of the UK whose employment time limits and bank holidays differ."""

    ENGLAND_WALES = "england_wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


#: The jurisdictions by short name, in the order pages list them.
JURISDICTIONS: tuple[str, ...] = tuple(j.value for j in Jurisdiction)

#: Who sees a deadline: the member too, or only the reps (and staff with full access); the
#: contract's ``Visibility`` short names.
VISIBILITIES: tuple[str, ...] = tuple(vocabulary.VISIBILITIES)
VISIBILITY_MEMBER = "member"
VISIBILITY_REPS = "reps"


@dataclass(frozen=True)
class RuleSource:
    """Where a rule comes from: e.g. ``Employment Rights Act 1996``, ``s.111(2)(a)``, a legislation.gov.uk URL."""

    title: str
    citation: str
    url: str


@dataclass(frozen=True)
class ComputedDeadline:
    """One deadline worked out from the facts, with the reasoning a rep can check."""

    key: str  # stable, e.g. "tribunal_claim:unfair_dismissal", "appeal"
    kind: str  # DEADLINE_KINDS short name
    label: str  # "Tribunal claim: unfair dismissal"
    due_on: date  # the last day
    steps: list[str]  # how it was computed, one sentence each, dates written "14 April 2026"
    source: RuleSource | None
    rule_set: str  # version id of the rule set used ("" for requests)
    indicative: bool  # always True for rule-computed dates: confirm with the regional office
    visibility: str  # "member" | "reps", the rule's default


@dataclass(frozen=True)
class DeadlineFacts:
    """What a rep records on a case, from which the tribunal and appeal deadlines follow."""

    jurisdiction: str  # england_wales | scotland | northern_ireland
    termination_date: date | None  # effective date of termination
    act_date: date | None  # date of the act complained of (or the last of a series)
    claim_types: tuple[str, ...]  # keys of the rule set's claim types
    acas_day_a: date | None  # early conciliation: the day the worker contacted ACAS / the LRA
    acas_day_b: date | None  # early conciliation: the day the certificate was received
    outcome_letter_date: date | None  # employer's outcome letter (for the internal appeal)
    appeal_window_days: int | None  # from the letter or the employer's policy
    appeal_window_working: bool  # True: the window counts working days, False: calendar days
