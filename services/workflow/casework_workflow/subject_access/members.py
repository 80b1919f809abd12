"""Membership numbers as people type them, normalised once: the rule lives in
casework_common.membership, shared with organising (its target lists are searched in the same form)."""

from __future__ import annotations

from casework_common.membership import MAX_TYPED, NUMBER, normalise

__all__ = ["MAX_TYPED", "NUMBER", "normalise"]
