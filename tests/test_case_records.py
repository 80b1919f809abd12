"""Case records: full fields, updates, the append-only timeline, people on the case, listing."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from harness import Platform, unique_number

pytestmark = pytest.mark.stack


@pytest.fixture
def case(platform: Platform) -> dict[str, Any]:
    return platform.create_case(
        "rachel",
        "M100001",
        name="Maria Okafor",
        allegations=["lateness", "conduct"],
        allegation_details="Late four times in March.",
        key_dates={"incident": "2026-03-02", "hearing": "2026-04-01"},
    )


def test_a_case_records_member_employer_allegations_and_key_dates(platform: Platform, case: dict[str, Any]) -> None:
    assert case["allegations"] == ["lateness", "conduct"]
    assert case["key_dates"]["hearing"] == "2026-04-01" and case["key_dates"]["appeal_deadline"] is None
    assert case["member"]["employer"] == "Metro Transit Ltd" and case["status"] == "open"
    member_view = platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}").json()
    assert "summary" not in member_view and "allegation_details" not in member_view  # the branch's working notes
    assert member_view["key_dates"]["hearing"] == "2026-04-01"


def test_updates_are_validated_recorded_and_announced(platform: Platform, case: dict[str, Any]) -> None:
    path = f"/v1/cases/{case['id']}"
    bad = platform.call("rachel", "PATCH", "workflow", path, json={"outcome": "beheading", "key_dates": {"x": 1}})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"outcome", "key_dates.x"}
    assert platform.call("rachel", "PATCH", "workflow", path, json={}).status_code == 422
    assert platform.call("maria", "PATCH", "workflow", path, json={"summary": "mine"}).status_code == 403
    updated = platform.call(
        "rachel",
        "PATCH",
        "workflow",
        path,
        json={"outcome": "written_warning", "sanction": "12 months", "key_dates": {"outcome": "2026-04-02"}},
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["outcome"] == "written_warning" and body["key_dates"]["outcome"] == "2026-04-02"
    assert body["key_dates"]["hearing"] == "2026-04-01"  # untouched fields stay
    member_timeline = platform.call("maria", "GET", "workflow", f"{path}/timeline").json()["items"]
    assert any(e["kind"] == "outcome" and "written warning (12 months)" in e["body"] for e in member_timeline)
    assert not any(e["kind"] == "case_update" for e in member_timeline)  # reps-only
    rep_timeline = platform.call("rachel", "GET", "workflow", f"{path}/timeline").json()["items"]
    assert any(e["kind"] == "case_update" and e["author"] == "rachel" for e in rep_timeline)


def test_timeline_is_append_only_with_corrections(platform: Platform, case: dict[str, Any]) -> None:
    path = f"/v1/cases/{case['id']}/timeline"
    note = platform.call(
        "rachel",
        "POST",
        "workflow",
        path,
        json={"kind": "meeting", "body": "Investigation meeting held.", "occurred_on": "2026-03-10"},
    ).json()
    assert note["visibility"] == "reps" and note["author"] == "rachel"
    fix = platform.call(
        "rachel",
        "POST",
        "workflow",
        path,
        json={"kind": "correction", "body": "It was held on 11 March.", "corrects": note["id"]},
    )
    assert fix.status_code == 201 and fix.json()["corrects"] == note["id"]
    assert (
        platform.call("rachel", "POST", "workflow", path, json={"kind": "correction", "body": "x"}).status_code == 422
    )
    # Members add member-visible notes of their own, and see only member-visible entries.
    mine = platform.call(
        "maria", "POST", "workflow", path, json={"kind": "note", "body": "I have the rota.", "visibility": "member"}
    )
    assert mine.status_code == 201
    assert (
        platform.call(
            "maria", "POST", "workflow", path, json={"kind": "meeting", "body": "x", "visibility": "member"}
        ).status_code
        == 403
    )
    seen = {e["id"] for e in platform.call("maria", "GET", "workflow", path).json()["items"]}
    assert mine.json()["id"] in seen and note["id"] not in seen
    # The database itself refuses edits.
    ports, secrets = platform.config.ports, platform.config.secrets
    with (
        psycopg.connect(
            host="127.0.0.1",
            port=ports["postgres"],
            dbname="casework",
            user="workflow",
            password=secrets.db_passwords["workflow"],
        ) as conn,
        pytest.raises(psycopg.errors.RaiseException, match="append-only"),
    ):
        conn.execute("UPDATE workflow.timeline_entries SET body = 'edited' WHERE id = %s", (note["id"],))


def test_reps_are_assigned_shared_and_removed_within_the_branch(platform: Platform, case: dict[str, Any]) -> None:
    base = f"/v1/cases/{case['id']}"
    assert platform.call("raj", "GET", "workflow", base).status_code == 404
    shared = platform.call("rachel", "POST", "workflow", f"{base}/shares", json={"username": "raj"})
    assert shared.status_code == 200 and shared.json()["shared_with"] == ["raj"]
    assert platform.call("raj", "GET", "workflow", base).status_code == 200
    for outsider in ("ravi", "olive", "nobody-here"):  # other branch, not a rep, unknown
        refused = platform.call("rachel", "POST", "workflow", f"{base}/reps", json={"username": outsider})
        assert refused.status_code == 422, outsider
    assigned = platform.call("cora", "POST", "workflow", f"{base}/reps", json={"username": "raj"})
    assert assigned.json()["reps"] == ["rachel", "raj"] and assigned.json()["shared_with"] == []
    assert platform.call("maria", "POST", "workflow", f"{base}/reps", json={"username": "raj"}).status_code == 403
    removed = platform.call("rachel", "DELETE", "workflow", f"{base}/reps/raj")
    assert removed.status_code == 200 and removed.json()["reps"] == ["rachel"]
    assert platform.call("raj", "GET", "workflow", base).status_code == 404


def test_generated_summary_for_escalation(platform: Platform, case: dict[str, Any]) -> None:
    summary = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/summary")
    assert summary.status_code == 200
    text = summary.json()["text"]
    assert case["reference"] in text and "Maria Okafor" in text and "lateness, conduct" in text
    assert "Late four times in March." in text
    assert platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}/summary").status_code == 403


def test_listing_filters_and_pages(platform: Platform) -> None:
    employer = f"Employer {unique_number()}"
    made = [
        platform.create_case(
            "rachel",
            unique_number(),
            case_type=kind,
            member={"name": "X", "membership_number": unique_number(), "employer": employer},
        )
        for kind in ("grievance", "grievance", "capability")
    ]
    query = {"employer": employer, "case_type": "grievance", "limit": 1}
    first = platform.call("rachel", "GET", "workflow", "/v1/cases", params=query).json()
    second = platform.call("rachel", "GET", "workflow", "/v1/cases", params={**query, "cursor": first["next_cursor"]})
    ids = [first["items"][0]["id"], second.json()["items"][0]["id"]]
    assert set(ids) == {made[0]["id"], made[1]["id"]} and second.json()["next_cursor"] is None
    bad = platform.call("rachel", "GET", "workflow", "/v1/cases", params={"limit": 0, "status": "maybe"})
    assert bad.status_code == 422


def test_evidence_added_appears_on_the_timeline_once(platform: Platform, case: dict[str, Any]) -> None:
    import testdocs

    upload = platform.upload(
        "maria", case["id"], [("rota.pdf", testdocs.text_pdf(["Rota for March"]), "application/pdf")]
    )
    platform.wait_for_status("maria", upload.json()["items"][0]["id"])
    entries = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}/timeline").json()["items"]
    added = [e for e in entries if e["kind"] == "evidence_added"]
    assert [e["data"]["filename"] for e in added] == ["rota.pdf"] and added[0]["author"] == "maria"
