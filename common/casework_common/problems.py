"""RFC 9457 problem details: the only error body any casework HTTP API returns."""

from __future__ import annotations

from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://casework.invalid/problems/"


class Problem(Exception):
    """An error a client should see.

    ``kind`` becomes the problem ``type`` URI (``https://casework.invalid/problems/<kind>``);
    ``extra`` members (e.g. ``errors`` for validation, ``rule`` for the referral protocol)
    are added to the body.
    """

    def __init__(self, status: int, kind: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.extra = extra

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": TYPE_BASE + self.kind, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def unauthorized(detail: str = "A valid bearer token is required.") -> Problem:
    return Problem(401, "unauthorized", "Unauthorized", detail)


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", "Forbidden", detail)


def not_found(what: str) -> Problem:
    return Problem(404, "not-found", "Not found", f"No {what} with that id is visible to you.")


def invalid(errors: list[dict[str, Any]], detail: str = "The request is not valid.") -> Problem:
    """A 422 whose ``errors`` list names each bad field (``field``, ``message``)."""
    return Problem(422, "validation", "Invalid request", detail, errors=errors)


def bad_request(detail: str) -> Problem:
    return Problem(400, "bad-request", "Bad request", detail)


def unavailable(detail: str) -> Problem:
    return Problem(503, "unavailable", "Service unavailable", detail)
