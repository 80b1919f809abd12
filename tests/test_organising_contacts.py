"""The contact log on the real platform (organising, Postgres, the broker, notify, the SMTP sink):
entries stored once per (session, client_id) even when sent twice at once, the log's rules as
field-named 422s, follow-ups opened with the conversation, reminded once through notify and closed
by a later join, "ask for help" reaching the link official or the regional office, and who may see
and do what.

The test platform's follow-up loop takes 2099-12-31 as today (tests/conftest.py), so every
follow-up is due at once and reminded within a pass of a second.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message
from typing import Any
from unittest import mock

import pytest
import requests
from pydantic import BaseModel

from casework_common import db
from casework_common.typed_dates import london_today
from casework_local.services import SERVICES, service_env
from casework_organising import followups
from casework_organising.api.contacts import (
    ContactList,
    ContactRecorded,
    FollowUpList,
    FollowUpOut,
    HelpRequestList,
    HelpRequestOut,
)
from casework_organising.settings import OrganisingSettings
from erasure import wait_until
from harness import Platform

pytestmark = [pytest.mark.stack, pytest.mark.timeout(300)]

TODAY = london_today()
TOMORROW = (TODAY + dt.timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class Week:
    campaign_id: str
    session_id: str  # north-london, plan with olive as link official, team rachel + raj
    other_session_id: str  # north-london, another campaign whose plan names no link official
    entry_id: str  # a target-list entry of north-london in the first campaign


def open_week(platform: Platform) -> Week:
    """A london campaign of this week, north-london's plan (olive its link official) with a session run
    by rachel and raj, a one-row target list; and a second campaign whose plan names no link official."""

    def ok(response: requests.Response, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return response.json()

    dates = {"starts_on": TODAY.isoformat(), "ends_on": (TODAY + dt.timedelta(days=4)).isoformat()}
    session = {
        "place": "Depot canteen",
        "workplace": "Metro Transit, Holloway depot",
        "kind": "staff_room_tour",
        "starts_at": f"{TODAY.isoformat()}T11:30",
        "ends_at": f"{TODAY.isoformat()}T13:30",
        "target_contacts": 20,
        "approach": "survey",
        "team": ["rachel", "raj"],
    }
    sessions = []
    for name, plan in (("Contacts test week", {"link_official": "olive"}), ("Contacts test office", {})):
        campaign = ok(platform.call("olive", "POST", "organising", "/v1/campaigns", json={"name": name, **dates}))
        planned = ok(
            platform.call("cora", "PUT", "organising", f"/v1/campaigns/{campaign['id']}/plans/north-london", json=plan)
        )
        added = ok(platform.call("cora", "POST", "organising", f"/v1/plans/{planned['id']}/sessions", json=session))
        sessions.append((campaign["id"], added["id"]))
    (campaign_id, session_id), (_, other_session_id) = sessions
    imported = ok(
        platform.call(
            "cora",
            "POST",
            "organising",
            f"/v1/campaigns/{campaign_id}/target-lists",
            params={"filename": "staff.csv"},
            data=b"Name,Workplace\nPat Target,Holloway depot\n",
            headers={"Content-Type": "text/csv"},
        )
    )
    entries = ok(platform.call("cora", "GET", "organising", f"/v1/target-lists/{imported['id']}/entries"), 200)
    [entry] = entries["items"]
    return Week(campaign_id, session_id, other_session_id, entry["id"])


@pytest.fixture(scope="module")
def week(platform: Platform) -> Iterator[Week]:
    yield open_week(platform)


def documented(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as the OpenAPI document describes it (the view's response model), nothing more."""
    model.model_validate(body)
    assert set(body) <= set(model.model_fields), set(body) - set(model.model_fields)
    return body


def log(platform: Platform, user: str | None, session_id: str, **fields: Any) -> requests.Response:
    body = {"client_id": str(uuid.uuid4()), "is_member": False, "outcome": "not_interested", **fields}
    return platform.call(user, "POST", "organising", f"/v1/sessions/{session_id}/contacts", json=body)


