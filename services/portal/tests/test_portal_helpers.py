"""Redirect safety after sign-in and API errors turned into sentences."""

import pytest
import requests

from casework_portal.auth import local_path
from casework_portal.backend import _error


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/cases/1", "/cases/1"),
        ("//evil.example.org/x", "/"),
        ("https://evil.example.org", "/"),
        ("/\\evil.example.org", "/"),
        ("/\t/evil.example", "/"),  # browsers drop the tab: //evil.example
        ("/\n/evil", "/"),
        ("\t//evil.example", "/"),
        ("/\\/evil.example", "/"),
        ("/\x00/evil.example", "/"),
        ("https:evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/%2F%2Fevil", "/%2F%2Fevil"),  # still a path here: browsers do not decode it into a host
        ("/cases/1?tab=evidence#top", "/cases/1?tab=evidence#top"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_only_local_paths_are_followed_after_sign_in(target: str | None, expected: str) -> None:
    assert local_path(target) == expected


def test_problem_details_become_plain_sentences() -> None:
    response = requests.Response()
    response.status_code = 422
    response.headers["Content-Type"] = "application/problem+json"
    response._content = b'{"title": "Invalid", "errors": [{"field": "visibility", "message": "Must be member."}]}'
    assert _error(response).message == "Visibility: Must be member."
    response._content = (
        b'{"errors": [{"field": "member.membership_number", "type": "string_pattern_mismatch",'
        b' "message": "String should match pattern \'^[A-Z]+$\'"}, {"field": "key_dates.hearing",'
        b' "type": "date_from_datetime_parsing", "message": "Input should be a valid date"}]}'
    )
    error = _error(response)
    assert error.fields == {
        "member.membership_number": "Membership number: is not in the expected format",
        "key_dates.hearing": "Hearing date: is not a date",
    }
    assert error.message == "Membership number: is not in the expected format; Hearing date: is not a date"
    response.status_code, response._content = 403, b'{"title": "Forbidden"}'
    assert _error(response).message == "You do not have permission to do that."
