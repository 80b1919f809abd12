"""Role × action: every endpoint, called by every kind of user, answers exactly as the scope
rules say. The case belongs to Maria (north-london, london region), Rachel is its rep, and a
referral discussion has been requested, so it has been "brought to" london's officials."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import testdocs
from harness import Platform

pytestmark = pytest.mark.stack

ROLES = {
    "member": "maria",
    "rep": "rachel",
    "rep same branch, not on case": "raj",
    "rep other branch": "ravi",
    "coordinator": "cora",
    "official same region": "olive",
    "official other region": "owen",
    "caseworker": "carl",
    "admin": "ada",
    "dpo": "dana",  # the data-protection officer: no case access through these (only data-protection endpoints)
    "anonymous": None,
}


def expect(*codes: int | str) -> dict[str, int | str]:
    """Expected outcome per role, in ROLES order."""
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


@dataclass
class Context:
    case: str
    referral: str
    evidence: str
    word: str


Call = Callable[[Context], tuple[str, str, str, dict[str, Any]]]


def make_context(platform: Platform, with_evidence: bool = False) -> Context:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    referral = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/referrals",
        json={"target": "regional_office", "reason": "Needs the office."},
    ).json()
    evidence, word = "", ""
    if with_evidence:
        word = testdocs.fresh_word()
        upload = platform.upload(
            "rachel", case["id"], [("m.pdf", testdocs.text_pdf([f"Matrix {word}"]), "application/pdf")]
        )
        evidence = upload.json()["items"][0]["id"]
        platform.wait_for_status("rachel", evidence)
    return Context(case["id"], referral["id"], evidence, word)


#                                  member rep  raj  ravi cora olive owen carl ada  dana anon
CASE_READ = expect(200, 200, 404, 404, 200, 200, 404, 404, 404, 404, 401)
STAFF_READ = expect(403, 200, 404, 404, 200, 200, 404, 404, 404, 404, 401)

READS: dict[str, tuple[Call, dict[str, int | str]]] = {
    "GET case": (lambda c: ("GET", "workflow", f"/v1/cases/{c.case}", {}), CASE_READ),
    "GET timeline": (lambda c: ("GET", "workflow", f"/v1/cases/{c.case}/timeline", {}), CASE_READ),
    "GET summary": (lambda c: ("GET", "workflow", f"/v1/cases/{c.case}/summary", {}), STAFF_READ),
    "GET case referrals": (
        lambda c: ("GET", "workflow", f"/v1/cases/{c.case}/referrals", {}),
        expect("empty", 200, 404, 404, 200, 200, 404, 404, 404, 404, 401),
    ),
    "GET referral": (
        lambda c: ("GET", "workflow", f"/v1/referrals/{c.referral}", {}),
        expect(404, 200, 404, 404, 200, 200, 404, 404, 404, 404, 401),
    ),
    "list cases": (
        lambda c: ("GET", "workflow", "/v1/cases", {"params": {"limit": 200}}),
        expect("has", "has", "lacks", "lacks", "has", "has", "lacks", "lacks", "lacks", "lacks", 401),
    ),
    "referral queue": (
        lambda c: ("GET", "workflow", "/v1/referrals", {}),
        expect(403, 403, 403, 403, 403, "has", "lacks", "lacks", 403, 403, 401),
    ),
    "branch tasks": (
        lambda c: ("GET", "workflow", "/v1/tasks", {}),
        expect(403, 200, 200, 200, 200, 403, 403, 403, 403, 403, 401),
    ),
    "branch flags": (
        lambda c: ("GET", "workflow", "/v1/branch-flags", {}),
        expect(403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 401),
    ),
    "support requests": (
        lambda c: ("GET", "workflow", "/v1/support-requests", {}),
        expect(403, 200, 200, 200, 200, 200, 200, 200, 403, 403, 401),
    ),
    "GET case evidence": (lambda c: ("GET", "intake", f"/v1/cases/{c.case}/evidence", {}), CASE_READ),
    "GET evidence": (lambda c: ("GET", "intake", f"/v1/evidence/{c.evidence}", {}), CASE_READ),
    "GET evidence content": (lambda c: ("GET", "intake", f"/v1/evidence/{c.evidence}/content", {}), CASE_READ),
    "GET evidence text": (lambda c: ("GET", "intake", f"/v1/evidence/{c.evidence}/text", {}), CASE_READ),
    "search": (
        lambda c: ("GET", "search", "/v1/search", {"params": {"q": c.word}}),
        expect("has", "has", "lacks", "lacks", "has", "has", "lacks", "lacks", "lacks", "lacks", 401),
    ),
    "inbox": (lambda c: ("GET", "notify", "/v1/inbox", {}), expect(*[200] * 10, 401)),
}

LETTER = ("x.png", testdocs.png(["A letter"]), "image/png")
WRITES: dict[str, tuple[Call, dict[str, int | str]]] = {
    "open case": (
        lambda c: (
            "POST",
            "workflow",
            "/v1/cases",
            {"json": {"member": {"name": "N", "membership_number": "M999999"}, "case_type": "grievance"}},
        ),
        expect(403, 201, 201, 201, 201, 403, 403, 403, 403, 403, 401),
    ),
    "update case": (
        lambda c: ("PATCH", "workflow", f"/v1/cases/{c.case}", {"json": {"summary": "changed"}}),
        expect(403, 200, 404, 404, 200, 200, 404, 404, 404, 404, 401),
    ),
    "add timeline note": (
        lambda c: (
            "POST",
            "workflow",
            f"/v1/cases/{c.case}/timeline",
            {"json": {"kind": "note", "body": "A note", "visibility": "member"}},
        ),
        expect(201, 201, 404, 404, 201, 201, 404, 404, 404, 404, 401),
    ),
    "assign rep": (
        lambda c: ("POST", "workflow", f"/v1/cases/{c.case}/reps", {"json": {"username": "raj"}}),
        expect(403, 200, 404, 404, 200, 403, 404, 404, 404, 404, 401),
    ),
    "share case": (
        lambda c: ("POST", "workflow", f"/v1/cases/{c.case}/shares", {"json": {"username": "raj"}}),
        expect(403, 200, 404, 404, 200, 403, 404, 404, 404, 404, 401),
    ),
    "request referral": (
        lambda c: (
            "POST",
            "workflow",
            f"/v1/cases/{c.case}/referrals",
            {"json": {"target": "regional_caseworker", "reason": "r"}},
        ),
        expect(403, 201, 404, 404, 201, 403, 404, 404, 404, 404, 401),
    ),
    "agree referral": (
        lambda c: (
            "POST",
            "workflow",
            f"/v1/referrals/{c.referral}/transitions",
            {"json": {"action": "agree", "reasons": "ok"}},
        ),
        expect(404, 403, 404, 404, 403, 200, 404, 404, 404, 404, 401),
    ),
    "request support": (
        lambda c: (
            "POST",
            "workflow",
            f"/v1/cases/{c.case}/support-requests",
            {"json": {"to": "official", "question": "q"}},
        ),
        expect(403, 201, 404, 404, 201, 403, 404, 404, 404, 404, 401),
    ),
    "member enquiry": (
        lambda c: ("POST", "workflow", "/v1/enquiries", {"json": {"message": "hello"}}),
        expect(201, 403, 403, 403, 403, 403, 403, 403, 403, 403, 401),
    ),
    "upload evidence": (
        lambda c: ("POST", "intake", f"/v1/cases/{c.case}/evidence", {"files": [("file", LETTER)]}),
        expect(201, 201, 404, 404, 201, 201, 404, 404, 404, 404, 401),
    ),
}


@pytest.fixture(scope="module")
def shared(platform: Platform) -> Context:
    return make_context(platform, with_evidence=True)


def check(platform: Platform, context: Context, call: Call, role: str, expected: int | str) -> None:
    method, service, path, kwargs = call(context)
    response = platform.call(ROLES[role], method, service, path, **kwargs)
    if isinstance(expected, int):
        assert response.status_code == expected, f"{role}: {response.status_code} {response.text[:300]}"
        if expected >= 400:
            assert response.headers["Content-Type"] == "application/problem+json"
        return
    assert response.status_code == 200, f"{role}: {response.status_code} {response.text[:300]}"
    items = response.json()["items"]
    if expected == "empty":
        assert items == []
        return
    found = {i.get("case_id", i.get("id")) for i in items}
    assert (context.case in found) == (expected == "has"), f"{role}: {expected} case {context.case}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", READS)
def test_reads(platform: Platform, shared: Context, action: str, role: str) -> None:
    call, expected = READS[action]
    check(platform, shared, call, role, expected[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", WRITES)
def test_writes(platform: Platform, action: str, role: str) -> None:
    call, expected = WRITES[action]
    check(platform, make_context(platform), call, role, expected[role])
