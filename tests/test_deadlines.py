"""Deadlines on cases (docs/design.md, 'Deadlines') through workflow's REST API on the real platform: computed from the
facts a rep records with the rule set in force, recomputed when the facts change, closed by hand,
listed across cases for the people who work on them and for nobody else, announced on case.events,
and the rule set replaced by an administrator without a restart."""

from __future__ import annotations

import copy
import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from kafka import KafkaConsumer

from casework.v1 import events_pb2
from casework_common import events
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

PROBLEM = "application/problem+json"
NO_LONGER_APPLIES = "No longer follows from the case's deadline facts."
NOTICE = "Indicative only: confirm with the regional office before relying on it."

# A dismissal in England: effective date of termination 10 March 2026, ACAS Day A 1 May and Day B
# 20 May 2026, an outcome letter of 20 March 2026 giving five working days to appeal.
DISMISSAL = {
    "jurisdiction": "england_wales",
    "termination_date": "2026-03-10",
    "claim_types": ["unfair_dismissal", "breach_of_contract"],
    "acas_day_a": "2026-05-01",
    "acas_day_b": "2026-05-20",
    "outcome_letter_date": "2026-03-20",
    "appeal_window_days": 5,
    "appeal_window_working": True,
}
# Three months beginning with 10 March end on 9 June; the 19 days after Day A up to Day B are not
# counted: 28 June, later than one month after Day B (20 June), so no further extension.
UNFAIR_DISMISSAL = "2026-06-28"
BREACH_OF_CONTRACT = "2026-06-28"
# Working days from Monday 23 March 2026: the fifth is Friday 27 March.
APPEAL = "2026-03-27"
# Conciliation from 1 to 5 June 2026 instead: 9 June + 4 days = 13 June, inside the month after Day B,
# so the limit is the end of that month: 5 July 2026 (the other branch of s.207B(4)).
LATE_CONCILIATION = {"acas_day_a": "2026-06-01", "acas_day_b": "2026-06-05"}
UNFAIR_DISMISSAL_LATE_CONCILIATION = "2026-07-05"


def london_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/London")).date()


