"""Recruitment weeks: campaigns a region opens, branch plans and sessions, the contact log teams fill
in on a phone, follow-ups, target lists and results (docs/design.md, 'Organising: recruitment weeks')."""
