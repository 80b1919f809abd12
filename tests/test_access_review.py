"""Access reviews (docs/design.md, 'The audit trail: redaction, anchors, access reviews'): who could
read which cases in a period, and who did, for the data-protection officer and administrators
only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from harness import Platform

pytestmark = pytest.mark.stack

PATH = "/v1/data-protection/access-review"
PROBLEM = "application/problem+json"


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def review(platform: Platform, user: str | None, **params: str) -> Any:
    return platform.call(user, "GET", "workflow", PATH, params=params)


def the_case(report: dict[str, Any], case_id: str) -> dict[str, Any]:
    return next(c for c in report["cases"] if c["case_id"] == case_id)


def could(case: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(entry["username"], entry["basis"]): entry for entry in case["could_read"]}


def did(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["actor"]: entry for entry in case["did_read"]}


def test_the_dpo_and_admins_get_the_report_and_nobody_else(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    for user in ("dana", "ada"):
        response = review(platform, user, **{"from": today(), "to": today(), "case_id": case["id"]})
        assert response.status_code == 200, response.text
        report = response.json()
        reviewed = the_case(report, case["id"])
        assert reviewed["reference"] == case["reference"]
        entries = could(reviewed)
        assert entries[("rachel", "assigned_rep")]["access"] == "full"
        assert entries[("cora", "branch_coordinator")]["access"] == "full"
        assert entries[("maria", "member")]["access"] == "member"
        assert not any(username == "olive" for username, _ in entries)  # not brought to the region
        assert {basis for _, basis in entries} <= set(report["derivation"])
        assert report["limits"] and report["from"] == today()

    # The whole period, without naming the case, lists it too.
    everything = review(platform, "dana", **{"from": today(), "to": today()})
    assert everything.status_code == 200, everything.text
    assert the_case(everything.json(), case["id"])

    for user in ("rachel", "cora", "olive", "carl", "maria"):
        refused = review(platform, user, **{"from": today(), "to": today(), "case_id": case["id"]})
        assert refused.status_code == 403, (user, refused.text)
        assert refused.headers["Content-Type"] == PROBLEM
        assert "Maria" not in refused.text and case["reference"] not in refused.text
    anonymous = review(platform, None, **{"from": today(), "to": today()})
    assert anonymous.status_code == 401 and anonymous.headers["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-02", "to": "2026-03-01"},  # backwards
        {"from": "2026-02-30", "to": "2026-03-01"},  # no such day
        {"from": "2026-3-1", "to": "2026-03-02"},
        {"from": "2024-01-01", "to": "2026-01-01"},  # longer than 366 days
        {"from": "2026-03-01"},
        {"to": "2026-03-01"},
        {"from": "2026-03-01", "to": "2026-03-02", "case_id": "not-a-case"},
        {"from": "2026-03-01", "to": "2026-03-02", "colour": "red"},
        {"from": "2026-03-01T00:00:00", "to": "2026-03-02"},
    ],
)
def test_a_malformed_query_is_422_for_everyone(platform: Platform, params: dict[str, str]) -> None:
    for user in ("dana", "rachel"):
        response = review(platform, user, **params)
        assert response.status_code == 422, (user, params, response.text)
        assert response.headers["Content-Type"] == PROBLEM


def test_an_unknown_case_is_404(platform: Platform) -> None:
    response = review(
        platform, "dana", **{"from": today(), "to": today(), "case_id": "00000000-0000-4000-8000-000000000000"}
    )
    assert response.status_code == 404 and response.headers["Content-Type"] == PROBLEM


def test_who_did_read_is_the_reads_that_happened(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    params = {"from": today(), "to": today(), "case_id": case["id"]}
    before = the_case(review(platform, "dana", **params).json(), case["id"])
    assert "maria" not in did(before)

    for _ in range(2):
        assert platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}").status_code == 200
    assert platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").status_code == 200
    # A rep of the branch who is not on the case.
    refused = platform.call("raj", "GET", "workflow", f"/v1/cases/{case['id']}")
    assert refused.status_code == 404

    after = the_case(review(platform, "dana", **params).json(), case["id"])
    readers = did(after)
    assert readers["maria"]["reads"] == 2 and readers["maria"]["actions"] == {"case.read": 2}
    assert readers["maria"]["actor_role"] == "member"
    assert readers["maria"]["first_at"] < readers["maria"]["last_at"]
    assert readers["rachel"]["actions"].get("timeline.read") == 1
    assert "raj" not in readers  # refused, so not a read

    # A period before the case existed: nobody read it, and the rep was not yet on it.
    earlier = review(platform, "dana", **{"from": "2020-01-01", "to": "2020-01-31", "case_id": case["id"]})
    assert earlier.status_code == 200, earlier.text
    old = the_case(earlier.json(), case["id"])
    assert old["did_read"] == []
    assert ("rachel", "assigned_rep") not in could(old)


def test_a_referral_brings_the_regions_officials_into_could_read(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    referral = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/referrals",
        json={"target": "regional_office", "reason": "Access review test."},
    )
    assert referral.status_code == 201, referral.text
    reviewed = the_case(
        review(platform, "dana", **{"from": today(), "to": today(), "case_id": case["id"]}).json(), case["id"]
    )
    olive = could(reviewed)[("olive", "regional_official")]
    assert olive["access"] == "full" and olive["since"] and olive["until"] is None


def test_each_review_is_audited(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    assert review(platform, "dana", **{"from": today(), "to": today(), "case_id": case["id"]}).status_code == 200
    with platform.superuser_db() as conn:
        row = conn.execute(
            "SELECT actor, actor_role, detail FROM workflow.audit_log"
            " WHERE action = 'dataprotection.access_review' AND case_id = %s",
            (case["id"],),
        ).fetchone()
    assert row is not None
    actor, role, detail = row
    assert (actor, role) == ("dana", "dpo") and detail["cases"] == 1