def fields_of(response: requests.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return sorted(error["field"] for error in response.json()["errors"])


def rows(platform: Platform, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with platform.superuser_db() as db:
        return db.execute(sql, params).fetchall()


def text_of(message: Message) -> str:
    """The decoded text of every text part of a mail."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return "\n".join(p.get_content() for p in parsed.walk() if p.get_content_maintype() == "text")


def reminder_passes(platform: Platform) -> float:
    text = requests.get(f"{platform.url('organising')}/metrics", timeout=10).text
    found = re.search(r'^casework_organising_reminder_passes_total\{outcome="ok"\} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_an_entry_is_stored_once_however_often_it_is_sent(platform: Platform, week: Week) -> None:
    client_id = str(uuid.uuid4())
    body = {
        "client_id": client_id,
        "is_member": False,
        "outcome": "not_interested",
        "issue_category": "hours_and_rotas",
        "issue_text": "Rotas change every week",
        "petition_signed": True,
        "card_left": True,
    }
    url = f"/v1/sessions/{week.session_id}/contacts"
    first = platform.call("rachel", "POST", "organising", url, json=body)
    assert first.status_code == 201, first.text
    stored = documented(ContactRecorded, first.json())
    assert stored["duplicate"] is False and stored["follow_up"] is None
    assert stored["workplace"] == "Metro Transit, Holloway depot" and stored["recorded_by"] == "rachel"
    again = platform.call("raj", "POST", "organising", url, json={**body, "outcome": "joined"})
    assert again.status_code == 200, again.text
    assert documented(ContactRecorded, again.json())["duplicate"] is True and again.json()["id"] == stored["id"]
    assert again.json()["outcome"] == "not_interested"  # the stored entry, not the resent one
    # Resent weeks later: the rules (a call-again day long past) no longer hold, and it is still the stored entry.
    late = {**body, "outcome": "call_again", "call_again_on": (TODAY - dt.timedelta(days=30)).isoformat()}
    resent = platform.call("rachel", "POST", "organising", url, json=late)
    assert resent.status_code == 200 and resent.json()["id"] == stored["id"], resent.text

    # Four copies of one entry at the same moment (a retry racing the original, two tabs).
    racing = {**body, "client_id": str(uuid.uuid4()), "outcome": "call_again", "call_again_on": TOMORROW}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: platform.call("rachel", "POST", "organising", url, json=racing), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len({a.json()["follow_up"]["id"] for a in answers}) == 1
    for cid in (client_id, racing["client_id"]):
        assert rows(platform, "SELECT count(*) FROM organising.contacts WHERE client_id = %s", cid) == [(1,)]
    assert rows(
        platform,
        "SELECT count(*) FROM organising.follow_ups f JOIN organising.contacts c ON c.id = f.contact_id"
        " WHERE c.client_id = %s",
        racing["client_id"],
    ) == [(1,)]


def test_the_logs_rules_are_field_named_422s(platform: Platform, week: Week) -> None:
    s = week.session_id
    assert fields_of(log(platform, "rachel", s, outcome="call_again")) == ["call_again_on"]
    assert fields_of(log(platform, "rachel", s, person_name="Ann Lee")) == ["lawful_basis"]
    assert fields_of(log(platform, "rachel", s, person_contact="07700 900123")) == ["lawful_basis"]
    assert fields_of(log(platform, "rachel", s, is_member=True, outcome="joined")) == ["outcome"]
    assert fields_of(log(platform, "rachel", s, outcome="maybe", issue_category="weather", lawful_basis="x")) == [
        "issue_category",
        "lawful_basis",
        "outcome",
    ]
    assert fields_of(log(platform, "rachel", s, client_id="not-an-id", card_left="yes", shoe=1)) == [
        "card_left",
        "client_id",
        "shoe",
    ]
    assert fields_of(log(platform, "rachel", s, target_entry_id=str(uuid.uuid4()))) == ["target_entry_id"]
    assert fields_of(log(platform, "rachel", s, follow_up_id=str(uuid.uuid4()))) == ["follow_up_id"]
    assert fields_of(
        log(platform, "rachel", s, outcome="call_again", call_again_on=str(TODAY.year + 2) + "-01-01")
    ) == ["call_again_on"]
    # will_join_online without a day: three days on.
    joined_later = log(platform, "rachel", s, outcome="will_join_online")
    assert joined_later.status_code == 201, joined_later.text
    assert joined_later.json()["follow_up"]["due_on"] == joined_later.json()["call_again_on"]


@pytest.fixture(scope="module")
def reminded(platform: Platform, week: Week) -> dict[str, Any]:
    """A call-again conversation with a person's details, and the reminder it brought."""
    answer = log(
        platform,
        "rachel",
        week.session_id,
        outcome="call_again",
        call_again_on=TOMORROW,
        person_name="Sam Caller",
        person_contact="sam.caller@example.org",
        lawful_basis="consent",
        issue_category="pay",
        issue_text="Sam says overtime is unpaid",
    )
    assert answer.status_code == 201, answer.text
    follow_up = answer.json()["follow_up"]
    link_end = f"/organising/follow-ups#follow-up-{follow_up['id']}"

    def inbox_items() -> list[dict[str, Any]]:
        return [
            i for i in platform.inbox("rachel") if i["kind"] == "organising_followup" and i["link"].endswith(link_end)
        ]

    items = wait_until(inbox_items)
    assert items, "no follow-up reminder reached rachel's inbox"
    return {"contact": answer.json(), "follow_up": follow_up, "link_end": link_end, "inbox": inbox_items}


def test_call_again_opens_a_follow_up_for_the_team_listed_with_the_persons_details(
    platform: Platform, week: Week, reminded: dict[str, Any]
) -> None:
    follow_up = reminded["follow_up"]
    assert follow_up["team"] == ["rachel", "raj"] and follow_up["due_on"] == TOMORROW
    assert follow_up["outcome"] == "call_again" and follow_up["state"] == "open"
    listed = platform.call("raj", "GET", "organising", "/v1/follow-ups", params={"campaign_id": week.campaign_id})
    assert listed.status_code == 200, listed.text
    documented(FollowUpList, listed.json())
    assert all(documented(FollowUpOut, item) for item in listed.json()["items"])
    mine = next(f for f in listed.json()["items"] if f["id"] == follow_up["id"])
    assert mine["person_name"] == "Sam Caller" and mine["person_contact"] == "sam.caller@example.org"
    assert mine["place"] == "Depot canteen"


def test_the_reminder_reaches_each_of_the_team_once_without_the_persons_details(
    platform: Platform, reminded: dict[str, Any]
) -> None:
    follow_up_id = reminded["follow_up"]["id"]
    assert wait_until(lambda: [i for i in platform.inbox("raj") if i["link"].endswith(reminded["link_end"])]), (
        "raj was not reminded"
    )
    mail = platform.wait_for_mail(
        lambda m: (
            m["To"] == "rachel@union.example.org"
            and (m["Subject"] or "").startswith("Follow-up due")
            and reminded["link_end"] in text_of(m)
        )
    )
    assert "Sam" not in text_of(mail) and "overtime" not in text_of(mail)
    # Two more passes of the loop after the reminder: still one event, one inbox item.
    passes = reminder_passes(platform)
    assert wait_until(lambda: reminder_passes(platform) >= passes + 2, 30), "the reminder loop is not running"
    assert rows(
        platform,
        "SELECT count(*) FROM organising.outbox WHERE key = %s AND payload_type = 'casework.v1.FollowUpDue'",
        follow_up_id,
    ) == [(1,)]
    [(reminded_at,)] = rows(platform, "SELECT reminded_at FROM organising.follow_ups WHERE id = %s", follow_up_id)
    assert reminded_at is not None
    assert len(reminded["inbox"]()) == 1


def organising_engine(platform: Platform) -> Any:
    """An engine on organising's database as the service has it (its own role and schema)."""
    spec = next(s for s in SERVICES if s.name == "organising")
    with mock.patch.dict(os.environ, service_env(spec, platform.config, platform.stack.servers)):
        return db.make_engine(OrganisingSettings())


def test_a_follow_up_another_pass_holds_is_skipped_and_each_is_reminded_once(platform: Platform, week: Week) -> None:
    """Two replicas' passes: a row one holds (FOR UPDATE) is skipped by the other, not waited for
    and not sent twice. The follow-ups are due after the platform's "today", so only these passes,
    run here with organising's own database role, see them."""
    later = dt.date(2100, 6, 1)
    made = [log(platform, "rachel", week.session_id).json()["id"] for _ in range(5)]
    ids = [str(uuid.uuid4()) for _ in made]
    with platform.superuser_db() as conn:
        for follow_up_id, contact_id in zip(ids, made, strict=True):
            conn.execute(
                "INSERT INTO organising.follow_ups (id, contact_id, session_id, campaign_id, branch, outcome, due_on,"
                " team) SELECT %s, id, session_id, campaign_id, branch, 'call_again', %s, ARRAY['rachel']"
                " FROM organising.contacts WHERE id = %s",
                (follow_up_id, later, contact_id),
            )
    engine = organising_engine(platform)
    held, *free = ids
    reminded = "SELECT id::text FROM organising.follow_ups WHERE id = ANY(%s::uuid[]) AND reminded_at IS NOT NULL"
    try:
        with platform.superuser_db() as other, other.transaction():
            other.execute("SELECT 1 FROM organising.follow_ups WHERE id = %s FOR UPDATE", (held,))
            followups.remind_due(engine, later, batch=2)
            assert sorted(r for (r,) in rows(platform, reminded, ids)) == sorted(free)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda _: followups.remind_due(engine, later), range(2)))
    finally:
        engine.dispose()
    assert sorted(r for (r,) in rows(platform, reminded, ids)) == sorted(ids)
    sent = rows(
        platform,
        "SELECT key, count(*) FROM organising.outbox WHERE key = ANY(%s) AND payload_type = 'casework.v1.FollowUpDue'"
        " GROUP BY key",
        ids,
    )
    assert sorted(sent) == sorted((i, 1) for i in ids)


