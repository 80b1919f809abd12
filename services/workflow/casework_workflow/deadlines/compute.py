"""Tribunal and internal-appeal deadlines from a case's facts (stub: the real implementation follows)."""

from __future__ import annotations

from casework_workflow.deadlines.model import ComputedDeadline, DeadlineFacts
from casework_workflow.deadlines.ruleset import RuleSet


def compute(facts: DeadlineFacts, rules: RuleSet) -> list[ComputedDeadline]:
    """Every deadline that follows from the facts under the rule set, each with its steps and source."""
    raise NotImplementedError
