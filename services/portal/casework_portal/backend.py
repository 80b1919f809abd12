"""Calls to the casework APIs with the signed-in user's token; problems become plain sentences."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests

from casework_common import tracing


class ApiError(Exception):
    """An API said no; ``message`` is fit to show the user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


FRIENDLY = {
    401: "Your session has expired. Please sign in again.",
    403: "You do not have permission to do that.",
    404: "That could not be found, or you do not have access to it.",
    413: "That file is too large.",
    503: "The service is busy or restarting. Please try again in a moment.",
}


def _error(response: requests.Response) -> ApiError:
    detail = None
    if response.headers.get("Content-Type", "").startswith("application/problem+json"):
        body = response.json()
        errors = body.get("errors") or []
        detail = "; ".join(e.get("message", "") for e in errors) or body.get("detail")
    return ApiError(response.status_code, detail or FRIENDLY.get(response.status_code, "Something went wrong."))


class Backend:
    def __init__(self, token: str) -> None:
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def _headers(self) -> dict[str, str]:
        return {tracing.HEADER: tracing.format_traceparent()}

    def get(self, url: str, **params: Any) -> Any:
        try:
            response = self.session.get(url, params=params, headers=self._headers(), timeout=15)
        except requests.RequestException as exc:
            raise ApiError(503, FRIENDLY[503]) from exc
        if not response.ok:
            raise _error(response)
        return response.json()

    def get_text(self, url: str, **params: Any) -> str:
        """A non-JSON answer (e.g. a CSV export), as text."""
        try:
            response = self.session.get(url, params=params, headers=self._headers(), timeout=30)
        except requests.RequestException as exc:
            raise ApiError(503, FRIENDLY[503]) from exc
        if not response.ok:
            raise _error(response)
        return response.text

    def post_json(self, url: str, body: dict[str, Any]) -> Any:
        try:
            response = self.session.post(url, json=body, headers=self._headers(), timeout=15)
        except requests.RequestException as exc:
            raise ApiError(503, FRIENDLY[503]) from exc
        if not response.ok:
            raise _error(response)
        return response.json()

    def post_stream(self, url: str, body: Iterable[bytes], content_type: str) -> Any:
        """Forward a request body chunk by chunk (chunked transfer), never buffering it."""
        headers = {**self._headers(), "Content-Type": content_type}
        try:
            response = self.session.post(url, data=body, headers=headers, timeout=600)
        except requests.RequestException as exc:
            raise ApiError(503, FRIENDLY[503]) from exc
        if not response.ok:
            raise _error(response)
        return response.json()
