"""Idempotency-Key values and request fingerprints (pure logic; the stored keys are tested over HTTP
in tests/test_upload_integrity.py)."""

from __future__ import annotations

import pytest

from casework_common.problems import Problem
from casework_intake.idempotency import Outcome, file_facts, fingerprint, parse_key


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        ("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
        ('  "with space and \\"quote\\""  ', 'with space and "quote"'),
        ('"' + "k" * 255 + '"', "k" * 255),
    ],
)
def test_a_key_is_an_sf_string_or_a_bare_token(header: str, key: str) -> None:
    assert parse_key(header) == key


@pytest.mark.parametrize(
    "header", ["", '""', '"' + "k" * 256 + '"', '"unterminated', '"a", "b"', "two words", '"caf\u00e9"', '"tab\there"']
)
def test_a_malformed_key_is_a_400(header: str) -> None:
    with pytest.raises(Problem) as raised:
        parse_key(header)
    assert raised.value.status == 400


def test_no_header_means_no_key() -> None:
    assert parse_key(None) is None


def test_the_fingerprint_is_the_request_not_its_framing() -> None:
    files = [file_facts(b"a.pdf", "application/pdf", 3, "ab"), file_facts(b"b.pdf", "application/pdf", 4, "cd")]
    same = fingerprint("cases/1/evidence", {"visibility": "member"}, [dict(f) for f in files])
    assert same == fingerprint("cases/1/evidence", {"visibility": "member"}, files)
    different = [
        fingerprint("cases/2/evidence", {"visibility": "member"}, files),
        fingerprint("cases/1/evidence", {"visibility": "reps"}, files),
        fingerprint("cases/1/evidence", {"visibility": "member"}, files[::-1]),
        fingerprint("cases/1/evidence", {"visibility": "member"}, files[:1]),
        fingerprint(
            "cases/1/evidence", {"visibility": "member"}, [file_facts(b"a.pdf", "text/plain", 3, "ab"), *files[1:]]
        ),
        fingerprint(
            "cases/1/evidence", {"visibility": "member"}, [file_facts(b"A.pdf", "application/pdf", 3, "ab"), *files[1:]]
        ),
    ]
    assert same not in different and len(set(different)) == len(different)


def test_a_replay_repeats_the_first_answer_only_for_the_same_request() -> None:
    first = Outcome("print", 201, {"items": [{"id": "x"}]})
    assert first.replay("print", "k") == ({"items": [{"id": "x"}]}, 201)
    with pytest.raises(Problem) as raised:
        first.replay("another", "k")
    assert raised.value.status == 422
