"""Calls to the casework APIs with the signed-in user's token; problems become plain sentences."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

import requests

from casework_common import tracing
from casework_portal.labels import FIELDS, PROBLEMS


class ApiError(Exception):
    """An API said no; ``message`` is fit to show the user, ``fields`` names the form fields at fault."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}


FRIENDLY = {
    401: "Your session has expired. Please sign in again.",
    403: "You do not have permission to do that.",
    404: "That could not be found, or you do not have access to it.",
    413: "That file is too large.",
    503: "The service is busy or restarting. Please try again in a moment.",
}


def field_sentence(error: dict[str, Any]) -> str:
    """One validation error as a sentence naming the form field, e.g. "Email: is not valid"."""
    field = error.get("field") or ""
    label = FIELDS.get(field)
    if label is None and field:
        label = FIELDS.get(field.split(".")[0], field.replace("_", " ").replace(".", " ").capitalize())
    problem = PROBLEMS.get(error.get("type", ""), error.get("message", ""))
    return f"{label}: {problem}" if label else problem


def _error(response: requests.Response) -> ApiError:
    detail, fields = None, {}
    if response.headers.get("Content-Type", "").startswith("application/problem+json"):
        body = response.json()
        errors = body.get("errors") or []
        fields = {e.get("field", ""): field_sentence(e) for e in errors}
        detail = "; ".join(fields.values()) or body.get("detail")
    return ApiError(response.status_code, detail or FRIENDLY.get(response.status_code, "Something went wrong."), fields)


class Backend:
    def __init__(self, token: str | None) -> None:
        """``token``: the signed-in user's; None for the few public calls (a shared bundle's recipient)."""
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def _send(self, method: str, url: str, timeout: float = 15, **kwargs: Any) -> requests.Response:
        headers = {tracing.HEADER: tracing.format_traceparent(), **kwargs.pop("headers", {})}
        try:
            response = self.session.request(method, url, headers=headers, timeout=timeout, **kwargs)
        except requests.RequestException as exc:
            raise ApiError(503, FRIENDLY[503]) from exc
        if not response.ok:
            raise _error(response)
        return response

    def get(self, url: str, **params: Any) -> Any:
        return self._send("GET", url, params=params).json()

    def get_raw(self, url: str) -> requests.Response:
        """A non-JSON answer with its headers (e.g. a calendar feed forwarded as it is)."""
        return self._send("GET", url, timeout=30)

    def get_text(self, url: str, **params: Any) -> str:
        """A non-JSON answer (e.g. a CSV export), as text."""
        return self._send("GET", url, timeout=30, params=params).text

    def get_stream(self, url: str) -> tuple[Iterator[bytes], dict[str, str]]:
        """A download, chunk by chunk, with the headers worth passing on."""
        response = self._send("GET", url, timeout=60, stream=True)
        kept = {k: v for k, v in response.headers.items() if k in ("Content-Disposition", "Content-Length")}
        return response.iter_content(64 * 1024), kept

    def post_json(self, url: str, body: dict[str, Any] | None = None) -> Any:
        return self._send("POST", url, json=body or {}).json()

    def post_for_file(self, url: str, body: dict[str, Any] | None = None) -> requests.Response:
        """A POST whose answer is a file to hand on (e.g. a cover sheet's PDF), with its headers."""
        return self._send("POST", url, timeout=60, json=body or {})

    def patch_json(self, url: str, body: dict[str, Any]) -> Any:
        return self._send("PATCH", url, json=body).json()

    def put_json(self, url: str, body: dict[str, Any]) -> Any:
        return self._send("PUT", url, json=body).json()

    def delete(self, url: str) -> None:
        self._send("DELETE", url)

    def delete_json(self, url: str) -> Any:
        return self._send("DELETE", url).json()

    def post_files(self, url: str, fields: dict[str, str], files: list[tuple[str, IO[bytes], str]]) -> Any:
        """A multipart upload of files the portal has parsed itself (``(filename, stream, mimetype)``),
        the form ``fields`` first, as intake wants them before the file parts."""
        parts = [("file", (name, stream, mimetype)) for name, stream, mimetype in files]
        return self._send("POST", url, timeout=600, data=fields, files=parts).json()

    def post_stream(self, url: str, body: Iterable[bytes], content_type: str) -> Any:
        """Forward a request body chunk by chunk (chunked transfer), never buffering it."""
        return self._send("POST", url, timeout=600, data=body, headers={"Content-Type": content_type}).json()
