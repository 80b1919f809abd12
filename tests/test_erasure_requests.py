"""Legal holds, the retention dry run, erasure requests and rectification (workflow's side;
docs/design.md, 'Retention, legal holds and erasure'), on the real platform: who may do what, refusals
with their reason (a legal hold; a case still open), an accepted request carried out in workflow's own
rows at once, a member's details corrected on all their cases (their name not while one is held). Dana is
the data-protection officer; the cross-store removal is tests/test_retention.py."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest
import requests
from kafka import KafkaProducer

import testdocs
from casework.v1 import events_pb2
from casework_common import events, kafka
from casework_common.vocabulary import DATA_KINDS
from casework_local.services import SERVICES, service_env
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

PROBLEM = "application/problem+json"
DP = "/v1/data-protection"


def closed_case(platform: Platform, number: str | None = None, **extra: Any) -> dict[str, Any]:
    case = platform.create_case(
        "rachel",
        number or unique_number(),
        name="Erin Erasable",
        allegations=["lateness"],
        allegation_details="Late on three Mondays: Erin's bus was cancelled.",
        **extra,
    )
    note = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/timeline",
        json={"kind": "note", "body": "Erin phoned about her daughter's illness.", "visibility": "reps"},
    )
    assert note.status_code == 201, note.text
    closing = platform.call(
        "rachel",
        "PATCH",
        "workflow",
        f"/v1/cases/{case['id']}",
        json={"status": "closed", "outcome": "written_warning", "sanction": "Warning for 6 months, Erin upset"},
    )
    assert closing.status_code == 200, closing.text
    return closing.json()


def row(platform: Platform, sql: str, *params: Any) -> Any:
    with platform.superuser_db() as conn:
        return conn.execute(sql, params).fetchone()


def platform_rows(platform: Platform, sql: str, *params: Any) -> list[Any]:
    with platform.superuser_db() as conn:
        return conn.execute(sql, params).fetchall()


def audit_actions(platform: Platform, case_id: str) -> list[str]:
    with platform.superuser_db() as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT action FROM workflow.audit_log WHERE case_id = %s ORDER BY id", (case_id,)
            ).fetchall()
        ]


def hold(
    platform: Platform, user: str | None, case_id: str, reason: str = "Tribunal claim lodged"
) -> requests.Response:
    return platform.call(user, "PUT", "workflow", f"/v1/cases/{case_id}/legal-hold", json={"reason": reason})


def erase(platform: Platform, user: str | None, case_id: str, reason: str = "Member wrote in") -> requests.Response:
    return platform.call(
        user, "POST", "workflow", f"{DP}/erasure-requests", json={"case_id": case_id, "reason": reason}
    )


def test_closing_a_case_starts_the_retention_clock_and_reopening_stops_it(platform: Platform) -> None:
    case = closed_case(platform)
    closed_at = row(platform, "SELECT closed_at FROM workflow.cases WHERE id = %s", case["id"])[0]
    assert closed_at is not None and abs(closed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    reopened = platform.call("rachel", "PATCH", "workflow", f"/v1/cases/{case['id']}", json={"status": "open"})
    assert reopened.status_code == 200, reopened.text
    assert row(platform, "SELECT closed_at FROM workflow.cases WHERE id = %s", case["id"])[0] is None


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("olive", 200),  # an official of the case's region
        ("ada", 200),
        ("dana", 200),
        ("owen", 404),  # an official of another region
        ("rachel", 403),
        ("cora", 403),
        ("carl", 403),
        ("maria", 403),
        (None, 401),
    ],
)
def test_who_may_set_and_release_a_legal_hold(platform: Platform, user: str | None, expected: int) -> None:
    case = platform.create_case("rachel", unique_number())
    response = hold(platform, user, case["id"])
    assert response.status_code == expected, response.text
    if expected != 200:
        assert response.headers["Content-Type"] == PROBLEM
        assert platform.call("dana", "GET", "workflow", f"/v1/cases/{case['id']}/legal-hold").json()["held"] is False
        return
    assert response.json() | {"set_at": None} == {
        "case_id": case["id"],
        "held": True,
        "reason": "Tribunal claim lodged",
        "set_by": user,
        "set_at": None,
    }
    released = platform.call(user, "DELETE", "workflow", f"/v1/cases/{case['id']}/legal-hold")
    assert released.status_code == 200 and released.json()["held"] is False, released.text
    again = platform.call(user, "DELETE", "workflow", f"/v1/cases/{case['id']}/legal-hold")
    assert again.status_code == 404
    actions = audit_actions(platform, case["id"])
    assert "dataprotection.legal_hold_set" in actions and "dataprotection.legal_hold_released" in actions


@pytest.mark.parametrize("user", ["rachel", "cora", "olive", "carl", "maria", "ada", None])
def test_only_the_dpo_handles_erasure_and_rectification(platform: Platform, user: str | None) -> None:
    number = unique_number()
    case = closed_case(platform, number)
    expected = 401 if user is None else 403
    responses = {
        "erasure request": erase(platform, user, case["id"]),
        "erasure requests": platform.call(user, "GET", "workflow", f"{DP}/erasure-requests"),
        "rectification": platform.call(user, "PATCH", "workflow", f"{DP}/members/{number}", json={"name": "X Y"}),
    }
    for what, response in responses.items():
        assert response.status_code == expected, (what, response.text)
        assert response.headers["Content-Type"] == PROBLEM
    due = platform.call(user, "GET", "workflow", f"{DP}/retention/due")
    assert due.status_code == (200 if user == "ada" else expected), due.text
    # Nothing happened to the case.
    assert row(platform, "SELECT member_name FROM workflow.cases WHERE id = %s", case["id"])[0] == "Erin Erasable"


def test_the_dpo_sees_no_case_content_through_the_ordinary_endpoints(platform: Platform) -> None:
    case = closed_case(platform)
    for path in (f"/v1/cases/{case['id']}", f"/v1/cases/{case['id']}/timeline", f"/v1/cases/{case['id']}/summary"):
        assert platform.call("dana", "GET", "workflow", path).status_code == 404, path
    listing = platform.call("dana", "GET", "workflow", "/v1/cases", params={"limit": 200})
    assert listing.status_code == 200 and listing.json()["items"] == []
    assert platform.call("dana", "GET", "intake", f"/v1/cases/{case['id']}/evidence").status_code == 404


def test_an_erasure_request_under_a_legal_hold_is_refused_with_the_reason_and_recorded(platform: Platform) -> None:
    case = closed_case(platform)
    assert hold(platform, "olive", case["id"], "Employment tribunal claim 2301234/2026 is live").status_code == 200
    refused = erase(platform, "dana", case["id"])
    assert refused.status_code == 409 and refused.headers["Content-Type"] == PROBLEM, refused.text
    problem = refused.json()
    assert problem["refusal"] == "legal_hold"
    assert "legal hold" in problem["detail"] and "2301234/2026" in problem["detail"]
    recorded = platform.call("dana", "GET", "workflow", f"{DP}/erasure-requests/{problem['request_id']}").json()
    assert (recorded["decision"], recorded["kinds"], recorded["done"]) == ("refused", [], False)
    assert recorded["refusal_reason"] == problem["detail"]
    assert "dataprotection.erasure_refused" in audit_actions(platform, case["id"])
    assert row(platform, "SELECT member_name FROM workflow.cases WHERE id = %s", case["id"])[0] == "Erin Erasable"


def test_an_erasure_request_for_an_open_case_is_refused_the_union_still_acts_for_the_member(
    platform: Platform,
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Olga Open")
    refused = erase(platform, "dana", case["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["refusal"] == "case_open" and "still open" in refused.json()["detail"]
    assert "dataprotection.erasure_refused" in audit_actions(platform, case["id"])
    assert platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}").json()["member"]["name"] == "Olga Open"
    assert erase(platform, "dana", "0b1e6f6a-3c4d-4e5f-8a9b-0c1d2e3f4a5b").status_code == 404


def test_an_accepted_erasure_request_removes_workflows_copies_at_once(platform: Platform) -> None:
    number = unique_number()
    case = closed_case(platform, number, summary="Erin's manager is her ex-partner.")
    member = requests.Session()
    member.headers["Authorization"] = "Bearer " + platform.forge("maria", membership_number=number)
    assert member.get(f"{platform.url('workflow')}/v1/cases/{case['id']}", timeout=10).status_code == 200

    accepted = erase(platform, "dana", case["id"], "Erin asked in writing on 3 May")
    assert accepted.status_code == 201, accepted.text
    body = accepted.json()
    assert accepted.headers["Location"] == f"{DP}/erasure-requests/{body['id']}"
    assert body["decision"] == "accepted" and body["case_id"] == case["id"]
    kinds = {k["kind"]: k for k in body["kinds"]}
    assert set(kinds) == {
        "case_record",
        "timeline",
        "evidence_originals",
        "page_texts",
        "search_documents",
        "notifications",
        "bundles",
    }
    assert kinds["timeline"] == kinds["timeline"] | {"holders": {"workflow": True}, "done": True, "reason": "request"}
    assert kinds["case_record"]["holders"]["workflow"] is True  # search answers for its copy

    stored = row(
        platform,
        "SELECT member_name, membership_number, member_email, allegation_details, summary, sanction, "
        "case_type, outcome, employer, allegations, branch FROM workflow.cases WHERE id = %s",
        case["id"],
    )
    assert stored[:6] == ("(erased)", "", None, "", "", None)
    assert stored[6:] == ("disciplinary", "written_warning", "Metro Transit Ltd", ["lateness"], "north-london")
    assert row(platform, "SELECT count(*) FROM workflow.timeline_entries WHERE case_id = %s", case["id"])[0] == 0
    assert row(platform, "SELECT count(*) FROM workflow.case_reps WHERE case_id = %s", case["id"])[0] == 0
    # The member's own token no longer reaches it; the branch coordinator sees an anonymised record.
    assert member.get(f"{platform.url('workflow')}/v1/cases/{case['id']}", timeout=10).status_code == 404
    seen = platform.call("cora", "GET", "workflow", f"/v1/cases/{case['id']}").json()
    assert seen["member"]["name"] == "(erased)" and "Erin" not in str(seen)
    actions = audit_actions(platform, case["id"])
    assert {"dataprotection.erased", "dataprotection.erasure_due", "dataprotection.erasure_requested"} <= set(actions)

    listed = platform.call("dana", "GET", "workflow", f"{DP}/erasure-requests").json()["items"]
    assert body["id"] in [r["id"] for r in listed]
    # A second request finds nothing more to start.
    again = erase(platform, "dana", case["id"])
    assert again.status_code == 201 and {k["kind"] for k in again.json()["kinds"]} == set(kinds)


def test_the_dry_run_says_what_would_go_and_changes_nothing(platform: Platform) -> None:
    old = closed_case(platform)
    held = closed_case(platform)
    recent = closed_case(platform)
    with platform.superuser_db() as conn:
        conn.execute(
            "UPDATE workflow.cases SET closed_at = now() - interval '7 years' WHERE id = ANY(%s)",
            ([uuid.UUID(old["id"]), uuid.UUID(held["id"])],),
        )
    assert hold(platform, "dana", held["id"]).status_code == 200
    before = row(platform, "SELECT member_name, summary, sanction FROM workflow.cases WHERE id = %s", old["id"])

    due = platform.call("dana", "GET", "workflow", f"{DP}/retention/due")
    assert due.status_code == 200, due.text
    items = {i["case_id"]: i for i in due.json()["items"]}
    assert old["id"] in items and held["id"] not in items and recent["id"] not in items
    assert due.json()["held"] >= 1
    assert {k["kind"] for k in items[old["id"]]["kinds"]} == {
        "case_record",
        "timeline",
        "evidence_originals",
        "page_texts",
        "search_documents",
        "notifications",
        "bundles",
    }
    assert items[old["id"]]["reference"] == old["reference"]
    # As of seven years on, the recent case would go too.
    later = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7 * 366)).isoformat()
    future = platform.call("ada", "GET", "workflow", f"{DP}/retention/due", params={"as_of": later}).json()
    assert recent["id"] in {i["case_id"] for i in future["items"]}
    assert held["id"] not in {i["case_id"] for i in future["items"]}
    # Nothing changed.
    after = row(platform, "SELECT member_name, summary, sanction FROM workflow.cases WHERE id = %s", old["id"])
    assert after == before
    assert row(platform, "SELECT count(*) FROM workflow.data_erasures WHERE case_id = %s", old["id"])[0] == 0
    assert row(platform, "SELECT count(*) FROM workflow.timeline_entries WHERE case_id = %s", old["id"])[0] > 0
    with platform.superuser_db() as conn:
        runs = conn.execute(
            "SELECT detail FROM workflow.audit_log WHERE action = 'dataprotection.retention_run' "
            "AND actor = 'dana' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert runs is not None and runs[0]["dry_run"] is True
    # Not under retention for the rest of the session's tests: put the clock back.
    with platform.superuser_db() as conn:
        conn.execute("UPDATE workflow.cases SET closed_at = now() WHERE id = %s", (old["id"],))


def test_rectification_corrects_the_member_on_all_their_cases(platform: Platform) -> None:
    number = unique_number()
    first = platform.create_case("rachel", number, name="Jon Smiht")
    second = closed_case(platform, number)
    other = platform.create_case("rachel", unique_number(), name="Jon Smiht")
    member = requests.Session()
    member.headers["Authorization"] = "Bearer " + platform.forge("maria", membership_number=number)
    asked = member.post(f"{platform.url('workflow')}/v1/enquiries", json={"message": "Any news?"}, timeout=10)
    assert asked.status_code == 201, asked.text
    fixed = platform.call(
        "dana",
        "PATCH",
        "workflow",
        f"{DP}/members/{number.lower()}",
        json={"name": "Jon Smith", "email": "jon.smith@example.org"},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["membership_number"] == number
    assert sorted(fixed.json()["cases"]) == sorted([first["id"], second["id"]])
    assert fixed.json()["changed"] == ["email", "name"]
    for case in (first, second):
        seen = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}").json()
        assert (seen["member"]["name"], seen["member"]["email"]) == ("Jon Smith", "jon.smith@example.org")
        timeline = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
        assert any("corrected at their request" in e["body"] for e in timeline)
        assert "dataprotection.rectified" in audit_actions(platform, case["id"])
    assert (
        platform.call("rachel", "GET", "workflow", f"/v1/cases/{other['id']}").json()["member"]["name"] == "Jon Smiht"
    )
    # The enquiry names the member by their account (its ``member`` is a username), which is not corrected.
    enquirers = {
        r[0]
        for r in platform_rows(platform, "SELECT member FROM workflow.enquiries WHERE membership_number = %s", number)
    }
    assert enquirers == {"maria"}
    # Search is told (CaseChanged): the case's facts version moves on.
    with platform.superuser_db() as conn:
        events = conn.execute(
            "SELECT count(*) FROM workflow.outbox WHERE key = %s AND topic = 'case.events'", (first["id"],)
        ).fetchone()[0]
    assert events >= 2  # created, rectified
    unknown = platform.call("dana", "PATCH", "workflow", f"{DP}/members/{unique_number()}", json={"phone": "0207 1"})
    assert unknown.status_code == 404, unknown.text
    empty = platform.call("dana", "PATCH", "workflow", f"{DP}/members/{number}", json={})
    assert empty.status_code == 422


def member_details(platform: Platform, number: str) -> list[tuple[Any, ...]]:
    """Each of the member's cases as the database holds it: what a refused rectification must leave alone."""
    return [
        tuple(r)
        for r in platform_rows(
            platform,
            "SELECT id, member_name, member_email, member_phone, updated_at FROM workflow.cases"
            " WHERE membership_number = %s ORDER BY id",
            number,
        )
    ]


