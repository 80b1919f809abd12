"""A referral pack hands the official evidence of THIS case: ids that are not ids, ids of no
evidence and another case's evidence are refused with a problem naming them; a pack of the
case's own evidence is accepted."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from harness import Platform

pytestmark = pytest.mark.stack


def evidence_on_case(platform: Platform, case: dict[str, Any]) -> str:
    """Upload one item and wait until workflow has it on the case's timeline (it learns of
    evidence from intake's events)."""
    upload = platform.upload("rachel", case["id"], [("p.txt", b"Pack evidence.", "text/plain")])
    assert upload.status_code in (201, 202), upload.text
    evidence_id = upload.json()["items"][0]["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        timeline = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
        if any(e["data"].get("evidence_id") == evidence_id for e in timeline):
            return evidence_id
        time.sleep(0.3)
    raise AssertionError("the evidence never reached the case's timeline")


@pytest.fixture(scope="module")
def setting(platform: Platform) -> dict[str, Any]:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    other = platform.create_case("rachel", "M100002", name="Mark Hughes")
    referral = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/referrals",
        json={"target": "regional_office", "reason": "x"},
    ).json()
    agreed = platform.call(
        "olive",
        "POST",
        "workflow",
        f"/v1/referrals/{referral['id']}/transitions",
        json={"action": "agree", "reasons": "ok"},
    )
    assert agreed.status_code == 200, agreed.text
    return {
        "referral": referral,
        "own": evidence_on_case(platform, case),
        "other": evidence_on_case(platform, other),
    }


def submit(platform: Platform, referral: dict[str, Any], evidence_ids: list[str]):
    return platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/referrals/{referral['id']}/transitions",
        json={"action": "submit_pack", "pack": {"summary": "The pack.", "evidence_ids": evidence_ids}},
    )


NOT_AN_ID, NOT_OURS = "not an id", "not evidence of this case"


@pytest.mark.parametrize(
    "bad,why",
    [
        pytest.param(lambda s: s["other"], NOT_OURS, id="another case's evidence"),
        pytest.param(lambda s: str(uuid.uuid4()), NOT_OURS, id="a random uuid"),
        pytest.param(lambda s: "not-an-id", NOT_AN_ID, id="not an id"),
        pytest.param(lambda s: "../" + s["own"], NOT_AN_ID, id="an id with a prefix"),
        pytest.param(lambda s: "", NOT_AN_ID, id="empty"),
    ],
)
def test_a_pack_with_evidence_not_of_this_case_is_refused(
    platform: Platform, setting: dict[str, Any], bad: Callable[[dict[str, Any]], str], why: str
) -> None:
    bad_id = bad(setting)
    refused = submit(platform, setting["referral"], [setting["own"], bad_id])
    assert refused.status_code == 422, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json"
    problem = refused.json()
    fields = [e["field"] for e in problem["errors"]]
    if why == NOT_AN_ID:
        assert fields == ["pack.evidence_ids.1"], problem  # the second id, by position
    else:
        assert fields == ["pack.evidence_ids"] and problem["errors"][0]["evidence_ids"] == [bad_id], problem
    state = platform.call("olive", "GET", "workflow", f"/v1/referrals/{setting['referral']['id']}").json()
    assert state["state"] == "agreed" and state["pack"] is None


def test_a_pack_of_the_case_s_own_evidence_is_accepted(platform: Platform, setting: dict[str, Any]) -> None:
    accepted = submit(platform, setting["referral"], [setting["own"].upper()])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "pack_submitted"
    assert accepted.json()["pack"]["evidence_ids"] == [setting["own"]]