def test_a_later_join_closes_the_follow_up(platform: Platform, week: Week, reminded: dict[str, Any]) -> None:
    follow_up_id = reminded["follow_up"]["id"]
    joined = log(platform, "raj", week.session_id, outcome="joined", follow_up_id=follow_up_id)
    assert joined.status_code == 201, joined.text
    assert joined.json()["closed_follow_ups"] == [follow_up_id] and joined.json()["follow_up_id"] == follow_up_id
    open_now = platform.call("rachel", "GET", "organising", "/v1/follow-ups", params={"campaign_id": week.campaign_id})
    assert follow_up_id not in {f["id"] for f in open_now.json()["items"]}
    closed = platform.call(
        "rachel", "GET", "organising", "/v1/follow-ups", params={"campaign_id": week.campaign_id, "state": "closed"}
    )
    mine = next(f for f in closed.json()["items"] if f["id"] == follow_up_id)
    assert mine["state"] == "closed" and mine["closed_by_contact"] == joined.json()["id"]
    # Closing it by hand now: it is closed already.
    again = platform.call("rachel", "POST", "organising", f"/v1/follow-ups/{follow_up_id}/close", json={"reason": "x"})
    assert again.status_code == 409, again.text


def test_a_join_for_a_target_list_entry_closes_its_follow_ups_and_one_can_be_closed_by_hand(
    platform: Platform, week: Week
) -> None:
    later = log(platform, "rachel", week.session_id, outcome="will_join_online", target_entry_id=week.entry_id)
    assert later.status_code == 201, later.text
    follow_up_id = later.json()["follow_up"]["id"]
    joined = log(platform, "raj", week.session_id, outcome="joined", target_entry_id=week.entry_id)
    assert joined.json()["closed_follow_ups"] == [follow_up_id], joined.text

    other = log(platform, "rachel", week.session_id, outcome="call_again", call_again_on=TOMORROW)
    other_id = other.json()["follow_up"]["id"]
    by_hand = f"/v1/follow-ups/{other_id}/close"
    assert (
        platform.call("olive", "POST", "organising", by_hand, json={"reason": "Joined at the office"}).status_code
        == 403
    )
    assert platform.call("ravi", "POST", "organising", by_hand, json={"reason": "x"}).status_code == 404
    assert fields_of(platform.call("rachel", "POST", "organising", by_hand, json={"reason": ""})) == ["reason"]
    closed = platform.call("rachel", "POST", "organising", by_hand, json={"reason": "Joined at the office"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed", closed.text


def test_help_reaches_the_link_official_or_else_the_regions_officials(platform: Platform, week: Week) -> None:
    asked = platform.call(
        "rachel", "POST", "organising", f"/v1/sessions/{week.session_id}/help-requests", json={"message": "No cards"}
    )
    assert asked.status_code == 201, asked.text
    assert documented(HelpRequestOut, asked.json())["recipients"] == ["olive"]
    # The link leads to the session's page, where the message is read (not in the notification).
    link_end = f"/organising/sessions/{week.session_id}#help-requests"
    assert wait_until(
        lambda: [i for i in platform.inbox("olive") if i["kind"] == "organising_help" and i["link"].endswith(link_end)]
    ), "olive was not told"
    for reader in ("olive", "raj"):
        listed = platform.call(reader, "GET", "organising", f"/v1/sessions/{week.session_id}/help-requests")
        assert listed.status_code == 200, listed.text
        mine = next(r for r in documented(HelpRequestList, listed.json())["items"] if r["id"] == asked.json()["id"])
        assert mine["message"] == "No cards" and mine["requested_by"] == "rachel"

    office = platform.call("raj", "POST", "organising", f"/v1/sessions/{week.other_session_id}/help-requests", json={})
    assert office.status_code == 201, office.text
    assert "olive" in office.json()["recipients"] and "owen" not in office.json()["recipients"]


def test_who_may_see_and_do_what(platform: Platform, week: Week, reminded: dict[str, Any]) -> None:
    s = week.session_id
    contacts_url = f"/v1/sessions/{s}/contacts"
    help_url = f"/v1/sessions/{s}/help-requests"
    # Another branch's rep and another region's official: as if it did not exist.
    for outsider in ("ravi", "owen"):
        assert log(platform, outsider, s).status_code == 404
        assert platform.call(outsider, "GET", "organising", contacts_url).status_code == 404
        assert platform.call(outsider, "POST", "organising", help_url, json={}).status_code == 404
        assert platform.call(outsider, "GET", "organising", help_url).status_code == 404
    ravis = platform.call("ravi", "GET", "organising", "/v1/follow-ups")
    assert ravis.status_code == 200 and not [f for f in ravis.json()["items"] if f["session_id"] == s]
    # The region's official: no conversation rows at all (one row per person would show what the
    # results suppress as a small count), no logging, no follow-ups; the session's help requests.
    assert log(platform, "olive", s).status_code == 403
    seen = platform.call("olive", "GET", "organising", contacts_url)
    assert seen.status_code == 403, seen.text
    assert "Sam" not in seen.text and "overtime" not in seen.text
    assert platform.call("olive", "GET", "organising", help_url).status_code == 200
    assert platform.call("olive", "GET", "organising", "/v1/follow-ups").status_code == 403
    assert platform.call("olive", "POST", "organising", help_url, json={}).status_code == 403
    # The branch sees the details.
    own = documented(ContactList, platform.call("cora", "GET", "organising", contacts_url).json())["items"]
    assert next(c for c in own if c["id"] == reminded["contact"]["id"])["person_name"] == "Sam Caller"
    # Members, caseworkers, the dpo and admin: nothing at all; without a token: 401.
    for nobody in ("maria", "carl", "dana", "ada"):
        assert log(platform, nobody, s).status_code == 403
        assert platform.call(nobody, "GET", "organising", contacts_url).status_code == 403
        assert platform.call(nobody, "GET", "organising", "/v1/follow-ups").status_code == 403
        assert platform.call(nobody, "POST", "organising", help_url, json={}).status_code == 403
        assert platform.call(nobody, "GET", "organising", help_url).status_code == 403
    assert log(platform, None, s).status_code == 401
    assert platform.call("rachel", "GET", "organising", "/v1/sessions/not-an-id/contacts").status_code == 404
