"""Recruitment weeks (docs/design.md, 'Organising: recruitment weeks'): campaigns, branch plans,
sessions, the region's highlights and material orders through organising's REST API on the real
platform, and who sees what.

One campaign of region london serves the whole module (olive opens it; cora plans north-london
with two sessions run by pairs); south-london (ravi) has no plan. Owen is an official of another
region; maria, carl, dana and ada may not use organising at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from casework.v1 import organising_pb2
from casework_common import events
from harness import Platform

pytestmark = pytest.mark.stack

PROBLEM = "application/problem+json"
NOWHERE = "00000000-0000-4000-8000-000000000000"
# A campaign far from any other test's, so its dates cannot meet theirs.
WEEK = {"starts_on": "2031-05-12", "ends_on": "2031-05-16"}
NAME = "Recruitment Week — Siân O'Brien's Zoë-ready drive"


def errors_of(response: requests.Response) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == PROBLEM
    return {e["field"] for e in response.json()["errors"]}


def session_body(**changes: Any) -> dict[str, Any]:
    body = {
        "place": "Depot canteen",
        "workplace": "Metro Transit, Holloway depot",
        "department": "Drivers",
        "kind": "staff_room_tour",
        "starts_at": "2031-05-13T11:30",
        "ends_at": "2031-05-13T13:30",
        "target_contacts": 20,
        "approach": "survey",
        "opening": "What concerns you most at work?",
        "backup_plan": "If the canteen is empty, go to the drivers' rest room.",
        "team": ["rachel", "raj"],
        "helpers": ["Siân"],
    }
    body.update(changes)
    return body


@dataclass
class Week:
    campaign: dict[str, Any]
    plan: dict[str, Any]
    first: dict[str, Any]
    second: dict[str, Any]

    @property
    def cid(self) -> str:
        return self.campaign["id"]


@pytest.fixture(scope="module")
def week(platform: Platform) -> Week:
    opened = platform.call("olive", "POST", "organising", "/v1/campaigns", json={"name": f"  {NAME}  ", **WEEK})
    assert opened.status_code == 201, opened.text
    campaign = opened.json()
    plan = platform.call(
        "cora",
        "PUT",
        "organising",
        f"/v1/campaigns/{campaign['id']}/plans/north-london",
        json={"backup_plan": "Leaflet the car park.", "notes": "Pairs: one experienced rep with each new one."},
    )
    assert plan.status_code == 201, plan.text
    sessions = []
    early = {
        "place": "Bus garage",
        "kind": "door_knocking",
        "team": ["cora", "rachel"],
        "starts_at": "2031-05-14T07:00+01:00",
        "ends_at": "2031-05-14T09:00+01:00",
        "target_contacts": 15,
        "approach": "petition",
        "helpers": [],
    }
    for changes in ({}, early):
        added = platform.call(
            "cora", "POST", "organising", f"/v1/plans/{plan.json()['id']}/sessions", json=session_body(**changes)
        )
        assert added.status_code == 201, added.text
        sessions.append(added.json())
    return Week(campaign, plan.json(), *sessions)


def test_an_official_opens_a_campaign_of_their_region(platform: Platform, week: Week) -> None:
    campaign = week.campaign
    assert campaign["name"] == NAME  # apostrophes, accents and dashes kept; outer spaces gone
    assert (campaign["region"], campaign["starts_on"], campaign["ends_on"]) == ("london", *WEEK.values())
    assert campaign["retention_days"] == 90 and campaign["created_by"] == "olive"
    for user in ("olive", "rachel", "ravi"):
        listed = platform.call(user, "GET", "organising", "/v1/campaigns")
        assert listed.status_code == 200, listed.text
        assert week.cid in [c["id"] for c in listed.json()["items"]], user
    theirs = platform.call("owen", "GET", "organising", "/v1/campaigns")
    assert theirs.status_code == 200 and week.cid not in [c["id"] for c in theirs.json()["items"]]

    changed = platform.call(
        "olive", "PATCH", "organising", f"/v1/campaigns/{week.cid}", json={"notes": "Cards at the office."}
    )
    assert changed.status_code == 200 and changed.json()["notes"] == "Cards at the office."
    # New dates that would strand a planned session are refused.
    stranding = platform.call(
        "olive", "PATCH", "organising", f"/v1/campaigns/{week.cid}", json={"starts_on": "2031-05-14"}
    )
    assert stranding.status_code == 409, stranding.text
    assert (
        platform.call("cora", "PATCH", "organising", f"/v1/campaigns/{week.cid}", json={"notes": "x"}).status_code
        == 403
    )


def test_a_campaign_is_validated_as_typed(platform: Platform) -> None:
    def attempt(body: dict[str, Any]) -> requests.Response:
        return platform.call("olive", "POST", "organising", "/v1/campaigns", json=body)

    assert errors_of(attempt({"name": "Week", "starts_on": "2031-05-16", "ends_on": "2031-05-12"})) == {"ends_on"}
    assert errors_of(attempt({"name": " ", "starts_on": "16/05/2031", "ends_on": 20310512})) == {
        "name",
        "starts_on",
        "ends_on",
    }
    assert errors_of(attempt({"name": "W" * 10_000, "starts_on": "2031-02-30", "ends_on": "2031-05-12"})) == {
        "name",
        "starts_on",
    }
    assert errors_of(attempt({"name": "Week", **WEEK, "retention_days": "90", "colour": "red"})) == {
        "retention_days",
        "colour",
    }
    assert errors_of(attempt({"name": "Week\x00", **WEEK})) == {"name"}  # NUL: no database keeps it
    assert errors_of(attempt({"name": "Week", **WEEK, "retention_days": 100_000})) == {"retention_days"}
    assert attempt([1, 2]).status_code == 422
    not_json = platform.call("olive", "POST", "organising", "/v1/campaigns", data=b"name=Week")
    assert not_json.status_code == 422 and not_json.headers["Content-Type"] == PROBLEM
    for user in ("rachel", "cora"):
        assert platform.call(user, "POST", "organising", "/v1/campaigns", json={"name": "W", **WEEK}).status_code == 403


def test_branch_staff_plan_and_add_sessions_run_by_pairs(platform: Platform, week: Week) -> None:
    plan = week.plan
    assert (plan["branch"], plan["campaign_id"], plan["created_by"]) == ("north-london", week.cid, "cora")
    assert plan["link_official"] is None and plan["sessions"] == [] and plan["target_total"] == 0
    # Another of the branch's reps updates the same plan (PUT replaces: 200, the same id).
    again = platform.call(
        "rachel",
        "PUT",
        "organising",
        f"/v1/campaigns/{week.cid}/plans/north-london",
        json={"link_official": "olive", "backup_plan": "Leaflet the car park.", "notes": "Pairs."},
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] == plan["id"] and again.json()["link_official"] == "olive"
    assert [s["id"] for s in again.json()["sessions"]] == [week.first["id"], week.second["id"]]
    assert again.json()["target_total"] == 35
    not_ours = platform.call(
        "rachel", "PUT", "organising", f"/v1/campaigns/{week.cid}/plans/north-london", json={"link_official": "owen"}
    )
    assert errors_of(not_ours) == {"link_official"}

    first = week.first
    assert first["team"] == ["rachel", "raj"] and first["helpers"] == ["Siân"]
    assert first["starts_at"] == "2031-05-13T11:30:00+01:00"  # London time (BST) kept as typed
    assert (first["kind"], first["approach"], first["contacts"]) == ("staff_room_tour", "survey", 0)
    assert week.second["starts_at"] == "2031-05-14T07:00:00+01:00"
    for user in ("raj", "olive"):  # the branch's staff and the region's official read it
        got = platform.call(user, "GET", "organising", f"/v1/sessions/{first['id']}")
        assert got.status_code == 200 and got.json()["place"] == "Depot canteen", user
        assert platform.call(user, "GET", "organising", f"/v1/plans/{plan['id']}").status_code == 200, user

    changed = platform.call(
        "raj", "PATCH", "organising", f"/v1/sessions/{first['id']}", json={"target_contacts": 25, "helpers": []}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["target_contacts"] == 25 and changed.json()["team"] == ["rachel", "raj"]
    assert errors_of(
        platform.call("raj", "PATCH", "organising", f"/v1/sessions/{first['id']}", json={"place": None})
    ) == {"place"}
    assert (
        platform.call("olive", "PATCH", "organising", f"/v1/sessions/{first['id']}", json={"place": "x"}).status_code
        == 403
    )


def test_a_session_team_and_times_are_checked(platform: Platform, week: Week) -> None:
    path = f"/v1/plans/{week.plan['id']}/sessions"

    def attempt(**changes: Any) -> set[str]:
        return errors_of(platform.call("rachel", "POST", "organising", path, json=session_body(**changes)))

    assert attempt(team=["rachel", "ravi", "olive", "nobody"]) == {"team.1", "team.2", "team.3"}
    refused = platform.call("rachel", "POST", "organising", path, json=session_body(team=["rachel", "ravi"]))
    assert "ravi is not a rep or coordinator of north-london" in refused.json()["errors"][0]["message"]
    assert attempt(team=["raj", "Raj"]) == {"team.1"}  # the same person twice
    assert attempt(team=[]) == {"team"}
    assert attempt(starts_at="2031-05-20T10:00", ends_at="2031-05-20T11:00") == {"starts_at"}  # after the week
    assert attempt(ends_at="2031-05-13T11:00") == {"ends_at"}  # before it starts
    assert attempt(kind="pub_crawl", approach=3, target_contacts=-1, starts_at="13 May 2031") == {
        "kind",
        "approach",
        "target_contacts",
        "starts_at",
    }
    assert attempt(place="P" * 5000, helpers=["Ann", 7], surprise=True) == {"place", "helpers.1", "surprise"}
    assert attempt(helpers=["Ann\x1b[31m"]) == {"helpers.0"}  # a terminal escape
    assert platform.call("olive", "POST", "organising", path, json=session_body()).status_code == 403


def test_the_region_sees_plans_and_the_branches_without_one(platform: Platform, week: Week) -> None:
    seen = platform.call("olive", "GET", "organising", f"/v1/campaigns/{week.cid}")
    assert seen.status_code == 200, seen.text
    region = seen.json()
    [plan] = region["plans"]
    assert (plan["id"], plan["branch"], plan["sessions"]) == (week.plan["id"], "north-london", 2)
    assert plan["target_total"] >= 35
    assert "south-london" in region["branches_without_plan"]
    assert "north-london" not in region["branches_without_plan"]
    assert "my_plan" not in region or region["my_plan"] is None

    mine = platform.call("cora", "GET", "organising", f"/v1/campaigns/{week.cid}").json()
    assert mine["my_plan"] == week.plan["id"] and mine.get("plans") is None
    assert "olive" in mine["officials"] and "owen" not in mine["officials"]
    assert {"rachel", "raj", "cora"} <= set(mine["team_choices"]) and "ravi" not in mine["team_choices"]
    theirs = platform.call("ravi", "GET", "organising", f"/v1/campaigns/{week.cid}").json()
    assert theirs["my_plan"] is None and theirs.get("plans") is None and theirs.get("branches_without_plan") is None


def test_the_region_highlights_a_plan(platform: Platform, week: Week) -> None:
    plan_id = week.plan["id"]
    marked = platform.call(
        "olive", "PUT", "organising", f"/v1/plans/{plan_id}/highlight", json={"note": "Two pairs, a petition at 7am!"}
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["highlighted"] is True and marked.json()["highlighted_by"] == "olive"
    for user in ("ravi", "rachel", "olive"):  # everyone of the region who uses organising reads the page
        page = platform.call(user, "GET", "organising", f"/v1/campaigns/{week.cid}/highlights")
        assert page.status_code == 200, page.text
        [item] = page.json()["items"]
        assert (item["branch"], item["note"]) == ("north-london", "Two pairs, a petition at 7am!")
        assert [s["place"] for s in item["sessions"]] == ["Depot canteen", "Bus garage"]
        assert set(item["sessions"][0]) == {
            "id",
            "place",
            "workplace",
            "kind",
            "starts_at",
            "ends_at",
            "target_contacts",
        }
    assert platform.call("cora", "PUT", "organising", f"/v1/plans/{plan_id}/highlight").status_code == 403
    assert platform.call("owen", "PUT", "organising", f"/v1/plans/{plan_id}/highlight").status_code == 404
    unmarked = platform.call("olive", "DELETE", "organising", f"/v1/plans/{plan_id}/highlight")
    assert unmarked.status_code == 200 and unmarked.json()["highlighted"] is False
    assert platform.call("rachel", "GET", "organising", f"/v1/campaigns/{week.cid}/highlights").json()["items"] == []
    # A bare PUT (no body) highlights without a note.
    bare = platform.call("olive", "PUT", "organising", f"/v1/plans/{plan_id}/highlight")
    assert bare.status_code == 200 and bare.json()["highlight_note"] == ""


def test_materials_are_ordered_and_fulfilled(platform: Platform, week: Week) -> None:
    orders = f"/v1/campaigns/{week.cid}/material-orders"
    placed = platform.call(
        "rachel",
        "POST",
        "organising",
        orders,
        json={"items": "200 calling cards\n50 survey forms", "needed_by": "2031-05-09", "deliver_to": "Holloway depot"},
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["branch"], order["state"], order["ordered_by"]) == ("north-london", "requested", "rachel")
    assert errors_of(
        platform.call("rachel", "POST", "organising", orders, json={"items": "", "needed_by": "soon"})
    ) == {
        "items",
        "needed_by",
    }
    assert platform.call("olive", "POST", "organising", orders, json={"items": "Cards"}).status_code == 403
    with platform.superuser_db() as db:
        [(payload,)] = db.execute(
            "SELECT payload FROM organising.outbox WHERE key = %s AND topic = %s",
            (order["id"], events.ORGANISING_EVENTS),
        ).fetchall()
    event = events.unpack(bytes(payload)).unpack(organising_pb2.MaterialsOrdered)
    assert (event.order_id, event.branch, event.region, event.ordered_by) == (
        order["id"],
        "north-london",
        "london",
        "rachel",
    )
    assert "olive" in event.recipients and "owen" not in event.recipients

    assert order["id"] in [o["id"] for o in platform.call("olive", "GET", "organising", orders).json()["items"]]
    assert order["id"] in [o["id"] for o in platform.call("cora", "GET", "organising", orders).json()["items"]]
    assert order["id"] not in [o["id"] for o in platform.call("ravi", "GET", "organising", orders).json()["items"]]
    fulfil = f"/v1/material-orders/{order['id']}/fulfil"
    assert platform.call("ravi", "POST", "organising", fulfil).status_code == 404
    assert platform.call("owen", "POST", "organising", fulfil).status_code == 404
    assert platform.call("rachel", "POST", "organising", fulfil).status_code == 403
    done = platform.call("olive", "POST", "organising", fulfil)
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["fulfilled_by"]) == ("fulfilled", "olive")
    assert platform.call("olive", "POST", "organising", fulfil).status_code == 409


def test_a_session_goes_only_while_nothing_is_logged(platform: Platform, week: Week) -> None:
    spare = platform.call("raj", "POST", "organising", f"/v1/plans/{week.plan['id']}/sessions", json=session_body())
    assert spare.status_code == 201, spare.text
    gone = platform.call("raj", "DELETE", "organising", f"/v1/sessions/{spare.json()['id']}")
    assert gone.status_code == 200, gone.text
    assert platform.call("raj", "GET", "organising", f"/v1/sessions/{spare.json()['id']}").status_code == 404
    # A conversation logged (written directly: the contact log is tested in its own module).
    with platform.superuser_db() as db:
        db.execute(
            "INSERT INTO organising.contacts (id, session_id, campaign_id, branch, workplace, client_id, recorded_by,"
            " is_member, outcome) VALUES (gen_random_uuid(), %s, %s, 'north-london', 'Depot', gen_random_uuid(),"
            " 'rachel', false, 'not_interested')",
            (week.second["id"], week.cid),
        )
    kept = platform.call("cora", "DELETE", "organising", f"/v1/sessions/{week.second['id']}")
    assert kept.status_code == 409, kept.text
    assert platform.call("cora", "GET", "organising", f"/v1/sessions/{week.second['id']}").json()["contacts"] == 1


def test_another_branch_and_another_region_see_nothing_of_the_plan(platform: Platform, week: Week) -> None:
    plan, session = f"/v1/plans/{week.plan['id']}", f"/v1/sessions/{week.first['id']}"
    for user in ("ravi", "owen"):
        assert platform.call(user, "GET", "organising", plan).status_code == 404, user
        assert platform.call(user, "GET", "organising", session).status_code == 404, user
        assert platform.call(user, "PATCH", "organising", session, json={"place": "x"}).status_code == 404, user
        assert platform.call(user, "DELETE", "organising", session).status_code == 404, user
        assert platform.call(user, "POST", "organising", f"{plan}/sessions", json=session_body()).status_code == 404
    # Ravi plans only his own branch; naming north-london reveals nothing more than a refusal.
    other = platform.call("ravi", "PUT", "organising", f"/v1/campaigns/{week.cid}/plans/north-london", json={})
    assert other.status_code == 403
    # Owen's region does not run this campaign: all of it is not found.
    for path in ("", "/highlights", "/material-orders"):
        assert platform.call("owen", "GET", "organising", f"/v1/campaigns/{week.cid}{path}").status_code == 404, path
    assert (
        platform.call("owen", "PUT", "organising", f"/v1/campaigns/{week.cid}/plans/north-london", json={}).status_code
        == 404
    )
    # Officials read plans but do not write them.
    assert (
        platform.call("olive", "PUT", "organising", f"/v1/campaigns/{week.cid}/plans/north-london", json={}).status_code
        == 403
    )
    for missing in (NOWHERE, "not-an-id", "1" * 500):
        assert platform.call("rachel", "GET", "organising", f"/v1/plans/{missing}").status_code == 404
        assert platform.call("rachel", "GET", "organising", f"/v1/campaigns/{missing}").status_code == 404


def test_people_outside_organising_are_refused(platform: Platform, week: Week) -> None:
    paths = [
        ("GET", "/v1/campaigns"),
        ("POST", "/v1/campaigns"),
        ("GET", f"/v1/campaigns/{week.cid}"),
        ("GET", f"/v1/plans/{week.plan['id']}"),
        ("GET", f"/v1/sessions/{week.first['id']}"),
        ("GET", f"/v1/campaigns/{week.cid}/highlights"),
        ("GET", f"/v1/campaigns/{week.cid}/material-orders"),
    ]
    for user in ("maria", "carl", "dana", "ada"):
        for method, path in paths:
            refused = platform.call(user, method, "organising", path, json={"name": "W", **WEEK})
            assert refused.status_code == 403, (user, method, path, refused.text)
            assert refused.headers["Content-Type"] == PROBLEM
    for method, path in paths:
        assert platform.call(None, method, "organising", path).status_code == 401, (method, path)
