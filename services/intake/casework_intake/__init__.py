"""Intake: evidence uploads, immutable storage, evidence records and their status."""
