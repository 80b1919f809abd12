"""The deadline engine (docs/design.md, 'Deadlines'): rule sets as cited data, date arithmetic, and the computations.

Pure logic: no database, no HTTP. ``compute(facts, rules)`` gives a case's tribunal and appeal
deadlines, ``subject_access_due`` and ``foi_due`` the statutory reply dates of information requests.
"""

from casework_workflow.deadlines.compute import compute
from casework_workflow.deadlines.model import (
    JURISDICTIONS,
    VISIBILITIES,
    VISIBILITY_MEMBER,
    VISIBILITY_REPS,
    ComputedDeadline,
    DeadlineFacts,
    Jurisdiction,
    RuleSource,
)
from casework_workflow.deadlines.requests_clock import foi_due, subject_access_due
from casework_workflow.deadlines.ruleset import RuleSet, RuleSetError, load_default, parse_rule_set

__all__ = [
    "JURISDICTIONS",
    "VISIBILITIES",
    "VISIBILITY_MEMBER",
    "VISIBILITY_REPS",
    "ComputedDeadline",
    "DeadlineFacts",
    "Jurisdiction",
    "RuleSet",
    "RuleSetError",
    "RuleSource",
    "compute",
    "foi_due",
    "load_default",
    "parse_rule_set",
    "subject_access_due",
]
