"""Redirect safety after sign-in and API errors turned into sentences."""

import pytest
import requests

from casework_portal.auth import _safe_next
from casework_portal.backend import _error


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/cases/1", "/cases/1"),
        ("//evil.example.org/x", "/"),
        ("https://evil.example.org", "/"),
        ("/\\evil.example.org", "/"),
        (None, "/"),
    ],
)
def test_only_local_paths_are_followed_after_sign_in(target: str | None, expected: str) -> None:
    assert _safe_next(target) == expected


def test_problem_details_become_plain_sentences() -> None:
    response = requests.Response()
    response.status_code = 422
    response.headers["Content-Type"] = "application/problem+json"
    response._content = b'{"title": "Invalid", "errors": [{"field": "visibility", "message": "Must be member."}]}'
    assert _error(response).message == "Must be member."
    response.status_code, response._content = 403, b'{"title": "Forbidden"}'
    assert _error(response).message == "You do not have permission to do that."
