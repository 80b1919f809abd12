"""Recruitment weeks' target lists and results on the real platform (organising, Postgres):

- a branch imports its staff list as people save it (Windows-1252 from Excel, semicolons, "Full
  Name"/"Dept"/"Site" headers; UTF-8 with a BOM), every bad row named in a 422, the list's people
  readable by the branch only;
- results per session, branch and region with the right counts, small cells suppressed in the
  region view and every CSV export;
- /metrics exports the campaign gauges with the same counts and no personal data.

The campaign, plans, sessions, contacts and follow-ups are written directly (the campaigns and
contacts APIs are tested in test_organising_campaigns and test_organising_contacts), once per module.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from casework_common.typed_dates import london_today
from harness import Platform

pytestmark = [pytest.mark.stack, pytest.mark.timeout(120)]

TODAY = london_today()
PERSON = "Zoë O'Brien"
CSV_HEADERS = {"Content-Type": "text/csv"}


@dataclass(frozen=True)
class Week:
    campaign_id: str
    name: str
    sessions: dict[str, str]  # depot, office (north-london), garage (south-london) -> id


# (session, outcome, issue category or None, follow-up state or None); contacts as reps log them.
CONTACTS = (
    [("depot", "joined", "pay", None)] * 3
    + [("depot", "call_again", "pay", "open"), ("depot", "call_again", "pay", "closed")]
    + [("depot", "not_interested", None, None)]
    + [("office", "will_join_online", "workload", "open"), ("office", "not_there", "workload", None)]
    + [("garage", "joined", "pay", None)]
    + [("garage", "not_interested", None, None)] * 2
)
SESSIONS = {
    # key: (branch, place, workplace, target)
    "depot": ("north-london", "Depot canteen", "Holloway depot", 10),
    "office": ("north-london", "Staff room", "Archway office", 6),
    "garage": ("south-london", "Mess room", "Brixton garage", 8),
}


def insert_week(platform: Platform) -> Week:
    """A london campaign: north-london's plan with two sessions, south-london's with one, eleven
    contacts (five with issue "pay" at the depot, two "workload" at the office, one "pay" at the
    garage) and three follow-ups, two of them open."""
    # A Welsh letter outside Latin-1 in the name: the CSV's file name must still reach the browser.
    campaign_id, name = uuid.uuid4(), f"Gŵyl results week {uuid.uuid4().hex[:6]}"
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    plans = {"north-london": uuid.uuid4(), "south-london": uuid.uuid4()}
    sessions = {key: uuid.uuid4() for key in SESSIONS}
    with platform.superuser_db() as db:
        db.execute(
            "INSERT INTO organising.campaigns (id, region, name, starts_on, ends_on, retention_days, created_by)"
            " VALUES (%s, 'london', %s, %s, %s, 90, 'olive')",
            (campaign_id, name, TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=4)),
        )
        for branch, plan_id in plans.items():
            db.execute(
                "INSERT INTO organising.plans (id, campaign_id, branch, created_by) VALUES (%s, %s, %s, 'cora')",
                (plan_id, campaign_id, branch),
            )
        for key, (branch, place, workplace, target) in SESSIONS.items():
            db.execute(
                "INSERT INTO organising.sessions (id, plan_id, campaign_id, branch, place, workplace, kind, starts_at,"
                " ends_at, target_contacts, approach, created_by) VALUES (%s, %s, %s, %s, %s, %s, 'staff_room_tour',"
                " %s, %s, %s, 'survey', 'cora')",
                (
                    sessions[key],
                    plans[branch],
                    campaign_id,
                    branch,
                    place,
                    workplace,
                    start,
                    start + dt.timedelta(hours=2),
                    target,
                ),
            )
        for key, outcome, category, follow_up in CONTACTS:
            branch, _, workplace, _ = SESSIONS[key]
            contact_id = uuid.uuid4()
            db.execute(
                "INSERT INTO organising.contacts (id, session_id, campaign_id, branch, workplace, client_id,"
                " recorded_by, is_member, outcome, call_again_on, issue_category, issue_text, person_name,"
                " person_contact, lawful_basis) VALUES (%s, %s, %s, %s, %s, %s, 'rachel', false, %s, %s, %s,"
                " 'Rotas change with a day''s notice', %s, '07700 900123', 'consent')",
                (
                    contact_id,
                    sessions[key],
                    campaign_id,
                    branch,
                    workplace,
                    uuid.uuid4(),
                    outcome,
                    TODAY + dt.timedelta(days=2) if follow_up else None,
                    category,
                    PERSON,
                ),
            )
            if follow_up:
                db.execute(
                    "INSERT INTO organising.follow_ups (id, contact_id, session_id, campaign_id, branch, outcome,"
                    " due_on, team, state) VALUES (%s, %s, %s, %s, %s, %s, %s, ARRAY['rachel'], %s)",
                    (uuid.uuid4(), contact_id, sessions[key], campaign_id, branch, outcome, TODAY, follow_up),
                )
    return Week(str(campaign_id), name, {key: str(value) for key, value in sessions.items()})


@pytest.fixture(scope="module")
def week(platform: Platform) -> Iterator[Week]:
    yield insert_week(platform)


def staff_list_cp1252() -> bytes:
    """A staff list as Excel on a UK Windows PC saves "CSV": Windows-1252, semicolons, loose headers,
    an email column the import must ignore."""
    rows = [
        "Full Name;Dept;Site;Member No.;Email",
        f"{PERSON};Catering;Holloway depot;;zoe@example.org",
        "Renée Müller;Catering;Holloway depot;M100234;",
        '"Okafor, Chidi";Engineering;holloway DEPOT;;',
        "Ana Silva;Cleaning;Archway office;;",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def post_list(platform: Platform, user: str, campaign_id: str, data: bytes, filename: str) -> requests.Response:
    return platform.call(
        user,
        "POST",
        "organising",
        f"/v1/campaigns/{campaign_id}/target-lists",
        params={"filename": filename},
        data=data,
        headers=CSV_HEADERS,
    )


@pytest.fixture(scope="module")
def imported(platform: Platform, week: Week) -> dict[str, Any]:
    """rachel's list, imported once for the module."""
    response = post_list(platform, "rachel", week.campaign_id, staff_list_cp1252(), "Staff list.csv")
    assert response.status_code == 201, response.text
    return response.json()