def held_member(platform: Platform) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A member with two cases, the open one under a legal hold for a live tribunal claim."""
    number = unique_number()
    claim = platform.create_case("rachel", number, name="Jon Smiht")
    closed = closed_case(platform, number)
    assert hold(platform, "olive", claim["id"], "Employment tribunal claim 2304567/2026 is live").status_code == 200
    return number, claim, closed


def test_a_name_correction_under_a_legal_hold_is_refused_naming_the_held_case_and_changes_nothing(
    platform: Platform,
) -> None:
    number, claim, closed = held_member(platform)
    before = member_details(platform, number)
    announced = "SELECT count(*) FROM workflow.outbox WHERE key IN (%s, %s)"
    outbox_before = row(platform, announced, claim["id"], closed["id"])[0]
    refused = platform.call(
        "dana", "PATCH", "workflow", f"{DP}/members/{number}", json={"name": "Jon Smith", "phone": "0207 946 0001"}
    )
    assert refused.status_code == 409 and refused.headers["Content-Type"] == PROBLEM, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/rectification-refused") and problem["refusal"] == "legal_hold"
    assert problem["held_cases"] == [claim["reference"]]  # the closed case is not held, and not named
    assert claim["reference"] in problem["detail"] and closed["reference"] not in problem["detail"]
    assert "stays as filed" in problem["detail"] and "released" in problem["detail"]
    # Refused as a whole: neither the name nor the phone changed on either case, nothing was announced.
    assert member_details(platform, number) == before
    assert row(platform, announced, claim["id"], closed["id"])[0] == outbox_before
    for case in (claim, closed):
        timeline = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
        assert not any("corrected at their request" in e["body"] for e in timeline)
        assert "dataprotection.rectified" not in audit_actions(platform, case["id"])
    # The refusal is on record on the held case: which fields were asked for, not the values.
    refusal = row(
        platform,
        "SELECT actor, detail FROM workflow.audit_log WHERE case_id = %s AND action = %s",
        claim["id"],
        "dataprotection.rectification_refused",
    )
    assert refusal is not None
    assert refusal[0] == "dana" and refusal[1]["refusal"] == "legal_hold"
    assert refusal[1]["fields"] == ["name", "phone"] and "Jon Smith" not in str(refusal[1])
    # Asking for the name already on the held case changes nothing there, so it is not refused.
    same = platform.call("dana", "PATCH", "workflow", f"{DP}/members/{number}", json={"name": "Jon Smiht"})
    assert same.status_code == 200, same.text


def test_email_and_phone_are_corrected_under_a_legal_hold(platform: Platform) -> None:
    number, claim, closed = held_member(platform)
    fixed = platform.call(
        "dana",
        "PATCH",
        "workflow",
        f"{DP}/members/{number}",
        json={"email": "jon.smith@example.org", "phone": "0207 946 0001"},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["changed"] == ["email", "phone"]
    for case in (claim, closed):
        member = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}").json()["member"]
        assert (member["email"], member["phone"]) == ("jon.smith@example.org", "0207 946 0001")
        assert "dataprotection.rectified" in audit_actions(platform, case["id"])
    assert row(platform, "SELECT member_name FROM workflow.cases WHERE id = %s", claim["id"])[0] == "Jon Smiht"
    assert platform.call("dana", "GET", "workflow", f"/v1/cases/{claim['id']}/legal-hold").json()["held"] is True


def test_the_name_is_corrected_once_the_hold_is_released(platform: Platform) -> None:
    number, claim, closed = held_member(platform)
    refused = platform.call("dana", "PATCH", "workflow", f"{DP}/members/{number}", json={"name": "Jon Smith"})
    assert refused.status_code == 409, refused.text
    released = platform.call("olive", "DELETE", "workflow", f"/v1/cases/{claim['id']}/legal-hold")
    assert released.status_code == 200, released.text
    fixed = platform.call("dana", "PATCH", "workflow", f"{DP}/members/{number}", json={"name": "Jon Smith"})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["changed"] == ["name"]
    assert sorted(fixed.json()["cases"]) == sorted([claim["id"], closed["id"]])
    for case in (claim, closed):
        assert platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}").json()["member"]["name"] == (
            "Jon Smith"
        )
    actions = audit_actions(platform, claim["id"])
    assert actions.index("dataprotection.rectification_refused") < actions.index("dataprotection.rectified")


def test_a_reps_edit_changing_the_name_on_a_held_case_is_refused_as_a_whole_other_fields_change(
    platform: Platform,
) -> None:
    """The rule is the case's, not the dpo endpoint's: a rep's PATCH /v1/cases/{id} keeps the name as filed too."""
    _, claim, closed = held_member(platform)
    url = f"/v1/cases/{claim['id']}"
    stored = "SELECT member_name, member_phone, employer, summary, updated_at FROM workflow.cases WHERE id = %s"
    entries = "SELECT count(*) FROM workflow.timeline_entries WHERE case_id = %s"
    announced = "SELECT count(*) FROM workflow.outbox WHERE key = %s"
    before = tuple(row(platform, stored, claim["id"]))
    entries_before = row(platform, entries, claim["id"])[0]
    outbox_before = row(platform, announced, claim["id"])[0]
    updates_before = audit_actions(platform, claim["id"]).count("case.update")
    edit = {"member": {"name": "Jon Smith", "phone": "0207 946 0001"}, "summary": "Claim 2304567/2026 lodged."}
    refused = platform.call("rachel", "PATCH", "workflow", url, json=edit)
    assert refused.status_code == 409 and refused.headers["Content-Type"] == PROBLEM, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/update-refused") and problem["refusal"] == "legal_hold"
    assert claim["reference"] in problem["detail"]
    assert "stays as filed" in problem["detail"] and "released" in problem["detail"]
    # Refused as a whole: neither the name nor the phone nor the summary changed, nothing was written or announced.
    assert tuple(row(platform, stored, claim["id"])) == before
    assert row(platform, entries, claim["id"])[0] == entries_before
    assert row(platform, announced, claim["id"])[0] == outbox_before
    assert audit_actions(platform, claim["id"]).count("case.update") == updates_before
    # The same edit without the name goes through under the hold; the name already on the case is no change.
    edit["member"] = {"name": "Jon Smiht", "phone": "0207 946 0001", "employer": "Metro Buses Ltd"}
    fine = platform.call("rachel", "PATCH", "workflow", url, json=edit)
    assert fine.status_code == 200, fine.text
    assert tuple(row(platform, stored, claim["id"]))[:4] == (
        "Jon Smiht",
        "0207 946 0001",
        "Metro Buses Ltd",
        "Claim 2304567/2026 lodged.",
    )
    # The hold is the case's: the member's other, unheld case can be renamed.
    other = platform.call(
        "rachel", "PATCH", "workflow", f"/v1/cases/{closed['id']}", json={"member": {"name": "Jon X"}}
    )
    assert other.status_code == 200, other.text
    # Once the hold is released, the rep's rename goes through.
    released = platform.call("olive", "DELETE", "workflow", f"/v1/cases/{claim['id']}/legal-hold")
    assert released.status_code == 200, released.text
    renamed = platform.call("rachel", "PATCH", "workflow", url, json={"member": {"name": "Jon Smith"}})
    assert renamed.status_code == 200, renamed.text
    assert row(platform, "SELECT member_name FROM workflow.cases WHERE id = %s", claim["id"])[0] == "Jon Smith"


