"""Load and validate a deadline rule set (stub: the real implementation follows)."""

from __future__ import annotations

from typing import Any


class RuleSetError(ValueError):
    """A rule set that does not validate; ``errors`` lists each problem as ``{"loc": ..., "msg": ...}``."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['loc']}: {e['msg']}" for e in errors))


class RuleSet:
    """A validated, versioned rule set (stub)."""

    version: str


def parse_rule_set(data: str | bytes | dict[str, Any]) -> RuleSet:
    """Validate a rule set given as JSON text or a decoded object; raise RuleSetError with every problem."""
    raise NotImplementedError


def load_default() -> RuleSet:
    """The rule set shipped with the service (``rules/uk-employment.json``)."""
    raise NotImplementedError
