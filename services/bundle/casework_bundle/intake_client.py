"""Intake's evidence list for a case, read with the caller's own token: what intake shows them is
exactly what they may put in a bundle."""

from __future__ import annotations

import logging
from typing import Any

import requests

from casework_common import tracing
from casework_common.problems import not_found, unavailable

log = logging.getLogger(__name__)


class IntakeClient:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()

    def case_evidence(self, token: str, case_id: str) -> list[dict[str, Any]]:
        """Every evidence item of the case the token's owner may read (reps-only ones only for full access)."""
        try:
            response = self._session.get(
                f"{self.base_url}/v1/cases/{case_id}/evidence",
                headers={"Authorization": f"Bearer {token}", tracing.HEADER: tracing.format_traceparent()},
                timeout=self.timeout_s,
            )
        except requests.RequestException as exc:
            raise unavailable("The evidence service is not available; try again shortly.") from exc
        if response.status_code == 404:
            raise not_found("case")
        if response.status_code != 200:
            log.warning("intake answered %s for case %s's evidence", response.status_code, case_id)
            raise unavailable("The evidence service could not list the case's evidence; try again shortly.")
        return response.json()["items"]

    def ready(self) -> bool:
        try:
            return self._session.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False
