"""Subject access reaches organising (docs/design.md, 'Subject access'): the data-protection officer's
preview and export of a member carry the recruitment target-list entries with their membership number
and the conversations logged against those entries, and nothing of another member's; organising's
endpoint answers workflow's service account only.

One london campaign, north-london's plan and session (rachel's team), and a target list cora imports
holding maria (M100001, typed "m10 0001" as lists often have it), mark (M100002) and a non-member.
Rachel logs a call-again conversation and the later call that answers it against maria's entry, and
one against mark's.
Every marker of mark's row and conversation must be absent from maria's preview and export.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
import zipfile
from typing import Any

import pytest
import requests

from casework_common.membership import normalise
from casework_common.typed_dates import london_today
from harness import Platform

pytestmark = [pytest.mark.stack, pytest.mark.timeout(300)]

MARK, MARIA = "M100002", "M100001"
PREVIEW = "/v1/data-protection/subject-access"
EXPORT = "/v1/data-protection/subject-access/exports"
MEMBER = "/v1/subject-access/member"
TODAY = london_today()


def ok(response: requests.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def log(platform: Platform, session_id: str, **fields: Any) -> dict[str, Any]:
    body = {"client_id": str(uuid.uuid4()), "is_member": True, **fields}
    return ok(platform.call("rachel", "POST", "organising", f"/v1/sessions/{session_id}/contacts", json=body))


def as_service(platform: Platform, number: str) -> requests.Response:
    return requests.get(
        platform.url("organising") + MEMBER,
        params={"membership_number": number},
        headers={"Authorization": f"Bearer {platform.service_token()}"},
        timeout=30,
    )


@pytest.fixture(scope="module")
def world(platform: Platform) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:10]
    dates = {"starts_on": TODAY.isoformat(), "ends_on": (TODAY + dt.timedelta(days=4)).isoformat()}
    campaign = ok(
        platform.call("olive", "POST", "organising", "/v1/campaigns", json={"name": f"Access week {tag}", **dates})
    )
    plan = ok(platform.call("cora", "PUT", "organising", f"/v1/campaigns/{campaign['id']}/plans/north-london", json={}))
    session = ok(
        platform.call(
            "cora",
            "POST",
            "organising",
            f"/v1/plans/{plan['id']}/sessions",
            json={
                "place": f"Canteen {tag}",
                "workplace": "Metro Transit, Holloway depot",
                "kind": "staff_room_tour",
                "starts_at": f"{TODAY.isoformat()}T11:30",
                "ends_at": f"{TODAY.isoformat()}T13:30",
                "target_contacts": 10,
                "approach": "survey",
                "team": ["rachel"],
            },
        )
    )
    csv = (
        "Name,Workplace,Department,Member No\n"
        f"Maria Okafor {tag},Holloway depot,Drivers,m10 0001\n"
        f"Mark Bellamy {tag}MARKONLY,Holloway depot,Drivers,{MARK}\n"
        f"Pat Nonmember {tag},Holloway depot,Cleaning,\n"
    )
    imported = ok(
        platform.call(
            "cora",
            "POST",
            "organising",
            f"/v1/campaigns/{campaign['id']}/target-lists",
            params={"filename": f"staff-{tag}.csv"},
            data=csv.encode(),
            headers={"Content-Type": "text/csv"},
        )
    )
    listed = ok(platform.call("cora", "GET", "organising", f"/v1/target-lists/{imported['id']}/entries"), 200)
    entry = {e["name"].split()[0].lower(): e["id"] for e in listed["items"]}
    call_again = log(
        platform,
        session["id"],
        outcome="call_again",
        call_again_on=(TODAY + dt.timedelta(days=2)).isoformat(),
        issue_category="workload",
        issue_text=f"Rotas changed without notice {tag}",
        person_name="Maria",
        person_contact=f"maria-{tag}@example.org",
        lawful_basis="consent",
        target_entry_id=entry["maria"],
    )
    later = log(
        platform,
        session["id"],
        outcome="already_member",
        issue_text=f"Agreed to be a workplace contact {tag}",
        follow_up_id=call_again["follow_up"]["id"],
        target_entry_id=entry["maria"],
    )
    marks = log(
        platform,
        session["id"],
        outcome="already_member",
        issue_text=f"Mark's own concern {tag}MARKONLY",
        person_contact=f"mark-{tag}MARKONLY@example.org",
        lawful_basis="legitimate_interests",
        target_entry_id=entry["mark"],
    )
    return {
        "tag": tag,
        "campaign": campaign,
        "list": imported,
        "entry": entry,
        "call_again": call_again,
        "later": later,
        "marks": marks,
    }


def mark_markers(w: dict[str, Any]) -> list[bytes]:
    """What identifies mark's row and conversation: none of it may appear in maria's preview or export."""
    return [s.encode() for s in (f"{w['tag']}MARKONLY", w["entry"]["mark"], w["marks"]["id"], w["entry"]["pat"])]


def test_organising_answers_workflows_service_account_with_the_members_entries_and_conversations(
    platform: Platform, world: dict[str, Any]
) -> None:
    response = as_service(platform, " m10 0001 ")
    body = ok(response, 200)
    assert body["membership_number"] == MARIA
    mine = [e for e in body["target_entries"] if e["id"] == world["entry"]["maria"]]
    assert len(mine) == 1
    assert mine[0]["name"] == f"Maria Okafor {world['tag']}" and mine[0]["membership_number"] == "M10 0001"
    assert mine[0]["campaign_name"] == f"Access week {world['tag']}" and mine[0]["branch"] == "north-london"
    assert mine[0]["list_filename"] == f"staff-{world['tag']}.csv"
    assert all(normalise(e["membership_number"]) == MARIA for e in body["target_entries"])
    talks = {c["id"]: c for c in body["contacts"]}
    assert {world["call_again"]["id"], world["later"]["id"]} <= set(talks)
    first = talks[world["call_again"]["id"]]
    assert first["person_contact"] == f"maria-{world['tag']}@example.org" and first["issue_category"] == "workload"
    assert first["follow_up"]["outcome"] == "call_again" and first["follow_up"]["state"] == "closed"
    entry_ids = {e["id"] for e in body["target_entries"]}
    assert all(c["target_entry_id"] in entry_ids for c in body["contacts"])
    assert [m for m in mark_markers(world) if m in response.content] == []


@pytest.mark.parametrize("user", ["maria", "mark", "rachel", "cora", "olive", "dana", "ada", None])
def test_nobody_but_a_service_reads_a_members_organising_records(
    platform: Platform, world: dict[str, Any], user: str | None
) -> None:
    response = platform.call(user, "GET", "organising", MEMBER, params={"membership_number": MARIA})
    assert response.status_code == (401 if user is None else 403), response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert world["tag"].encode() not in response.content


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"membership_number": "M10/0001"}, "membership_number"),
        ({"membership_number": " "}, "membership_number"),
        ({"membership_number": "M10\t0001"}, "membership_number"),
        ({}, "membership_number"),
        ({"membership_number": MARIA, "extra": "1"}, "extra"),
    ],
)
def test_a_bad_number_is_refused_naming_the_field(platform: Platform, params: dict[str, str], field: str) -> None:
    response = requests.get(
        platform.url("organising") + MEMBER,
        params=params,
        headers={"Authorization": f"Bearer {platform.service_token()}"},
        timeout=30,
    )
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


def test_the_dpos_preview_and_export_carry_the_members_recruitment_records_and_nothing_of_another(
    platform: Platform, world: dict[str, Any]
) -> None:
    preview = ok(platform.call("dana", "GET", "workflow", PREVIEW, params={"membership_number": MARIA}), 200)
    ids = {item["id"] for item in preview["items"]}
    entry = f"target:{world['entry']['maria']}"
    first, later = f"contact:{world['call_again']['id']}", f"contact:{world['later']['id']}"
    assert {entry, first, later} <= ids
    shown = {item["id"]: item for item in preview["items"]}
    assert shown[entry]["what"] == "Recruitment target-list entry" and world["tag"] in shown[entry]["description"]
    assert shown[first]["what"] == "Recruitment conversation" and shown[first]["source"].startswith("organising")
    text = json.dumps(preview).encode()
    assert [m for m in mark_markers(world) if m in text] == []

    # Excludable like any item: the later conversation is withheld from this release.
    response = platform.call("dana", "POST", "workflow", EXPORT, json={"membership_number": MARIA, "exclude": [later]})
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    index = json.loads(files["index.json"])
    released = {i["id"]: i for i in index["items"]}
    assert entry in released and first in released and later not in released
    assert released[entry]["file"] == "organising/target_list_entries.json"
    entries = {e["id"]: e for e in json.loads(files["organising/target_list_entries.json"])}
    assert entries[world["entry"]["maria"]]["name"] == f"Maria Okafor {world['tag']}"
    assert all(normalise(e["membership_number"]) == MARIA for e in entries.values())
    talks = {c["id"]: c for c in json.loads(files["organising/conversations.json"])}
    assert talks[world["call_again"]["id"]]["issue_text"] == f"Rotas changed without notice {world['tag']}"
    assert talks[world["call_again"]["id"]]["follow_up"]["due_on"] == (TODAY + dt.timedelta(days=2)).isoformat()
    withheld = f"Agreed to be a workplace contact {world['tag']}".encode()
    assert world["later"]["id"] not in talks and withheld not in b"".join(files.values())
    assert all(c["target_entry_id"] in entries for c in talks.values())
    for name in ("index.html", "index.md"):
        assert entry.encode() in files[name] and first.encode() in files[name]
    blob = b"\n".join(name.encode() + b"\n" + data for name, data in files.items())
    assert [m for m in mark_markers(world) if m in blob] == []


def test_a_conversation_answering_marias_follow_up_without_her_entry_is_stored_against_it_and_found(
    platform: Platform, world: dict[str, Any]
) -> None:
    """The portal shows no picker when there is no list or the caller is not the session's own
    branch staff: an answer to her follow-up may come without her entry, and is still about her."""
    tag, session_id = world["tag"], world["call_again"]["session_id"]
    opened = log(
        platform,
        session_id,
        outcome="call_again",
        call_again_on=(TODAY + dt.timedelta(days=3)).isoformat(),
        target_entry_id=world["entry"]["maria"],
    )
    answer = log(
        platform,
        session_id,
        outcome="already_member",
        issue_text=f"Answered without her entry {tag}",
        person_contact=f"maria-answer-{tag}@example.org",
        lawful_basis="consent",
        follow_up_id=opened["follow_up"]["id"],
    )
    assert answer["target_entry_id"] == world["entry"]["maria"]
    assert answer["closed_follow_ups"] == [opened["follow_up"]["id"]]
    # A follow-up about nobody on a list gives its answer no entry either.
    loose = log(platform, session_id, outcome="call_again", call_again_on=(TODAY + dt.timedelta(days=3)).isoformat())
    unlisted = log(platform, session_id, outcome="already_member", follow_up_id=loose["follow_up"]["id"])
    assert unlisted["target_entry_id"] is None

    held = ok(as_service(platform, MARIA), 200)
    assert answer["id"] in {c["id"] for c in held["contacts"]}
    assert unlisted["id"] not in {c["id"] for c in held["contacts"]}
    preview = ok(platform.call("dana", "GET", "workflow", PREVIEW, params={"membership_number": MARIA}), 200)
    ids = {item["id"] for item in preview["items"]}
    assert f"contact:{answer['id']}" in ids and f"contact:{unlisted['id']}" not in ids


def test_removing_a_list_forgets_its_peoples_conversations_and_closes_their_follow_ups(
    platform: Platform, world: dict[str, Any]
) -> None:
    """What the campaign's retention would do, at once: an entry gone is a conversation no subject
    access can find, so its details must not stay behind either."""
    tag, campaign_id, session_id = world["tag"], world["campaign"]["id"], world["call_again"]["session_id"]
    csv = f"Name,Workplace,Member No\nMaria Second {tag},Holloway depot,{MARIA}\nSam Other {tag},Holloway depot,\n"
    second = ok(
        platform.call(
            "cora",
            "POST",
            "organising",
            f"/v1/campaigns/{campaign_id}/target-lists",
            params={"filename": f"second-{tag}.csv"},
            data=csv.encode(),
            headers={"Content-Type": "text/csv"},
        )
    )
    rows = ok(platform.call("cora", "GET", "organising", f"/v1/target-lists/{second['id']}/entries"), 200)["items"]
    maria2 = next(e["id"] for e in rows if e["name"].startswith("Maria"))
    removed_text = f"Said on the second list {tag}GONE"
    opened = log(
        platform,
        session_id,
        outcome="call_again",
        call_again_on=(TODAY + dt.timedelta(days=2)).isoformat(),
        issue_category="pay",
        issue_text=removed_text,
        person_name=f"Maria {tag}GONE",
        person_contact=f"gone-{tag}@example.org",
        lawful_basis="consent",
        target_entry_id=maria2,
    )
    # "Not there" leaves the follow-up open; logged without the entry, it takes the follow-up's.
    not_there = log(
        platform,
        session_id,
        outcome="not_there",
        issue_text=f"Left a note {tag}GONE",
        follow_up_id=opened["follow_up"]["id"],
    )
    assert not_there["target_entry_id"] == maria2
    before = ok(as_service(platform, MARIA), 200)
    assert {opened["id"], not_there["id"]} <= {c["id"] for c in before["contacts"]}

    removed = ok(platform.call("cora", "DELETE", "organising", f"/v1/target-lists/{second['id']}"), 200)
    assert removed["removed_at"] and removed["rows"] == 2

    talks = {
        c["id"]: c
        for c in ok(platform.call("rachel", "GET", "organising", f"/v1/sessions/{session_id}/contacts"), 200)["items"]
    }
    for gone in (opened["id"], not_there["id"]):
        assert talks[gone]["person_name"] is None and talks[gone]["person_contact"] is None, talks[gone]
        assert talks[gone]["issue_text"] == "" and talks[gone]["details_removed"] is True
    # What is not about a person stays: the outcome and the category (the results read the same).
    assert talks[opened["id"]]["outcome"] == "call_again" and talks[opened["id"]]["issue_category"] == "pay"
    # The first list's conversations are untouched.
    kept = talks[world["call_again"]["id"]]
    assert kept["person_contact"] == f"maria-{tag}@example.org" and kept["details_removed"] is False
    follow_ups = ok(
        platform.call(
            "rachel", "GET", "organising", "/v1/follow-ups", params={"campaign_id": campaign_id, "state": "all"}
        ),
        200,
    )["items"]
    closed = next(f for f in follow_ups if f["id"] == opened["follow_up"]["id"])
    assert closed["state"] == "closed" and closed["closed_at"] and closed["person_contact"] is None
    with platform.superuser_db() as db:
        left = db.execute(
            "SELECT count(*) FROM organising.contacts WHERE (person_name IS NOT NULL OR person_contact IS NOT NULL "
            "OR issue_text <> '') AND id = ANY(%s::uuid[])",
            ([opened["id"], not_there["id"]],),
        ).fetchone()
    assert left == (0,)

    after = ok(as_service(platform, MARIA), 200)
    assert maria2 not in {e["id"] for e in after["target_entries"]}
    assert f"{tag}GONE".encode() not in json.dumps(after).encode()
    # Removing it again changes nothing; its people cannot be logged against any more.
    assert ok(platform.call("cora", "DELETE", "organising", f"/v1/target-lists/{second['id']}"), 200) == removed
    refused = platform.call(
        "rachel",
        "POST",
        "organising",
        f"/v1/sessions/{session_id}/contacts",
        json={
            "client_id": str(uuid.uuid4()),
            "is_member": True,
            "outcome": "already_member",
            "target_entry_id": maria2,
        },
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "target_entry_id", refused.text
    # An answer to the closed follow-up now names no entry: the follow-up's is gone.
    late = log(platform, session_id, outcome="already_member", follow_up_id=opened["follow_up"]["id"])
    assert late["target_entry_id"] is None
