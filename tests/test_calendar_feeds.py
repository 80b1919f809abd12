"""Calendar feeds (docs/design.md, 'Deadlines'): a person's secret, revocable iCalendar URL of the deadlines and
hearings they may see, fetched with no bearer token, its scope worked out afresh from the directory
at every fetch, parsed here with the ``icalendar`` library as a calendar client would."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from icalendar import Calendar

from harness import Platform, unique_number

pytestmark = pytest.mark.stack

PROBLEM = "application/problem+json"
MEMBER_NAME = "Zebedee Quartermain"
HAND_LABEL = "Chase Mr Pettigrew at Acme about the grievance letter"  # free text: never in a feed


# -- helpers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    id: str
    url: str

    @property
    def token(self) -> str:
        return self.url.rsplit("/", 1)[1].removesuffix(".ics")


def make_feed(platform: Platform, user: str, label: str = "Work phone") -> Feed:
    response = platform.call(user, "POST", "workflow", "/v1/calendar-feeds", json={"label": label})
    assert response.status_code == 201, response.text
    body = response.json()
    return Feed(body["id"], body["url"])


def fetch(platform: Platform, token: str) -> requests.Response:
    """The feed as a calendar client fetches it: no Authorization header at all."""
    return requests.get(f"{platform.url('workflow')}/v1/calendar/{token}.ics", timeout=30)


def events(platform: Platform, feed: Feed) -> dict[str, Any]:
    """The feed's VEVENTs by UID, after checking the document and its headers."""
    response = fetch(platform, feed.token)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) and calendar["VERSION"] == "2.0"
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def add_deadline(
    platform: Platform, rep: str, case_id: str, *, kind: str, label: str, due_on: dt.date, visibility: str
) -> str:
    """A hand-entered deadline, through the deadlines API."""
    response = platform.call(
        rep,
        "POST",
        "workflow",
        f"/v1/cases/{case_id}/deadlines",
        json={"kind": kind, "label": label, "due_on": due_on.isoformat(), "visibility": visibility},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


@dataclass(frozen=True)
class Scenario:
    case: dict[str, Any]
    hearing: dt.date
    member_deadline: str  # visible to the member
    reps_deadline: str  # reps only

    @property
    def case_id(self) -> str:
        return self.case["id"]

    @property
    def hearing_uid(self) -> str:
        return f"{self.case_id}-hearing@casework"


@pytest.fixture(scope="module")
def scenario(platform: Platform) -> Scenario:
    """Maria's (M100001) case in north-london, rachel's, with a hearing date, a member-visible appeal
    deadline and a reps-only one whose label is free text."""
    today = dt.date.today()
    hearing = today + dt.timedelta(days=20)
    case = platform.create_case(
        "rachel",
        "M100001",
        name=MEMBER_NAME,
        allegations=["conduct"],
        allegation_details="Alleged rudeness to Mr Pettigrew.",
        key_dates={"hearing": hearing.isoformat()},
    )
    member_deadline = add_deadline(
        platform,
        "rachel",
        case["id"],
        kind="appeal",
        label="Appeal to Mrs Haversham by letter",
        due_on=today + dt.timedelta(days=30),
        visibility="member",
    )
    reps_deadline = add_deadline(
        platform,
        "rachel",
        case["id"],
        kind="other",
        label=HAND_LABEL,
        due_on=today + dt.timedelta(days=40),
        visibility="reps",
    )
    return Scenario(case, hearing, member_deadline, reps_deadline)


# -- the identity provider's admin API, to change a person in the directory ---------------------


class Directory:
    """Users made and changed through the identity provider's admin API, as an administrator would."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.base = f"{platform.url('idp')}/admin/realms/casework"

    def _headers(self) -> dict[str, str]:
        response = requests.post(
            f"{self.platform.config.issuer}/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=("casework-provisioner", self.platform.config.secrets.provisioner_client_secret),
            timeout=10,
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def create(self, role: str, attributes: dict[str, str]) -> tuple[str, str]:
        """A new person with ``role`` (the demo password, so the harness can sign them in): username, id."""
        username = f"cal-{uuid.uuid4().hex[:10]}"
        created = requests.post(
            f"{self.base}/users",
            json={
                "username": username,
                "enabled": True,
                "email": f"{username}@union.example.org",
                "emailVerified": True,
                "attributes": {k: [v] for k, v in attributes.items()},
            },
            headers=self._headers(),
            timeout=10,
        )
        assert created.status_code == 201, created.text
        user_id = created.headers["Location"].rsplit("/", 1)[1]
        password = requests.put(
            f"{self.base}/users/{user_id}/reset-password",
            json={"type": "password", "value": self.platform.config.secrets.demo_password, "temporary": False},
            headers=self._headers(),
            timeout=10,
        )
        assert password.status_code == 204, password.text
        self.roles(user_id, add=(role,))
        return username, user_id

    def roles(self, user_id: str, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> None:
        for method, names in (("POST", add), ("DELETE", remove)):
            if names:
                reps = [
                    requests.get(f"{self.base}/roles/{n}", headers=self._headers(), timeout=10).json() for n in names
                ]
                changed = requests.request(
                    method,
                    f"{self.base}/users/{user_id}/role-mappings/realm",
                    json=reps,
                    headers=self._headers(),
                    timeout=10,
                )
                assert changed.status_code == 204, changed.text

    def update(self, user_id: str, **fields: Any) -> None:
        changed = requests.put(f"{self.base}/users/{user_id}", json=fields, headers=self._headers(), timeout=10)
        assert changed.status_code == 204, changed.text


@pytest.fixture(scope="module")
def directory(platform: Platform) -> Directory:
    return Directory(platform)


def audit_records(platform: Platform, action: str, resource: str) -> list[dict[str, Any]]:
    with platform.superuser_db() as db:
        rows = db.execute(
            "SELECT actor, detail FROM workflow.audit_log WHERE action = %s AND resource = %s ORDER BY id",
            (action, resource),
        ).fetchall()
    return [{"actor": actor, "detail": detail} for actor, detail in rows]


# -- tests -----------------------------------------------------------------------------------------


def test_a_reps_feed_has_the_hearing_and_deadlines_without_personal_data(
    platform: Platform, scenario: Scenario
) -> None:
    feed = make_feed(platform, "rachel")
    assert feed.url.startswith(f"{platform.url('portal')}/calendar/") and feed.url.endswith(".ics")
    assert len(feed.token) == 43  # secrets.token_urlsafe(32)
    raw = fetch(platform, feed.token)
    found = events(platform, feed)
    reference = scenario.case["reference"]

    hearing = found[scenario.hearing_uid]
    assert hearing["DTSTART"].dt == scenario.hearing and not isinstance(hearing["DTSTART"].dt, dt.datetime)
    assert hearing["DTSTART"].params["VALUE"] == "DATE"
    assert str(hearing["SUMMARY"]) == f"{reference}: Hearing (disciplinary)"
    assert f"{platform.url('portal')}/cases/{scenario.case_id}" in str(hearing["DESCRIPTION"])

    appeal = found[f"{scenario.member_deadline}@casework"]
    assert str(appeal["SUMMARY"]) == f"{reference}: Internal appeal deadline"
    assert appeal["DTSTART"].dt == dt.date.today() + dt.timedelta(days=30)
    alarms = appeal.walk("VALARM")
    assert len(alarms) == 1 and alarms[0]["TRIGGER"].dt == -dt.timedelta(hours=15)  # 09:00 the day before
    other = found[f"{scenario.reps_deadline}@casework"]
    assert str(other["SUMMARY"]) == f"{reference}: Deadline"

    # Calendar providers keep a copy: no name, membership number, allegation or free-text label.
    text = raw.content.decode()
    for private in (MEMBER_NAME, "M100001", "Pettigrew", "Haversham", "rudeness", HAND_LABEL):
        assert private not in text, private

    # The address handed out is the portal's, which passes a calendar app's fetch on to workflow.
    via_portal = requests.get(feed.url, timeout=30)
    assert via_portal.status_code == 200 and via_portal.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert scenario.hearing_uid in {str(e["UID"]) for e in Calendar.from_ical(via_portal.content).walk("VEVENT")}
    # The portal passes on only what has a token's shape; anything else is its own 404, never sent to
    # workflow (whose refusal count stays put), while an unknown token of the right shape does reach it.
    refusals_before = platform.metric("workflow", "refused_requests_total")
    for bad in ("short", feed.url.rsplit("/", 1)[1][:-4] + "!", "%2e%2e%2fv1%2fcases"):
        refused = requests.get(f"{platform.url('portal')}/calendar/{bad}.ics", timeout=30)
        assert refused.status_code == 404 and refused.headers["Content-Type"].startswith("text/plain"), bad
    assert platform.metric("workflow", "refused_requests_total") == refusals_before
    assert requests.get(f"{platform.url('portal')}/calendar/{'A' * 43}.ics", timeout=30).status_code == 404
    assert platform.metric("workflow", "refused_requests_total") == refusals_before + 1

    listed = platform.call("rachel", "GET", "workflow", "/v1/calendar-feeds")
    assert listed.status_code == 200
    mine = next(f for f in listed.json()["items"] if f["id"] == feed.id)
    assert mine["state"] == "active" and mine["label"] == "Work phone" and mine["last_fetched_at"]
    assert "url" not in mine and feed.token not in listed.text


def test_indicative_deadlines_say_so(platform: Platform) -> None:
    """A tribunal deadline computed from the case's deadline facts by the rule set is indicative: the
    title names the claim type and says so, the description cites the rule and tells the reader to
    confirm the date with the regional office."""
    case = platform.create_case("rachel", unique_number())
    rules = platform.call("rachel", "GET", "workflow", "/v1/deadline-rules")
    assert rules.status_code == 200, rules.text
    assert "unfair_dismissal" in {c["key"] for c in rules.json()["claim_types"]}
    terminated = dt.date.today() - dt.timedelta(days=10)
    facts = {
        "jurisdiction": "england_wales",
        "termination_date": terminated.isoformat(),
        "claim_types": ["unfair_dismissal"],
    }
    put = platform.call("rachel", "PUT", "workflow", f"/v1/cases/{case['id']}/deadline-facts", json=facts)
    assert put.status_code == 200, put.text
    (deadline,) = [d for d in put.json()["deadlines"] if d["state"] == "open"]
    assert deadline["indicative"] and deadline["kind"] == "tribunal_claim" and deadline["source"], deadline

    event = events(platform, make_feed(platform, "rachel"))[f"{deadline['id']}@casework"]
    assert str(event["SUMMARY"]) == f"{case['reference']}: Tribunal claim deadline — unfair dismissal (indicative)"
    assert event["DTSTART"].dt == dt.date.fromisoformat(deadline["due_on"])
    description = str(event["DESCRIPTION"])
    assert "Indicative: confirm with the regional office." in description
    assert f"Rule: {deadline['source']['title']}, {deadline['source']['citation']}." in description


def test_a_members_feed_has_only_member_visible_deadlines(platform: Platform, scenario: Scenario) -> None:
    found = events(platform, make_feed(platform, "maria"))
    assert f"{scenario.member_deadline}@casework" in found
    assert f"{scenario.reps_deadline}@casework" not in found
    assert found[scenario.hearing_uid]["DTSTART"].dt == scenario.hearing


def test_another_branchs_rep_does_not_get_the_case(platform: Platform, scenario: Scenario) -> None:
    found = events(platform, make_feed(platform, "ravi"))  # a south-london rep
    assert not any(scenario.case_id in uid or uid.split("@")[0] in _deadline_ids(scenario) for uid in found)


def _deadline_ids(scenario: Scenario) -> set[str]:
    return {scenario.member_deadline, scenario.reps_deadline}


def test_revoked_unknown_and_garbled_feeds_all_answer_the_same_404(platform: Platform, scenario: Scenario) -> None:
    feed = make_feed(platform, "rachel", "Revoke me")
    assert fetch(platform, feed.token).status_code == 200

    # Nobody else can revoke it, not even a colleague on the same case; they learn nothing either.
    for other in ("raj", "maria"):
        refused = platform.call(other, "DELETE", "workflow", f"/v1/calendar-feeds/{feed.id}")
        assert refused.status_code == 404 and refused.headers["Content-Type"] == PROBLEM
    assert fetch(platform, feed.token).status_code == 200

    revoked = platform.call("rachel", "DELETE", "workflow", f"/v1/calendar-feeds/{feed.id}")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked" and revoked.json()["revoked_at"]
    again = platform.call("rachel", "DELETE", "workflow", f"/v1/calendar-feeds/{feed.id}")
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]

    answers = {
        "revoked": fetch(platform, feed.token),
        "unknown": fetch(platform, "A" * 43),
        "one character changed": fetch(platform, ("B" if feed.token[0] != "B" else "C") + feed.token[1:]),
        "short": fetch(platform, "abc"),
        "garbled": fetch(platform, "%00%27%22;--" + "x" * 40),
    }
    details = set()
    for what, answer in answers.items():
        assert answer.status_code == 404, what
        assert answer.headers["Content-Type"] == PROBLEM, what
        details.add((answer.json()["title"], answer.json()["detail"]))
    assert details == {("Not found", "No calendar feed has that address.")}  # says nothing about which
    assert requests.get(feed.url, timeout=30).status_code == 404  # through the portal too
    assert platform.call("rachel", "DELETE", "workflow", "/v1/calendar-feeds/not-an-id").status_code == 404


def test_who_may_have_a_feed(platform: Platform) -> None:
    for person in ("maria", "rachel", "cora", "olive", "carl"):
        assert platform.call(person, "POST", "workflow", "/v1/calendar-feeds", json={}).status_code == 201, person
    admin = platform.call("ada", "POST", "workflow", "/v1/calendar-feeds", json={})
    assert admin.status_code == 403 and admin.headers["Content-Type"] == PROBLEM
    service = requests.post(
        f"{platform.url('workflow')}/v1/calendar-feeds",
        json={},
        headers={"Authorization": f"Bearer {platform.service_token()}"},
        timeout=10,
    )
    assert service.status_code == 403
    assert platform.call(None, "POST", "workflow", "/v1/calendar-feeds", json={}).status_code == 401
    assert platform.call(None, "GET", "workflow", "/v1/calendar-feeds").status_code == 401
    bad = platform.call("rachel", "POST", "workflow", "/v1/calendar-feeds", json={"label": "two\nlines"})
    assert bad.status_code == 422


def test_only_the_tokens_hash_is_stored(platform: Platform) -> None:
    feed = make_feed(platform, "cora", "Hash check")
    with platform.superuser_db() as db:
        stored = db.execute(
            "SELECT token_sha256, row_to_json(f)::text FROM workflow.calendar_feeds f WHERE id = %s", (feed.id,)
        ).fetchone()
        anywhere = db.execute(
            "SELECT count(*) FROM workflow.audit_log WHERE detail::text LIKE %s OR resource LIKE %s",
            (f"%{feed.token}%", f"%{feed.token}%"),
        ).fetchone()
    assert stored is not None
    assert stored[0] == hashlib.sha256(feed.token.encode()).hexdigest()
    assert feed.token not in stored[1]
    assert anywhere == (0,)


def test_the_feed_follows_the_owners_directory_entry(platform: Platform, directory: Directory) -> None:
    """A coordinator moved from south-london to north-london sees north-london's cases at the next fetch
    (no sign-in, no new feed); once their account is disabled, the feed answers 404. Fetches are audited
    once per scope and hour, not once per poll."""
    username, user_id = directory.create("coordinator", {"branch": "south-london", "region": "london"})
    feed = make_feed(platform, username, "Moves")
    hearing = dt.date.today() + dt.timedelta(days=12)
    north = platform.create_case("rachel", unique_number(), key_dates={"hearing": hearing.isoformat()})
    uid = f"{north['id']}-hearing@casework"

    assert uid not in events(platform, feed)
    assert uid not in events(platform, feed)
    fetches = audit_records(platform, "calendar-feed.fetch", f"calendar-feed:{feed.id}")
    assert len(fetches) == 1 and fetches[0]["actor"] == username  # two polls, one scope: one record
    assert north["id"] not in fetches[0]["detail"]["cases"]

    directory.update(user_id, attributes={"branch": ["north-london"], "region": ["london"]})
    assert events(platform, feed)[uid]["DTSTART"].dt == hearing
    fetches = audit_records(platform, "calendar-feed.fetch", f"calendar-feed:{feed.id}")
    assert len(fetches) == 2 and north["id"] in fetches[1]["detail"]["cases"]  # the scope changed: recorded
    assert fetches[1]["detail"]["fetches"] == 3

    directory.roles(user_id, add=("member",), remove=("coordinator",))  # no longer staff, not the member
    assert uid not in events(platform, feed)
    directory.roles(user_id, add=("coordinator",), remove=("member",))
    assert uid in events(platform, feed)

    directory.update(user_id, enabled=False)
    gone = fetch(platform, feed.token)
    assert gone.status_code == 404 and gone.json()["detail"] == "No calendar feed has that address."


def test_refused_fetches_are_audited_without_the_token(platform: Platform) -> None:
    feed = make_feed(platform, "olive", "Refusal audit")
    assert platform.call("olive", "DELETE", "workflow", f"/v1/calendar-feeds/{feed.id}").status_code == 200
    assert fetch(platform, feed.token).status_code == 404
    records = list(_wait_for_refusal(platform, f"calendar_feed:{feed.id}"))
    assert records[0]["route"] == "/v1/calendar/<token>.ics" and records[0]["status"] == 404
    assert feed.token not in str(records)
    with platform.superuser_db() as db:
        (count,) = db.execute(
            "SELECT count(*) FROM workflow.audit_log WHERE detail::text LIKE %s OR coalesce(resource, '') LIKE %s",
            (f"%{feed.token}%", f"%{feed.token}%"),
        ).fetchone()
    assert count == 0


def _wait_for_refusal(platform: Platform, resource: str, timeout_s: float = 60.0) -> Iterator[dict[str, Any]]:
    """The refusal's audit record(s): they reach the log through the broker, so wait for them."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with platform.superuser_db() as db:
            rows = db.execute(
                "SELECT detail FROM workflow.audit_log WHERE action = 'request.refused' AND resource = %s",
                (resource,),
            ).fetchall()
        if rows:
            yield from (detail for (detail,) in rows)
            return
        time.sleep(0.5)
    raise AssertionError(f"no refusal audited for {resource}")


def test_a_person_has_a_bounded_number_of_live_feeds(platform: Platform, directory: Directory) -> None:
    username, _ = directory.create("member", {"branch": "north-london", "region": "london"})
    made = [make_feed(platform, username, f"Device {n}") for n in range(50)]
    over = platform.call(username, "POST", "workflow", "/v1/calendar-feeds", json={})
    assert over.status_code == 409 and over.json()["type"].endswith("/too-many-feeds")
    assert platform.call(username, "DELETE", "workflow", f"/v1/calendar-feeds/{made[0].id}").status_code == 200
    assert platform.call(username, "POST", "workflow", "/v1/calendar-feeds", json={}).status_code == 201
    listed = platform.call(username, "GET", "workflow", "/v1/calendar-feeds").json()["items"]
    assert len(listed) == 51 and listed[-1]["id"] == made[0].id  # the revoked one last
