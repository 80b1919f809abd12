"""The casework protocol (rules 1–7 of docs/design.md#referral-protocol), one scenario per rule, positive and
negative, through the REST APIs with real tokens, Postgres, Kafka and SMTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from harness import Platform

pytestmark = pytest.mark.stack

MARIA, MARK = "M100001", "M100002"


def settle(seconds: float = 3.0) -> None:
    """Give events time to flow before asserting that something did NOT happen."""
    time.sleep(seconds)


def eventually(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


def referral(platform: Platform, case: dict[str, Any], target: str = "regional_office", by: str = "rachel") -> dict:
    response = platform.call(
        by,
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/referrals",
        json={"target": target, "reason": "Dismissal likely; needs the regional office."},
    )
    assert response.status_code == 201, response.text
    return response.json()


def step(platform: Platform, user: str, ref: dict[str, Any], action: str, **body: Any) -> Any:
    return platform.call(
        user, "POST", "workflow", f"/v1/referrals/{ref['id']}/transitions", json={"action": action, **body}
    )


def advance(platform: Platform, ref: dict[str, Any], until: str) -> None:
    """Walk a referral along the protocol's happy path, from wherever it is, up to state ``until``."""
    path = {
        "discussion_requested": ("olive", "agree", {"reasons": "Agreed after discussion."}),
        "agreed": ("olive", "request_pack", {}),
        "pack_requested": ("rachel", "submit_pack", {"pack": {"summary": "Pack summary", "evidence_ids": []}}),
        "pack_submitted": ("olive", "confirm_pack", {}),
        "pack_confirmed": ("rachel", "advise_member", {}),
    }
    state = platform.call("olive", "GET", "workflow", f"/v1/referrals/{ref['id']}").json()["state"]
    while state != until:
        user, action, body = path[state]
        response = step(platform, user, ref, action, **body)
        assert response.status_code == 200, response.text
        state = response.json()["state"]


def member_sees_referral(platform: Platform, case: dict[str, Any]) -> bool:
    """Anything about a referral in what the member can see: timeline, inbox, mail."""
    timeline = platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
    referral_words = ("referral", "regional office", "regional caseworker")
    in_timeline = [
        e for e in timeline if e["kind"] == "referral" or any(w in e["body"].lower() for w in referral_words)
    ]
    in_inbox = [
        i
        for i in platform.inbox("maria")
        if i["case_id"] == case["id"] and any(w in (i["title"] + i["body"]).lower() for w in referral_words)
    ]
    in_mail = [
        m
        for m in platform.mails_to("maria")
        if case["reference"] in (m["Subject"] or "") + str(m) and any(w in str(m).lower() for w in referral_words)
    ]
    listed = platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}/referrals").json()["items"]
    return bool(in_timeline or in_inbox or in_mail or listed)


# -- rule 1: members who contact the regional office directly are referred back to their branch ----


def test_rule1_direct_enquiry_is_referred_back_to_the_branch_with_a_task(platform: Platform) -> None:
    case = platform.create_case("rachel", MARK, name="Mark Hughes")
    response = platform.call("mark", "POST", "workflow", "/v1/enquiries", json={"message": "Can the office help me?"})
    assert response.status_code == 201
    assert "contact your branch" in response.json()["message"]
    tasks = platform.call("cora", "GET", "workflow", "/v1/tasks", params={"status": "open"}).json()["items"]
    task = next(t for t in tasks if t["case_id"] == case["id"])
    assert task["kind"] == "member_enquiry" and "Can the office help me?" in task["description"]
    assert eventually(lambda: platform.mails_to("cora", "Please contact a member of your branch"))
    # The enquiry did not bring the case to the regional office.
    assert platform.call("olive", "GET", "workflow", f"/v1/cases/{case['id']}").status_code == 404
    assert platform.call("rachel", "POST", "workflow", "/v1/enquiries", json={"message": "x"}).status_code == 403
    done = platform.call("cora", "POST", "workflow", f"/v1/tasks/{task['id']}/done")
    assert done.status_code == 200 and done.json()["status"] == "done"


def test_rule1_an_agreed_referral_the_member_was_told_of_lets_the_enquiry_through(platform: Platform) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    ref = referral(platform, case)
    advance(platform, ref, "pack_confirmed")
    pending = platform.call("maria", "POST", "workflow", "/v1/enquiries", json={"message": "Any news?"}).json()
    assert "contact your branch" in pending["message"]  # agreed, but she has not been told: no hint of it
    advance_one = step(platform, "rachel", ref, "advise_member")
    assert advance_one.status_code == 200
    through = platform.call("maria", "POST", "workflow", "/v1/enquiries", json={"message": "I am calling you."})
    assert "passed to the regional office" in through.json()["message"]


# -- rule 2: the branch discusses a referral with the official first; only the official decides ----


