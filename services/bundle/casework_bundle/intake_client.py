"""Intake's evidence list for a case, read with the caller's own token: what intake shows them is
exactly what they may put in a bundle. The client is the shared one (casework_common.intake_client)."""

from casework_common.intake_client import IntakeClient

__all__ = ["IntakeClient"]
