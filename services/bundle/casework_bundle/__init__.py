"""Hearing and tribunal bundles (issue 16)."""