def test_a_bad_row_refuses_the_file_and_is_named_with_its_column(platform: Platform, week: Week) -> None:
    data = staff_list_cp1252() + "Ben Adams;Catering;;;\r\n;Catering;Holloway depot;;\r\n".encode("cp1252")
    response = post_list(platform, "rachel", week.campaign_id, data, "staff.csv")
    assert response.status_code == 422, response.text
    errors = [(e["row"], e["column"], e["field"]) for e in response.json()["errors"]]
    assert errors == [(6, "Site", "rows.6.workplace"), (7, "Full Name", "rows.7.name")]
    assert "2 row(s)" in response.json()["detail"]


def test_a_windows_list_is_read_with_its_names_intact(platform: Platform, week: Week, imported: dict[str, Any]) -> None:
    assert (imported["rows"], imported["members"], imported["non_members"]) == (4, 1, 3)
    assert (imported["encoding"], imported["delimiter"], imported["ignored_columns"]) == (
        "windows-1252",
        ";",
        ["Email"],
    )
    response = platform.call(
        "cora",  # the branch's coordinator reads what its rep imported
        "GET",
        "organising",
        f"/v1/target-lists/{imported['id']}/entries",
        params={"workplace": "Holloway Depot", "non_members": "true"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    assert sorted((e["name"], e["department"], e["is_member"]) for e in body["items"]) == [
        ("Okafor, Chidi", "Engineering", False),
        (PERSON, "Catering", False),
    ]
    assert "email" not in body["items"][0]
    # An offset past any list is refused, not sent to Postgres (where it would overflow a bigint).
    huge = platform.call(
        "cora", "GET", "organising", f"/v1/target-lists/{imported['id']}/entries", params={"offset": 10**20}
    )
    assert huge.status_code == 422 and huge.json()["errors"][0]["field"] == "offset", huge.text


def test_a_utf8_list_with_a_bom_and_commas(platform: Platform, week: Week) -> None:
    data = codecs.BOM_UTF8 + "Name,Workplace,Department,Membership number\nŁucja Nowak,Archway office,Admin,\n".encode()
    response = post_list(platform, "raj", week.campaign_id, data, "members.csv")
    assert response.status_code == 201, response.text
    listed = platform.call("raj", "GET", "organising", f"/v1/target-lists/{response.json()['id']}/entries").json()
    assert [e["name"] for e in listed["items"]] == ["Łucja Nowak"]
    removed = platform.call("raj", "DELETE", "organising", f"/v1/target-lists/{response.json()['id']}")
    assert removed.status_code == 200 and removed.json()["removed_at"], removed.text
    after = platform.call("raj", "GET", "organising", f"/v1/target-lists/{response.json()['id']}/entries").json()
    assert after["total"] == 0 and after["list"]["removed_at"] and after["list"]["rows"] == 1


def test_lists_never_leave_the_branch(platform: Platform, week: Week, imported: dict[str, Any]) -> None:
    entries = f"/v1/target-lists/{imported['id']}/entries"
    lists = f"/v1/campaigns/{week.campaign_id}/target-lists"
    # The region's official and another branch's rep: the list does not exist for them.
    assert platform.call("olive", "GET", "organising", entries).status_code == 404
    assert platform.call("ravi", "GET", "organising", entries).status_code == 404
    assert platform.call("ravi", "DELETE", "organising", f"/v1/target-lists/{imported['id']}").status_code == 404
    assert platform.call("olive", "GET", "organising", lists).status_code == 403
    assert post_list(platform, "olive", week.campaign_id, b"Name,Site\nA,B\n", "x.csv").status_code == 403
    assert platform.call("ravi", "GET", "organising", lists).json()["items"] == []
    assert platform.call("owen", "GET", "organising", lists).status_code == 404  # another region's official
    assert platform.call("maria", "GET", "organising", entries).status_code == 403  # members: nothing here
    assert platform.call(None, "GET", "organising", entries).status_code == 401
    mine = platform.call("rachel", "GET", "organising", lists).json()["items"]
    assert imported["id"] in [item["id"] for item in mine]


def results_of(platform: Platform, user: str, week: Week) -> dict[str, Any]:
    response = platform.call(user, "GET", "organising", f"/v1/campaigns/{week.campaign_id}/results")
    assert response.status_code == 200, response.text
    return response.json()


def counts(row: dict[str, Any]) -> tuple[int, ...]:
    return (row["target"], row["contacts"], row["joins"], row["will_join_online"], row["follow_ups_open"])


def test_the_branch_sees_its_own_results_exactly(platform: Platform, week: Week) -> None:
    found = results_of(platform, "rachel", week)
    assert (found["scope"], found["branch"]) == ("branch", "north-london")
    sessions = {s["place"]: s for s in found["sessions"]}
    assert set(sessions) == {"Depot canteen", "Staff room"}
    assert counts(sessions["Depot canteen"]) == (10, 6, 3, 0, 1)
    assert sessions["Depot canteen"]["outcomes"]["call_again"] == 2
    assert counts(sessions["Staff room"]) == (6, 2, 0, 1, 1)
    assert [(b["branch"], counts(b)) for b in found["branches"]] == [("north-london", (16, 8, 3, 1, 2))]
    # The branch's own JSON is exact (they logged it): no suppression.
    assert {(i["category"], i["workplace"], i["count"]) for i in found["issues"]} == {
        ("pay", "Holloway depot", 5),
        ("workload", "Archway office", 2),
    }
    other = results_of(platform, "ravi", week)
    assert [s["place"] for s in other["sessions"]] == ["Mess room"]
    assert counts(other["region"]) == (8, 3, 1, 0, 0)
    assert PERSON not in str(found) and "Rotas" not in str(found)


def test_the_region_sees_every_branch_with_small_cells_suppressed(platform: Platform, week: Week) -> None:
    found = results_of(platform, "olive", week)
    assert (found["scope"], found["small_cell"]) == ("region", 5)
    assert len(found["sessions"]) == 3
    assert [(b["branch"], counts(b)) for b in found["branches"]] == [
        ("north-london", (16, 8, 3, 1, 2)),
        ("south-london", (8, 3, 1, 0, 0)),
    ]
    assert counts(found["region"]) == (24, 11, 4, 1, 2) and found["region"]["branches"] == 2
    assert found["region"]["outcomes"]["not_interested"] == 3
    assert [(i["category"], i["workplace"], i["count"], i["suppressed"]) for i in found["issues"]] == [
        ("pay", "Holloway depot", 5, False),
        ("pay", "Brixton garage", None, True),
        ("workload", "Archway office", None, True),
    ]
    assert PERSON not in str(found)
    assert platform.call("owen", "GET", "organising", f"/v1/campaigns/{week.campaign_id}/results").status_code == 404
    assert platform.call("carl", "GET", "organising", f"/v1/campaigns/{week.campaign_id}/results").status_code == 403


def export(platform: Platform, user: str, week: Week, table: str) -> list[list[str]]:
    response = platform.call(
        user, "GET", "organising", f"/v1/campaigns/{week.campaign_id}/results.csv", params={"table": table}
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and "filename*=UTF-8''g%C5%B5yl-results-week-" in disposition
    return list(csv.reader(io.StringIO(response.text)))


def test_every_csv_export_suppresses_small_cells(platform: Platform, week: Week) -> None:
    # Even the branch's own export: a file travels further than a screen.
    assert export(platform, "rachel", week, "issues") == [
        ["Issue", "Workplace", "Times raised"],
        ["Pay", "Holloway depot", "5"],
        ["Workload", "Archway office", "<5"],
    ]
    branches = export(platform, "olive", week, "branches")
    assert branches[0][:6] == ["Branch", "Target contacts", "Contacts", "Joined", "Will join online", "Follow-ups open"]
    assert [row[:6] for row in branches[1:]] == [
        ["north-london", "16", "8", "3", "1", "2"],
        ["south-london", "8", "3", "1", "0", "0"],
    ]
    sessions = export(platform, "olive", week, "sessions")
    assert len(sessions) == 4 and "Contacts" in sessions[0]
    bad = platform.call("olive", "GET", "organising", f"/v1/campaigns/{week.campaign_id}/results.csv?table=people")
    assert bad.status_code == 422


def log_one_conversation(platform: Platform) -> str:
    """A conversation logged through the API in a campaign of its own (the week's counts stay as
    they are): organising's own write, so the next /metrics scrape reads the database again instead
    of its 15-second cache. Returns the campaign's name."""
    campaign_id, plan_id, session_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    name = f"Metrics week {uuid.uuid4().hex[:6]}"
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with platform.superuser_db() as db:
        db.execute(
            "INSERT INTO organising.campaigns (id, region, name, starts_on, ends_on, retention_days, created_by)"
            " VALUES (%s, 'london', %s, %s, %s, 90, 'olive')",
            (campaign_id, name, TODAY, TODAY + dt.timedelta(days=2)),
        )
        db.execute(
            "INSERT INTO organising.plans (id, campaign_id, branch, created_by)"
            " VALUES (%s, %s, 'north-london', 'cora')",
            (plan_id, campaign_id),
        )
        db.execute(
            "INSERT INTO organising.sessions (id, plan_id, campaign_id, branch, place, workplace, kind, starts_at,"
            " ends_at, target_contacts, approach, team, created_by) VALUES (%s, %s, %s, 'north-london', 'Canteen',"
            " 'Holloway depot', 'stall', %s, %s, 4, 'direct_ask', ARRAY['rachel'], 'cora')",
            (session_id, plan_id, campaign_id, start, start + dt.timedelta(hours=1)),
        )
    body = {"client_id": str(uuid.uuid4()), "is_member": False, "outcome": "joined", "card_left": True}
    response = platform.call("rachel", "POST", "organising", f"/v1/sessions/{session_id}/contacts", json=body)
    assert response.status_code == 201, response.text
    return name


def test_metrics_show_the_campaigns_with_no_personal_data(platform: Platform, week: Week) -> None:
    logged = log_one_conversation(platform)
    text = requests.get(f"{platform.url('organising')}/metrics", timeout=10).text
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.labels.get("campaign") in (week.name, logged)
    }

    def value(name: str, campaign: str = week.name, **labels: str) -> float:
        key = (
            f"casework_organising_{name}",
            tuple(sorted({**labels, "campaign": campaign, "region": "london"}.items())),
        )
        assert key in samples, f"{key} not in /metrics: {sorted(samples)}"
        return samples[key]

    # The conversation just logged is counted at once (the write made the cache stale).
    assert value("contacts", logged, branch="north-london", outcome="joined") == 1
    assert value("contact_target", logged, branch="north-london") == 4
    assert value("contacts", branch="north-london", outcome="joined") == 3
    assert value("contacts", branch="north-london", outcome="call_again") == 2
    assert value("contacts", branch="south-london", outcome="will_join_online") == 0  # zero, not absent
    assert value("contact_target", branch="north-london") == 16
    assert value("contact_target", branch="south-london") == 8
    assert value("follow_ups_open", branch="north-london") == 2
    assert value("follow_ups_open", branch="south-london") == 0
    assert value("issues_raised", category="pay") == 6
    assert value("issues_raised", category="workload") == 2
    # Labels are scope and vocabulary only: no person, contact detail, issue text, workplace or place.
    assert {name for (_, labels) in samples for name, _ in labels} == {
        "campaign",
        "region",
        "branch",
        "outcome",
        "category",
    }
    ours = [line for line in text.splitlines() if week.name in line or logged in line]
    for private in (PERSON, "07700", "Rotas", "Holloway", "Archway", "Brixton", "Canteen"):
        assert not [line for line in ours if private in line], private