def eventually(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


def put_facts(platform: Platform, user: str | None, case_id: str, facts: dict[str, Any]) -> requests.Response:
    return platform.call(user, "PUT", "workflow", f"/v1/cases/{case_id}/deadline-facts", json=facts)


def deadlines_of(platform: Platform, user: str | None, case_id: str) -> requests.Response:
    return platform.call(user, "GET", "workflow", f"/v1/cases/{case_id}/deadlines")


def by_origin(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["origin"]: item for item in items}


def add_deadline(platform: Platform, user: str, case_id: str, **body: Any) -> requests.Response:
    return platform.call(user, "POST", "workflow", f"/v1/cases/{case_id}/deadlines", json=body)


def change(platform: Platform, user: str | None, case_id: str, deadline_id: str, **body: Any) -> requests.Response:
    return platform.call(user, "PATCH", "workflow", f"/v1/cases/{case_id}/deadlines/{deadline_id}", json=body)


def due_soon(platform: Platform, user: str | None, **params: Any) -> requests.Response:
    return platform.call(user, "GET", "workflow", "/v1/deadlines", params=params)


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


def field_errors(response: requests.Response) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.fixture
def dismissal(platform: Platform) -> dict[str, Any]:
    """maria's dismissal case, opened by rachel, with the facts recorded."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor", case_type="dismissal")
    saved = put_facts(platform, "rachel", case["id"], DISMISSAL)
    assert saved.status_code == 200, saved.text
    return {"case": case, "saved": saved.json()}


def test_a_dismissal_with_acas_dates_gets_its_tribunal_and_appeal_deadlines(
    platform: Platform, dismissal: dict[str, Any]
) -> None:
    case, saved = dismissal["case"], dismissal["saved"]
    in_force = platform.call("rachel", "GET", "workflow", "/v1/deadline-rules").json()
    assert saved["rule_set"]["version"] == in_force["version"]
    assert saved["recomputed"] == {"added": 3, "updated": 0, "withdrawn": 0}
    facts = saved["facts"]
    assert facts["recorded"] and facts["updated_by"] == "rachel" and facts["acas_day_b"] == "2026-05-20"
    assert facts["claim_types"] == ["unfair_dismissal", "breach_of_contract"]

    listed = deadlines_of(platform, "rachel", case["id"])
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert items == saved["deadlines"]
    # Most urgent first: the appeal, then both claims (same day, by label).
    assert [(i["origin"], i["due_on"]) for i in items] == [
        ("rule:appeal", APPEAL),
        ("rule:tribunal_claim:breach_of_contract", BREACH_OF_CONTRACT),
        ("rule:tribunal_claim:unfair_dismissal", UNFAIR_DISMISSAL),
    ]
    today = london_today()
    for item in items:
        assert item["state"] == "open" and item["indicative"] and item["notice"] == NOTICE
        assert item["rule_set"] == in_force["version"]
        assert item["days_left"] == (dt.date.fromisoformat(item["due_on"]) - today).days
        assert item["computation"] and item["source"]["url"].startswith("https://")
    unfair = by_origin(items)["rule:tribunal_claim:unfair_dismissal"]
    assert unfair["kind"] == "tribunal_claim" and unfair["label"] == "Tribunal claim: unfair dismissal"
    assert unfair["source"]["citation"] == "s.111(2)(a)" and unfair["visibility"] == "reps"
    steps = " ".join(unfair["computation"])
    assert "10 March 2026" in steps and "28 June 2026" in steps and "1 May 2026" in steps
    assert by_origin(items)["rule:appeal"]["visibility"] == "member"

    # Each deadline is on the timeline: reps-only unless the member may see the deadline.
    entries = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
    deadline_entries = [e for e in entries if e["kind"] == "deadline"]
    assert {e["data"]["deadline_id"] for e in deadline_entries} == {i["id"] for i in items}
    assert {e["visibility"] for e in deadline_entries if e["data"]["source"] == "rule:appeal"} == {"member"}
    assert any(e["kind"] == "deadline_facts" and e["visibility"] == "reps" for e in entries)
    member_entries = platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
    assert {e["data"]["source"] for e in member_entries if e["kind"] == "deadline"} == {"rule:appeal"}

    # ...and in the audit log, in the same transactions.
    with platform.superuser_db() as db:
        actions = [
            row[0]
            for row in db.execute(
                "SELECT action FROM workflow.audit_log WHERE case_id = %s ORDER BY id", (case["id"],)
            ).fetchall()
        ]
    assert actions.count("deadline.create") == 3 and actions.count("deadline_facts.update") == 1

    # The facts read back as recorded; the same facts again change nothing.
    read = platform.call("cora", "GET", "workflow", f"/v1/cases/{case['id']}/deadline-facts")
    assert read.status_code == 200 and read.json() == facts
    again = put_facts(platform, "rachel", case["id"], DISMISSAL).json()
    assert again["recomputed"] == {"added": 0, "updated": 0, "withdrawn": 0}
    assert [i["updated_at"] for i in again["deadlines"]] == [i["updated_at"] for i in items]


def test_dates_typed_as_people_write_them_give_the_same_deadlines(platform: Platform) -> None:
    case = platform.create_case("rachel", unique_number())
    typed = {
        **DISMISSAL,
        "termination_date": "10 March 2026",
        "acas_day_a": "01/05/2026",
        "acas_day_b": "Wednesday 20th May 2026",
        "outcome_letter_date": "20.3.2026",
    }
    saved = put_facts(platform, "rachel", case["id"], typed)
    assert saved.status_code == 200, saved.text
    assert saved.json()["facts"]["termination_date"] == DISMISSAL["termination_date"]
    unfair = by_origin(saved.json()["deadlines"])["rule:tribunal_claim:unfair_dismissal"]
    assert unfair["due_on"] == UNFAIR_DISMISSAL
    refused = put_facts(platform, "rachel", case["id"], {**DISMISSAL, "acas_day_b": "31/02/2026"})
    assert "Not a real date" in field_errors(refused)["acas_day_b"]


def test_changed_facts_update_withdraw_and_bring_back_deadlines_but_never_touch_met_ones(
    platform: Platform, dismissal: dict[str, Any]
) -> None:
    case_id = dismissal["case"]["id"]
    first = by_origin(dismissal["saved"]["deadlines"])
    # Breach of contract dropped, conciliation later: unfair dismissal moves, breach is withdrawn.
    changed_facts = {**DISMISSAL, **LATE_CONCILIATION, "claim_types": ["unfair_dismissal"]}
    saved = put_facts(platform, "rachel", case_id, changed_facts)
    assert saved.status_code == 200, saved.text
    assert saved.json()["recomputed"] == {"added": 0, "updated": 1, "withdrawn": 1}
    now = by_origin(saved.json()["deadlines"])
    unfair = now["rule:tribunal_claim:unfair_dismissal"]
    assert unfair["id"] == first["rule:tribunal_claim:unfair_dismissal"]["id"]
    assert unfair["due_on"] == UNFAIR_DISMISSAL_LATE_CONCILIATION and unfair["state"] == "open"
    assert "5 July 2026" in " ".join(unfair["computation"])
    breach = now["rule:tribunal_claim:breach_of_contract"]
    assert breach["state"] == "withdrawn" and breach["state_reason"] == NO_LONGER_APPLIES
    assert now["rule:appeal"]["updated_at"] == first["rule:appeal"]["updated_at"]  # unchanged
    # Open ones first, then the withdrawn one.
    assert [i["state"] for i in saved.json()["deadlines"]] == ["open", "open", "withdrawn"]

    # The rep presents the claim: marked met, it stays as it was whatever the facts say later.
    met = change(platform, "rachel", case_id, unfair["id"], state="met", reason="Claim presented online.")
    assert met.status_code == 200, met.text
    assert met.json()["state"] == "met" and met.json()["state_changed_by"] == "rachel"
    back = put_facts(platform, "cora", case_id, {**DISMISSAL})
    assert back.status_code == 200, back.text
    assert back.json()["recomputed"] == {"added": 0, "updated": 1, "withdrawn": 0}
    after = by_origin(back.json()["deadlines"])
    assert after["rule:tribunal_claim:unfair_dismissal"]["state"] == "met"
    assert after["rule:tribunal_claim:unfair_dismissal"]["due_on"] == UNFAIR_DISMISSAL_LATE_CONCILIATION
    # Breach of contract considered again: the same deadline is open again (a recompute withdrew it).
    assert after["rule:tribunal_claim:breach_of_contract"]["id"] == breach["id"]
    assert after["rule:tribunal_claim:breach_of_contract"]["state"] == "open"
    # A deadline a rep withdrew by hand stays withdrawn when a recompute finds it again.
    withdrawn = change(platform, "rachel", case_id, breach["id"], state="withdrawn", reason="Member settled it.")
    assert withdrawn.status_code == 200 and withdrawn.json()["state_reason"] == "Member settled it."
    still = by_origin(
        put_facts(platform, "rachel", case_id, {**DISMISSAL, "appeal_window_days": 7}).json()["deadlines"]
    )
    assert still["rule:tribunal_claim:breach_of_contract"]["state"] == "withdrawn"
    assert still["rule:appeal"]["due_on"] == "2026-03-31"  # seven working days from 23 March
    # Reopened by hand: open again.
    reopened = change(platform, "rachel", case_id, breach["id"], state="open")
    assert reopened.status_code == 200 and reopened.json()["state"] == "open"


def test_hand_entered_deadlines_and_who_sees_them(platform: Platform, dismissal: dict[str, Any]) -> None:
    case_id = dismissal["case"]["id"]
    due = london_today() + dt.timedelta(days=9)
    added = add_deadline(
        platform, "rachel", case_id, kind="other", label="Reply to the grievance letter", due_on=due.isoformat()
    )
    assert added.status_code == 201, added.text
    manual = added.json()
    assert manual["origin"].startswith("manual:") and manual["visibility"] == "reps" and not manual["indicative"]
    assert manual["days_left"] == 9 and manual["notice"] is None and manual["source"] is None

    # The member sees only the member-visible deadlines, without the staff's notes on them.
    member = deadlines_of(platform, "maria", case_id)
    assert member.status_code == 200, member.text
    assert [i["origin"] for i in member.json()["items"]] == ["rule:appeal"]
    assert "state_reason" not in member.json()["items"][0]
    shown = change(platform, "rachel", case_id, manual["id"], visibility="member")
    assert shown.status_code == 200 and shown.json()["visibility"] == "member"
    assert manual["id"] in {i["id"] for i in deadlines_of(platform, "maria", case_id).json()["items"]}
    # ...and may not record facts, enter, or change deadlines.
    assert_problem(put_facts(platform, "maria", case_id, DISMISSAL), 403)
    assert_problem(platform.call("maria", "GET", "workflow", f"/v1/cases/{case_id}/deadline-facts"), 403)
    assert_problem(add_deadline(platform, "maria", case_id, kind="other", label="x", due_on=due.isoformat()), 403)
    assert_problem(change(platform, "maria", case_id, manual["id"], state="met"), 403)

    # Outsiders learn nothing: a rep of another branch, a rep of the branch not on the case, the
    # member of another case, an administrator; and nobody without a token.
    for outsider in ("ravi", "raj", "mark", "sam", "ada", "olive", "owen"):
        assert_problem(deadlines_of(platform, outsider, case_id), 404)
        assert_problem(put_facts(platform, outsider, case_id, DISMISSAL), 404)
        assert_problem(platform.call(outsider, "GET", "workflow", f"/v1/cases/{case_id}/deadline-facts"), 404)
        assert_problem(change(platform, outsider, case_id, manual["id"], state="met"), 404)
    assert_problem(deadlines_of(platform, None, case_id), 401)
    assert_problem(put_facts(platform, None, case_id, DISMISSAL), 401)
    assert_problem(due_soon(platform, None), 401)
    # A deadline id of another case, or none at all, is not found on this one.
    other = platform.create_case("rachel", unique_number(), case_type="dismissal")
    assert_problem(change(platform, "rachel", other["id"], manual["id"], state="met"), 404)
    assert_problem(change(platform, "rachel", case_id, str(uuid.uuid4()), state="met"), 404)
    assert_problem(change(platform, "rachel", case_id, "not-an-id", state="met"), 404)


def read_deadline_events(platform: Platform, deadline_id: str) -> list[events_pb2.DeadlineChanged]:
    consumer = KafkaConsumer(
        events.CASE_EVENTS,
        bootstrap_servers=f"127.0.0.1:{platform.config.ports['kafka']}",
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
    )
    found = []
    try:
        for record in consumer:
            event = events.unpack(record.value)
            if event.type_name == "casework.v1.DeadlineChanged":
                change_ = event.unpack(events_pb2.DeadlineChanged)
                if change_.deadline_id == deadline_id:
                    found.append(change_)
    finally:
        consumer.close()
    return found


def test_the_next_days_across_cases_for_those_who_work_on_them_and_the_events(platform: Platform) -> None:
    case = platform.create_case("rachel", unique_number(), case_type="dismissal")
    soon = london_today() + dt.timedelta(days=5)
    later = london_today() + dt.timedelta(days=40)
    overdue = london_today() - dt.timedelta(days=2)
    created = {
        label: add_deadline(platform, "rachel", case["id"], kind="appeal", label=label, due_on=day.isoformat())
        for label, day in (("Appeal soon", soon), ("Appeal later", later), ("Appeal overdue", overdue))
    }
    assert all(r.status_code == 201 for r in created.values()), [r.text for r in created.values()]
    ids = {label: r.json()["id"] for label, r in created.items()}

    def listed(user: str, **params: Any) -> list[str]:
        response = due_soon(platform, user, **params)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"] if i["case_id"] == case["id"]]

    # The rep on the case and the branch coordinator: overdue first, then the one due in five days.
    for user in ("rachel", "cora"):
        assert listed(user) == [ids["Appeal overdue"], ids["Appeal soon"]], user
    assert listed("cora", within_days=60) == [ids["Appeal overdue"], ids["Appeal soon"], ids["Appeal later"]]
    item = next(i for i in due_soon(platform, "cora").json()["items"] if i["id"] == ids["Appeal soon"])
    assert item["case_reference"] == case["reference"] and item["days_left"] == 5
    # Not brought to the region yet: its official sees nothing; other reps never do.
    for user in ("olive", "owen", "carl", "raj", "ravi"):
        assert listed(user) == [], user
    for user in ("maria", "ada"):
        assert_problem(due_soon(platform, user), 403)

    # The branch asks the regional official to discuss a referral: now the official sees them, and
    # only the region's official (not another region's).
    referral = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/referrals",
        json={"target": "regional_office", "reason": "Tribunal claim likely."},
    )
    assert referral.status_code == 201, referral.text
    assert listed("olive") == [ids["Appeal overdue"], ids["Appeal soon"]]
    assert listed("owen") == [] and listed("carl") == []
    agreed = platform.call(
        "olive",
        "POST",
        "workflow",
        f"/v1/referrals/{referral.json()['id']}/transitions",
        json={"action": "agree", "reasons": "Agreed."},
    )
    assert agreed.status_code == 200, agreed.text

    # Every change is a DeadlineChanged on case.events; the official who agreed the referral is named.
    met = change(platform, "olive", case["id"], ids["Appeal soon"], state="met", reason="Appeal lodged.")
    assert met.status_code == 200, met.text
    assert listed("cora") == [ids["Appeal overdue"]]
    announced = eventually(
        lambda: [
            e for e in read_deadline_events(platform, ids["Appeal soon"]) if e.state == events_pb2.DEADLINE_STATE_MET
        ]
    )
    assert announced, "no DeadlineChanged for the met deadline on case.events"
    all_events = read_deadline_events(platform, ids["Appeal soon"])
    first, last = all_events[0], announced[-1]
    assert first.state == events_pb2.DEADLINE_STATE_OPEN and first.officials == []
    assert last.case.case_id == case["id"] and last.case.reference == case["reference"]
    assert list(last.case.reps) == ["rachel"] and list(last.officials) == ["olive"]
    assert last.kind == events_pb2.DEADLINE_KIND_APPEAL and last.label == "Appeal soon"
    assert last.due_on == soon.isoformat() and last.visibility == events_pb2.VISIBILITY_REPS
    assert not last.indicative and last.version > first.version


def test_invalid_and_hostile_input_gets_precise_problems(platform: Platform, dismissal: dict[str, Any]) -> None:
    case_id = dismissal["case"]["id"]
    errors = field_errors(put_facts(platform, "rachel", case_id, {**DISMISSAL, "acas_day_b": "2026-04-30"}))
    assert "before Day A" in errors["acas_day_b"]
    errors = field_errors(put_facts(platform, "rachel", case_id, {**DISMISSAL, "acas_day_a": None}))
    assert "without Day A" in errors["acas_day_b"]
    errors = field_errors(put_facts(platform, "rachel", case_id, {**DISMISSAL, "termination_date": "2026-02-30"}))
    assert set(errors) == {"termination_date"}
    errors = field_errors(put_facts(platform, "rachel", case_id, {**DISMISSAL, "act_date": "1066-10-14"}))
    assert "between" in errors["act_date"]
    far = (london_today() + dt.timedelta(days=800)).isoformat()
    assert (
        "between"
        in field_errors(put_facts(platform, "rachel", case_id, {**DISMISSAL, "termination_date": far}))[
            "termination_date"
        ]
    )
    assert "jurisdiction" in field_errors(put_facts(platform, "rachel", case_id, {**DISMISSAL, "jurisdiction": "mars"}))
    assert "appeal_window_days" in field_errors(
        put_facts(platform, "rachel", case_id, {**DISMISSAL, "appeal_window_days": 0})
    )
    assert "surprise" in field_errors(put_facts(platform, "rachel", case_id, {**DISMISSAL, "surprise": 1}))
    twice = field_errors(
        put_facts(platform, "rachel", case_id, {**DISMISSAL, "claim_types": ["unfair_dismissal", "unfair_dismissal"]})
    )
    assert "more than once" in twice["claim_types"]
    # An unknown claim type: the answer lists the valid ones.
    rules = platform.call("rachel", "GET", "workflow", "/v1/deadline-rules").json()
    valid = [c["key"] for c in rules["claim_types"]]
    unknown = put_facts(platform, "rachel", case_id, {**DISMISSAL, "claim_types": ["unfair_dismissal", "wrongful"]})
    body = assert_problem(unknown, 422)
    [error] = body["errors"]
    assert error["field"] == "claim_types.1" and error["valid"] == valid
    assert all(key in error["message"] for key in valid)
    bad_key = field_errors(put_facts(platform, "rachel", case_id, {**DISMISSAL, "claim_types": ["<script>"]}))
    assert "claim_types.0" in bad_key
    # Not JSON, not an object, a control character.
    not_json = platform.api("rachel").put(
        f"{platform.url('workflow')}/v1/cases/{case_id}/deadline-facts",
        data="{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert_problem(not_json, 422)
    assert_problem(put_facts(platform, "rachel", case_id, ["england_wales"]), 422)  # type: ignore[arg-type]
    assert_problem(add_deadline(platform, "rachel", case_id, kind="other", label="a\u0000b", due_on="2026-12-24"), 422)
    # Nothing refused was recorded: the facts are as the fixture put them.
    facts = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case_id}/deadline-facts").json()
    assert facts["acas_day_b"] == DISMISSAL["acas_day_b"] and facts["claim_types"] == DISMISSAL["claim_types"]

    # Hand-entered deadlines: only appeal and other kinds, a label, a plausible date.
    assert "kind" in field_errors(
        add_deadline(platform, "rachel", case_id, kind="tribunal_claim", label="x", due_on="2026-12-24")
    )
    assert "label" in field_errors(
        add_deadline(platform, "rachel", case_id, kind="other", label="", due_on="2026-12-24")
    )
    assert "label" in field_errors(
        add_deadline(platform, "rachel", case_id, kind="other", label="x" * 201, due_on="2026-12-24")
    )
    # One line: a label goes into reminder subjects and calendar entries.
    multi_line = field_errors(
        add_deadline(
            platform, "rachel", case_id, kind="other", label="Appeal\r\nBcc: x@example.org", due_on="2026-12-24"
        )
    )
    assert "one line" in multi_line["label"], multi_line
    assert "due_on" in field_errors(add_deadline(platform, "rachel", case_id, kind="other", label="x", due_on="soon"))
    assert field_errors(add_deadline(platform, "rachel", case_id, kind="other", label="x", due_on="3026-01-01"))
    # Changes: a known state, something to change.
    some = dismissal["saved"]["deadlines"][0]["id"]
    assert "state" in field_errors(change(platform, "rachel", case_id, some, state="done"))
    assert field_errors(change(platform, "rachel", case_id, some, reason="just a reason"))
    assert "state" in field_errors(change(platform, "rachel", case_id, some, state=None))
    # The window of the list across cases.
    for bad in ("0", "367", "-1", "a week", "1e3"):
        assert "within_days" in field_errors(due_soon(platform, "cora", within_days=bad)), bad
    assert "surprise" in field_errors(due_soon(platform, "cora", surprise="1"))


def count_deadline_entries(platform: Platform, case_id: str) -> int:
    """How many deadline entries the case's timeline holds."""
    with platform.superuser_db() as db:
        query = "SELECT count(*) FROM workflow.timeline_entries WHERE case_id = %s AND kind = 'deadline'"
        return db.execute(query, (case_id,)).fetchone()[0]


@pytest.fixture
def restore_rules(platform: Platform) -> Iterator[dict[str, Any]]:
    """The rule set in force before the test, put back in force afterwards (same version, same rules)."""
    before = platform.call("ada", "GET", "workflow", "/v1/deadline-rules").json()
    yield before
    restored = platform.call("ada", "PUT", "workflow", "/v1/deadline-rules", json=before["document"])
    assert restored.status_code == 201, restored.text
    assert platform.call("ada", "GET", "workflow", "/v1/deadline-rules").json()["version"] == before["version"]


def test_an_administrator_uploads_a_rule_set_that_applies_without_a_restart(
    platform: Platform, dismissal: dict[str, Any], restore_rules: dict[str, Any]
) -> None:
    case_id = dismissal["case"]["id"]
    document = copy.deepcopy(restore_rules["document"])
    version = f"test-{uuid.uuid4().hex[:8]}"
    document["version"] = version
    for rule in document["claim_types"]["unfair_dismissal"]["rules"]:
        if rule["period_months"] == 3:
            rule["period_months"] = 4
    # Only administrators upload; what is invalid is named; a used version id is never overwritten.
    assert_problem(platform.call("rachel", "PUT", "workflow", "/v1/deadline-rules", json=document), 403)
    assert_problem(platform.call("maria", "PUT", "workflow", "/v1/deadline-rules", json=document), 403)
    broken = copy.deepcopy(document)
    broken["claim_types"]["unfair_dismissal"]["rules"][0]["period_months"] = 0
    del broken["title"]
    errors = field_errors(platform.call("ada", "PUT", "workflow", "/v1/deadline-rules", json=broken))
    assert "title" in errors and any(f.startswith("claim_types.unfair_dismissal.rules[0]") for f in errors), errors
    reused = {**document, "version": restore_rules["version"]}
    assert_problem(platform.call("ada", "PUT", "workflow", "/v1/deadline-rules", json=reused), 409)

    before = by_origin(deadlines_of(platform, "rachel", case_id).json()["items"])
    entries_before = count_deadline_entries(platform, case_id)
    uploaded = platform.call("ada", "PUT", "workflow", "/v1/deadline-rules", json=document)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["version"] == version and uploaded.json()["origin"] == "database"
    assert uploaded.json()["uploaded_by"] == "ada"
    assert platform.call("rachel", "GET", "workflow", "/v1/deadline-rules").json()["version"] == version
    history = platform.call("ada", "GET", "workflow", "/v1/deadline-rules/versions")
    assert history.status_code == 200
    assert history.json()["items"][0] == {**history.json()["items"][0], "version": version, "in_force": True}
    assert history.json()["items"][-1]["origin"] == "packaged"
    assert_problem(platform.call("maria", "GET", "workflow", "/v1/deadline-rules/versions"), 403)
    # The administrator sees no case content, before or after.
    assert_problem(deadlines_of(platform, "ada", case_id), 404)

    # The case's stored deadline is recomputed with it by workflow's background loop, without its
    # facts being saved again: four months beginning with 10 March 2026 end on 9 July 2026, + 19 days
    # of conciliation = 28 July 2026 (it was 28 June 2026 under three months).
    waited = time.monotonic() + 60
    while True:
        stored = by_origin(deadlines_of(platform, "rachel", case_id).json()["items"])
        unfair = stored["rule:tribunal_claim:unfair_dismissal"]
        if unfair["rule_set"] == version:
            break
        assert time.monotonic() < waited, f"the stored deadline was never recomputed with {version}: {unfair}"
        time.sleep(0.5)
    assert unfair["due_on"] == "2026-07-28" and unfair["state"] == "open"
    assert "four months" in " ".join(unfair["computation"])
    # Only the moved date is news: the other open deadlines (the member-visible appeal among them) keep
    # their dates, are explained by the new version, and bring no timeline entry, event or notification.
    kept = {o for o, d in before.items() if o.startswith("rule:") and d["state"] == "open"} - {unfair["origin"]}
    assert "rule:appeal" in kept, sorted(kept)
    for same in kept:
        assert stored[same]["rule_set"] == version and stored[same]["due_on"] == before[same]["due_on"]
        assert stored[same]["updated_at"] == before[same]["updated_at"], same
    assert count_deadline_entries(platform, case_id) == entries_before + 1
    with platform.superuser_db() as db:
        actions = db.execute(
            "SELECT actor, action, detail->>'rule_set' FROM workflow.audit_log WHERE case_id = %s "
            "AND actor = 'workflow' ORDER BY id",
            (case_id,),
        ).fetchall()
    assert ("workflow", "deadline.update", None) in actions and ("workflow", "deadline.recompute", version) in actions
    facts_after = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case_id}/deadline-facts").json()
    assert facts_after["updated_by"] == "rachel"  # the facts themselves were not touched

    # The next computation uses it too.
    saved = put_facts(platform, "rachel", case_id, DISMISSAL)
    assert saved.status_code == 200, saved.text
    assert saved.json()["rule_set"]["version"] == version
    unfair = by_origin(saved.json()["deadlines"])["rule:tribunal_claim:unfair_dismissal"]
    assert unfair["due_on"] == "2026-07-28" and unfair["rule_set"] == version
    assert "four months" in " ".join(unfair["computation"])