def test_rule2_discussion_request_reaches_the_official_with_a_generated_summary(platform: Platform) -> None:
    case = platform.create_case(
        "rachel", MARIA, name="Maria Okafor", allegations=["lateness"], key_dates={"hearing": "2026-12-01"}
    )
    ref = referral(platform, case)
    assert ref["state"] == "discussion_requested"
    assert case["reference"] in ref["summary"]["text"] and "lateness" in ref["summary"]["text"]
    assert "hearing 2026-12-01" in ref["summary"]["text"]
    mail = eventually(lambda: platform.mails_to("olive", f"Referral discussion requested: {case['reference']}"))
    assert mail and "Dismissal likely" not in str(mail[0])  # links, not the rep's words
    assert not platform.mails_to("owen", case["reference"])  # other region's official
    queue = platform.call("olive", "GET", "workflow", "/v1/referrals", params={"state": "discussion_requested"})
    assert ref["id"] in {r["id"] for r in queue.json()["items"]}
    assert ref["id"] not in {r["id"] for r in platform.call("owen", "GET", "workflow", "/v1/referrals").json()["items"]}


def test_rule2_only_the_official_records_the_outcome_with_reasons(platform: Platform) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    ref = referral(platform, case)
    for user in ("rachel", "cora"):
        refused = step(platform, user, ref, "agree", reasons="I agree with myself")
        assert refused.status_code == 403 and refused.json()["rule"] == 2
    assert step(platform, "owen", ref, "agree", reasons="x").status_code == 404
    assert step(platform, "olive", ref, "agree").status_code == 422  # reasons required
    declined = step(platform, "olive", ref, "decline", reasons="The branch can handle this.")
    assert declined.status_code == 200 and declined.json()["state"] == "not_agreed"
    assert declined.json()["official"] == "olive"
    timeline = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
    assert any("The branch can handle this." in e["body"] and e["author"] == "olive" for e in timeline)
    assert eventually(lambda: platform.mails_to("rachel", f"Referral not agreed: {case['reference']}"))


# -- rule 3: no referral without discussion; the member is told nothing before it is agreed ----------


def test_rule3_no_step_skips_the_discussion_and_the_member_hears_nothing(platform: Platform) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    ref = referral(platform, case)
    for action, body in (("advise_member", {}), ("submit_pack", {"pack": {"summary": "s"}}), ("confirm_pack", {})):
        user = "olive" if action == "confirm_pack" else "rachel"
        refused = step(platform, user, ref, action, **body)
        assert refused.status_code == 409, (action, refused.text)
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert refused.json()["rule"] == (3 if action == "advise_member" else 4)
        assert refused.json()["state"] == "discussion_requested"
    assert step(platform, "olive", ref, "agree", reasons="Agreed.").status_code == 200
    again = step(platform, "olive", ref, "agree", reasons="Again.")
    assert again.status_code == 409 and again.json()["rule"] == 3
    settle()
    assert not member_sees_referral(platform, case)
    assert platform.call("maria", "GET", "workflow", f"/v1/referrals/{ref['id']}").status_code == 404


# -- rule 4: pack first, confirmed by the official; only then is the member advised ------------------


def test_rule4_member_is_advised_only_after_the_pack_is_confirmed(platform: Platform) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    ref = referral(platform, case)
    advance(platform, ref, "agreed")
    early = step(platform, "rachel", ref, "advise_member")
    assert early.status_code == 409 and early.json()["rule"] == 4
    assert step(platform, "olive", ref, "request_pack").status_code == 200
    assert step(platform, "rachel", ref, "submit_pack").status_code == 422  # the pack itself is required
    pack = {"summary": "Timeline and letters attached.", "evidence_ids": []}
    assert step(platform, "rachel", ref, "submit_pack", pack=pack).json()["state"] == "pack_submitted"
    assert step(platform, "rachel", ref, "confirm_pack").json()["rule"] == 4  # not the rep's step: 403
    returned = step(platform, "olive", ref, "return_pack", reasons="Add the hearing invitation.")
    assert returned.json()["state"] == "pack_requested"
    assert step(platform, "rachel", ref, "submit_pack", pack=pack).status_code == 200
    assert step(platform, "olive", ref, "confirm_pack").json()["state"] == "pack_confirmed"
    settle()
    assert not member_sees_referral(platform, case)

    advised = step(platform, "rachel", ref, "advise_member")
    assert advised.status_code == 200 and advised.json()["member_advised_at"]
    timeline = platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
    assert any("Please contact the regional office" in e["body"] for e in timeline)
    assert not any("Add the hearing invitation" in e["body"] for e in timeline)  # reps-only history stays so
    assert eventually(lambda: platform.mails_to("maria", "Please contact the regional office"))


# -- rule 5: the same applies to referrals to the regional caseworker ---------------------------------


