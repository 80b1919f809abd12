"""Client for intake's REST API, the one place other services call intake from.

Each call is made with the token it is given, as with the workflow client: a caller's own token
where intake should answer what that person may see (bundle's evidence list), a service
account's token for the services' own work (OCR handing over files found inside evidence,
search's rebuild reading every indexed record)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import requests
from requests_toolbelt import MultipartEncoder

from casework_common import tracing
from casework_common.problems import not_found, unavailable

log = logging.getLogger(__name__)

# A child file is streamed to intake whole (an archive member may be large), so it gets longer
# than a read.
UPLOAD_TIMEOUT_S = 600.0


class IntakeClient:
    """Lists and adds evidence at intake on behalf of a token's owner."""

    def __init__(self, base_url: str, timeout_s: float = 30.0) -> None:
        """``timeout_s``: for reads; uploads get :data:`UPLOAD_TIMEOUT_S`."""
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()

    def case_evidence(self, token: str, case_id: str) -> list[dict[str, Any]]:
        """Every evidence item of the case the token's owner may read (reps-only ones only for full
        access). Intake down or failing is a 503 Problem; an unknown case a 404 Problem."""
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

    def list_evidence(self, service_token: str, status: str, limit: int, cursor: str | None = None) -> dict[str, Any]:
        """One page of every case's evidence records in ``status`` (service tokens only): intake's
        answer as it is, ``items`` and ``next_cursor`` (absent on the last page). An HTTP error
        status raises :class:`requests.HTTPError`."""
        params: dict[str, Any] = {"status": status, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = self._session.get(
            f"{self.base_url}/v1/evidence",
            params=params,
            timeout=self.timeout_s,
            headers={"Authorization": f"Bearer {service_token}"},
        )
        response.raise_for_status()
        return response.json()

    def add_child(
        self, service_token: str, parent_id: str, index: int, filename: str, content_type: str, path: Path
    ) -> str | None:
        """Hand a file found inside evidence (an attachment, an archive member) to intake, which
        stores and records it as an evidence item of its own; streamed from ``path``. Returns the
        child's evidence id, or None if intake refused it (nested too deep, a 422); any other
        error status raises :class:`requests.HTTPError`."""
        with path.open("rb") as handle:
            body = MultipartEncoder(fields=[("index", str(index)), ("file", (filename, handle, content_type))])
            response = self._session.post(
                f"{self.base_url}/v1/evidence/{parent_id}/children",
                data=body,
                timeout=UPLOAD_TIMEOUT_S,
                headers={"Content-Type": body.content_type, "Authorization": f"Bearer {service_token}"},
            )
        if response.status_code == 422:
            return None
        response.raise_for_status()
        return response.json()["id"]

    def ready(self) -> bool:
        """Does intake answer its health check?"""
        try:
            return self._session.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False
