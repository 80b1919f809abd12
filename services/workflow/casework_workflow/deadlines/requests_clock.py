"""Statutory reply dates of subject access and FOI requests (stub: the real implementation follows)."""

from __future__ import annotations

from datetime import date

from casework_workflow.deadlines.model import ComputedDeadline


def subject_access_due(
    received: date, extended: bool = False, *, jurisdiction: str = "england_wales"
) -> ComputedDeadline:
    """The date a subject access reply is due (one month, or three when the controller extended it)."""
    raise NotImplementedError


def foi_due(received: date, jurisdiction: str) -> ComputedDeadline:
    """The date a freedom of information reply is due: the twentieth working day after receipt."""
    raise NotImplementedError
