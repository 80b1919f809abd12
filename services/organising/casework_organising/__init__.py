"""Recruitment weeks (issue 20): campaigns a region opens, branch plans and sessions, the contact log
teams fill in on a phone, follow-ups, target lists and results. docs/design.md#organising."""