def test_rule5_caseworker_referrals_follow_the_same_protocol(platform: Platform) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    ref = referral(platform, case, target="regional_caseworker")
    assert platform.call("carl", "GET", "workflow", f"/v1/cases/{case['id']}").status_code == 404
    assert step(platform, "carl", ref, "agree", reasons="x").status_code == 404  # not before the official agrees
    advance(platform, ref, "agreed")
    assert platform.call("carl", "GET", "workflow", f"/v1/cases/{case['id']}").status_code == 200
    assert eventually(lambda: platform.mails_to("carl", f"Referral to you agreed: {case['reference']}"))
    advance(platform, ref, "member_advised")
    assert eventually(lambda: platform.mails_to("maria", "Please contact the regional caseworker"))
    not_official = step(platform, "olive", ref, "take_on")
    assert not_official.status_code == 403 and not_official.json()["rule"] == 5
    assert step(platform, "carl", ref, "take_on").json()["state"] == "handled_regionally"
    back = step(platform, "carl", ref, "return_to_branch", reasons="Resolved; branch to follow up.")
    assert back.json()["state"] == "returned_to_branch"


# -- rule 6: support goes to the official; only coordinators go to the caseworker directly -----------


def test_rule6_support_requests_route_by_role(platform: Platform) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    path = f"/v1/cases/{case['id']}/support-requests"
    to_official = platform.call("rachel", "POST", "workflow", path, json={"to": "official", "question": "Advice?"})
    assert to_official.status_code == 201 and to_official.json()["to"] == "official"

    rep_to_caseworker = platform.call(
        "rachel", "POST", "workflow", path, json={"to": "caseworker", "question": "Straight to you?"}
    )
    body = rep_to_caseworker.json()
    assert body["to"] == "official" and body["referred_back"] is True and "rule 6" in body["message"]
    assert eventually(lambda: platform.mails_to("rachel", "Support request passed to the official"))

    coordinator = platform.call("cora", "POST", "workflow", path, json={"to": "caseworker", "question": "Help?"})
    assert coordinator.json()["to"] == "caseworker" and coordinator.json()["referred_back"] is False

    carls = {r["id"] for r in platform.call("carl", "GET", "workflow", "/v1/support-requests").json()["items"]}
    olives = {r["id"] for r in platform.call("olive", "GET", "workflow", "/v1/support-requests").json()["items"]}
    assert coordinator.json()["id"] in carls and body["id"] not in carls and to_official.json()["id"] not in carls
    assert {to_official.json()["id"], body["id"]} <= olives and coordinator.json()["id"] not in olives

    wrong = platform.call("carl", "POST", "workflow", f"/v1/support-requests/{body['id']}/answer", json={"answer": "x"})
    # Carl can see the case (the coordinator asked him about it) but this request went to the official.
    assert wrong.status_code == 403 and wrong.json()["rule"] == 6
    answered = platform.call(
        "olive", "POST", "workflow", f"/v1/support-requests/{body['id']}/answer", json={"answer": "Call me tomorrow."}
    )
    assert answered.status_code == 200 and answered.json()["answered_by"] == "olive"
    assert eventually(lambda: platform.mails_to("rachel", f"Support answered: {case['reference']}"))
    assert platform.call("maria", "POST", "workflow", path, json={"to": "official", "question": "x"}).status_code == 403


# -- rule 7: a branch with no casework coordinator is flagged to its regional official ---------------


def test_rule7_branch_without_coordinator_is_flagged_once(platform: Platform) -> None:
    platform.create_case("ravi", "M200001", name="Sam Patel")  # south-london has no coordinator
    platform.create_case("ravi", "M200001", name="Sam Patel")
    flags = platform.call("olive", "GET", "workflow", "/v1/branch-flags").json()["items"]
    assert [f["branch"] for f in flags].count("south-london") == 1
    assert "north-london" not in {f["branch"] for f in flags}  # cora is its coordinator
    assert eventually(lambda: platform.mails_to("olive", "Branch south-london has no casework coordinator"))
    settle()
    assert len(platform.mails_to("olive", "Branch south-london has no casework coordinator")) == 1
    assert not platform.mails_to("owen", "south-london")
    assert platform.call("rachel", "GET", "workflow", "/v1/branch-flags").status_code == 403


# -- every transition: role and scope checked, a timeline entry and an audit record ------------------


def test_every_transition_is_on_the_timeline_and_in_the_audit_log(platform: Platform) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    ref = referral(platform, case)
    advance(platform, ref, "member_advised")
    assert step(platform, "olive", ref, "take_on").status_code == 200
    assert step(platform, "olive", ref, "close").status_code == 200
    actions = ["agree", "request_pack", "submit_pack", "confirm_pack", "advise_member", "take_on", "close"]
    timeline = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
    steps = [e for e in timeline if e["kind"] == "referral" and e["visibility"] == "reps"]
    assert len(steps) == 1 + len(actions)  # the discussion request, then one per transition
    assert [e["data"]["state"] for e in steps][-1] == "closed"
    ports, secrets = platform.config.ports, platform.config.secrets
    with psycopg.connect(
        host="127.0.0.1", port=ports["postgres"], dbname="casework", user="postgres", password=secrets.postgres_password
    ) as conn:
        logged = [
            r[0]
            for r in conn.execute(
                "SELECT action FROM workflow.audit_log WHERE resource = %s ORDER BY id", (f"referral:{ref['id']}",)
            )
            if r[0] != "referral.read"
        ]
    assert logged == ["referral.discussion_requested"] + [f"referral.{a}" for a in actions]
