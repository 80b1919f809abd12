"""The two problems a step of the casework protocol is refused with (docs/design.md, 'Referral
protocol'): 403 ``protocol-role`` when it is not the caller's step, 409 ``protocol`` when the
state does not allow it. Both name the protocol's rule, so clients can explain the refusal."""

from __future__ import annotations

from typing import Any

from casework_common.problems import Problem

NOT_ALLOWED = "Not allowed by the casework protocol"


def not_your_step(detail: str, rule: int, **extra: Any) -> Problem:
    """403: the step belongs to another role."""
    return Problem(403, "protocol-role", "Not your step in the casework protocol", detail, rule=rule, **extra)


def not_allowed(detail: str, rule: int, title: str = NOT_ALLOWED, **extra: Any) -> Problem:
    """409: the step is not allowed in the current state."""
    return Problem(409, "protocol", title, detail, rule=rule, **extra)