def test_a_bad_retention_schedule_is_refused_naming_each_problem(platform: Platform, tmp_path: Any) -> None:
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text("default:\n  case_record: 6 years\nrules:\n  - outcome: banished\n    keep: {timeline: 1y}\n")
    spec = next(s for s in SERVICES if s.name == "workflow")
    env = {
        **service_env(spec, platform.config, platform.stack.servers),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "casework_workflow", "retention", "--dry-run"],
        env={**env, "CASEWORK_RETENTION_SCHEDULE": str(schedule)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    for expected in (
        str(schedule),
        "default.case_record: '6 years' is not a duration",
        "missing timeline",
        "'banished' is not an outcome",
    ):
        assert expected in run.stderr, run.stderr


#: Workflow's tables that can hold a case's text, and how each names the case (audit_log is
#: checked by tests/test_audit_anchors.py, whose redaction it is).
CASE_TABLES = {
    "cases": "id = %s",
    "case_reps": "case_id = %s",
    "timeline_entries": "case_id = %s",
    "enquiries": "case_id = %s",
    "branch_tasks": "case_id = %s",
    "referrals": "case_id = %s",
    "support_requests": "case_id = %s",
    "information_requests": "case_id = %s",
    "deadlines": "case_id = %s",
    "outbox": "key = %s::text",
}


def case_text(platform: Platform, case_id: str) -> dict[str, str]:
    """Every row about the case in each of CASE_TABLES, as text (the outbox's payloads decoded)."""
    found: dict[str, str] = {}
    with platform.superuser_db() as conn:
        for table, where in CASE_TABLES.items():
            rows = conn.execute(f"SELECT * FROM workflow.{table} WHERE {where}", (case_id,)).fetchall()  # noqa: S608
            found[table] = " ".join(
                str(v) + (bytes(v).decode("utf-8", "replace") if isinstance(v, (bytes, memoryview)) else "")
                for r in rows
                for v in r
            )
    return found


def test_an_erased_case_keeps_nothing_of_the_member_in_any_of_workflows_tables(platform: Platform) -> None:
    number = unique_number()
    marker = f"Quillfeather{uuid.uuid4().hex[:6]}"
    name = f"Erin {marker}son"
    case = platform.create_case("rachel", number, name=name, summary=f"Summary: {marker}.")
    member = requests.Session()
    member.headers["Authorization"] = "Bearer " + platform.forge("maria", membership_number=number, name=name)
    steps = {
        "note": platform.call(
            "rachel",
            "POST",
            "workflow",
            f"/v1/cases/{case['id']}/timeline",
            json={"kind": "note", "body": f"{name} phoned: {marker}.", "visibility": "reps"},
        ),
        "support": platform.call(
            "rachel",
            "POST",
            "workflow",
            f"/v1/cases/{case['id']}/support-requests",
            json={"to": "official", "question": f"How do we help {name}? {marker}"},
        ),
        "referral": platform.call(
            "rachel",
            "POST",
            "workflow",
            f"/v1/cases/{case['id']}/referrals",
            json={"target": "regional_office", "reason": f"{name} needs the office: {marker}"},
        ),
        "deadline": platform.call(
            "rachel",
            "POST",
            "workflow",
            f"/v1/cases/{case['id']}/deadlines",
            json={"kind": "other", "label": f"Call {marker}", "due_on": "2027-01-15"},
        ),
        "enquiry": member.post(
            f"{platform.url('workflow')}/v1/enquiries", json={"message": f"Help, {marker}"}, timeout=10
        ),
        "close": platform.call(
            "rachel",
            "PATCH",
            "workflow",
            f"/v1/cases/{case['id']}",
            json={"status": "closed", "outcome": "written_warning", "sanction": f"Warning to {name}"},
        ),
    }
    for what, response in steps.items():
        assert response.status_code in (200, 201), (what, response.text)
    before = case_text(platform, case["id"])
    for table in ("cases", "timeline_entries", "support_requests", "referrals", "deadlines", "branch_tasks", "outbox"):
        assert marker in before[table], table  # each table did hold it: "gone" below means removed

    assert erase(platform, "dana", case["id"]).status_code == 201
    after = case_text(platform, case["id"])
    for table, text in after.items():
        for personal in (marker, number):
            assert personal not in text, (table, personal, text[:2000])


def test_an_erased_case_is_frozen_nothing_can_be_changed_or_added(platform: Platform) -> None:
    case = closed_case(platform)
    assert erase(platform, "dana", case["id"]).status_code == 201
    url = f"/v1/cases/{case['id']}"
    refused = {
        "rename": platform.call("cora", "PATCH", "workflow", url, json={"member": {"name": "Erin Again"}}),
        "reopen": platform.call("cora", "PATCH", "workflow", url, json={"status": "open"}),
        "note": platform.call(
            "cora",
            "POST",
            "workflow",
            f"{url}/timeline",
            json={"kind": "note", "body": "Erin rang", "visibility": "reps"},
        ),
        "support": platform.call(
            "cora", "POST", "workflow", f"{url}/support-requests", json={"to": "official", "question": "Erin?"}
        ),
        "referral": platform.call(
            "cora", "POST", "workflow", f"{url}/referrals", json={"target": "regional_office", "reason": "Erin"}
        ),
        "deadline": platform.call(
            "cora",
            "POST",
            "workflow",
            f"{url}/deadlines",
            json={"kind": "other", "label": "Call Erin", "due_on": "2027-01-15"},
        ),
    }
    for what, response in refused.items():
        assert response.status_code == 409, (what, response.text)
        assert response.headers["Content-Type"] == PROBLEM
        problem = response.json()
        assert problem["type"].endswith("/case-erased") and "erased" in problem["detail"], (what, problem)
    letter = testdocs.text_pdf(["Erin's new letter"])
    upload = platform.upload("cora", case["id"], [("erin.pdf", letter, "application/pdf")])
    assert upload.status_code == 403 and "erased" in upload.json()["detail"], upload.text
    stored = row(
        platform,
        "SELECT status, closed_at IS NOT NULL, member_name FROM workflow.cases WHERE id = %s",
        case["id"],
    )
    assert stored == ("closed", True, "(erased)")
    assert row(platform, "SELECT count(*) FROM workflow.timeline_entries WHERE case_id = %s", case["id"])[0] == 0
    assert row(platform, "SELECT count(*) FROM intake.evidence WHERE case_id = %s", case["id"])[0] == 0
    # Reading what is left is still allowed, and a legal hold still keeps kinds not yet started.
    assert platform.call("cora", "GET", "workflow", url).status_code == 200
    assert hold(platform, "olive", case["id"]).status_code == 200


def test_a_receipt_counts_only_from_a_holder_of_the_kind_answering_for_itself(platform: Platform) -> None:
    """Three receipts for a case's bundles, in order on one partition: one claiming bundle's work sent
    by search, one from intake (which holds no bundles), then bundle's own; only the last is marked."""
    case = closed_case(platform)
    with platform.superuser_db() as conn:
        conn.execute(
            "INSERT INTO workflow.data_erasures (case_id, kind, reason, request_id, requested_by) "
            "VALUES (%s, 'bundles', 'request', 'receipt-test', 'dana')",
            (case["id"],),
        )
    producer = KafkaProducer(bootstrap_servers=f"127.0.0.1:{platform.config.ports['kafka']}")
    for service, sender in (("bundle", "search"), ("intake", "intake"), ("bundle", "bundle")):
        receipt = events_pb2.CaseDataErased(
            case_id=case["id"], kind=DATA_KINDS["bundles"], service=service, request_id="receipt-test", items_removed=1
        )
        kafka.publish(producer, events.DATA_RECEIPTS, case["id"], receipt, sender).get(timeout=10)
    producer.close()

    def marked() -> dict[str, Any] | None:
        stored = row(
            platform,
            "SELECT receipts, done_at FROM workflow.data_erasures WHERE case_id = %s AND kind = 'bundles'",
            case["id"],
        )
        return stored if stored[0] else None

    deadline = time.monotonic() + 60
    while (found := marked()) is None and time.monotonic() < deadline:
        time.sleep(0.3)
    assert found is not None, "bundle's own receipt was never marked"
    receipts, done_at = found
    assert set(receipts) == {"bundle"} and done_at is not None, receipts
    with platform.superuser_db() as conn:
        audited = conn.execute(
            "SELECT detail FROM workflow.audit_log WHERE case_id = %s AND action = 'dataprotection.erased'",
            (case["id"],),
        ).fetchall()
    assert [d[0]["service"] for d in audited] == ["bundle"]
