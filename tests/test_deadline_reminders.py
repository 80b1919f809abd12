"""Deadline reminders on the real platform: DeadlineChanged events on the real broker, notify's
reminder loop, the real directory and the SMTP capture.

Real days cannot pass in a test, so notify is restarted with successive dates as "today"
(CASEWORK_NOTIFY_TODAY, for drills and tests) along one ladder of days before a due date. Each
step is a restart, so every "sent once" below also holds across notify restarts. At the end
notify runs again with its normal settings, as the other tests expect.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.policy
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
import requests
from kafka import KafkaProducer

from casework.v1 import events_pb2
from casework_common import events, kafka
from casework_common.typed_dates import long_date
from casework_local.services import service_process
from casework_notify.reminder_leads import london_today
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

REFERENCE = f"CW-T-{uuid.uuid4().hex[:6].upper()}"
CASE_ID = ""  # the drill's case, opened by the fixture: notify asks workflow who its reps are now
CLOSED_CASE_ID = ""  # a second case, closed after its deadline's first reminder
# Far from the real date, so notify running normally after this module never reminds of these.
DUE = london_today() + dt.timedelta(days=1000)
# "today", in days from DUE, one notify restart each: a day before the first lead, then one day for each
# of A's leads (28, 14, 7, 3, 1 days, overdue), and one later day on which nothing is due again.
STEPS = (-30, -28, -14, -7, -3, -1, 1, 4)
PEOPLE = ("rachel", "maria", "cora", "olive", "ravi")
PASSES = re.compile(r'^casework_notify_reminder_passes_total\{outcome="ok"\} ([0-9.e+]+)$', re.MULTILINE)
# Workflow's count of GetCase calls (notify's reminder loop is the only caller during the drill).
GET_CASE = re.compile(
    r'^casework_workflow_grpc_requests_total\{[^}]*method="/casework\.v1\.CaseAuthority/GetCase"[^}]*\} ([0-9.e+]+)$',
    re.MULTILINE,
)

# The deadlines of one case. A: the member may see it, computed by rule (indicative). C: reps only,
# first seen five days before it is due. D: met after its first reminder. E: withdrawn at once.
# S: a withdrawn sentinel whose version is raised to tell when notify has read up to it.
# K: reps only, on the second case, which is closed after K's 28-day reminder; its label has a
# line break (typed by people), which must not reach a subject line.
TRIBUNAL = ("A", events_pb2.DEADLINE_KIND_TRIBUNAL_CLAIM, "Tribunal claim: unfair dismissal")
APPEAL = ("C", events_pb2.DEADLINE_KIND_APPEAL, "Internal appeal")
SAR = ("D", events_pb2.DEADLINE_KIND_SUBJECT_ACCESS, "Subject access request reply")
FOI = ("E", events_pb2.DEADLINE_KIND_FOI, "Freedom of information reply")
HEARING = ("K", events_pb2.DEADLINE_KIND_OTHER, "Hearing\r\nbring bundle")
IDS = {name: f"{REFERENCE}-{name}" for name in "ACDEKS"}


def changed(
    which: tuple[str, int, str],
    due_on: dt.date,
    version: int,
    state: int = events_pb2.DEADLINE_STATE_OPEN,
    visibility: int = events_pb2.VISIBILITY_REPS,
    indicative: bool = False,
    label: str | None = None,
) -> events_pb2.DeadlineChanged:
    name, kind, default_label = which
    return events_pb2.DeadlineChanged(
        case=events_pb2.CaseRef(
            case_id=CLOSED_CASE_ID if name == "K" else CASE_ID,
            reference=REFERENCE,
            branch="north-london",
            region="london",
            membership_number="M100001",
            reps=["rachel"],
        ),
        deadline_id=IDS[name],
        kind=kind,
        label=label or default_label,
        due_on=due_on.isoformat(),
        state=state,
        visibility=visibility,
        indicative=indicative,
        version=version,
        officials=["olive"],
    )


def parts(message: Message) -> dict[str, str]:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return {p.get_content_type(): p.get_content() for p in parsed.walk() if p.get_content_maintype() == "text"}


@dataclass
class Drill:
    """Drives notify along the ladder and records which mails each step brought."""

    platform: Platform
    producer: KafkaProducer
    sentinel_version: int = 0
    counted: Counter[tuple[str, str]] = field(default_factory=Counter)  # (person, subject) mails so far
    new: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # step -> person -> subjects
    mails: dict[str, list[Message]] = field(default_factory=dict)  # person -> every mail about the case
    idle_lookups: dict[int, float] = field(default_factory=dict)  # step -> GetCase calls in passes with nothing due
    read_since_start: bool = False  # the running notify has read an event (its consumer has joined its group)

    def restart_notify(self, today: dt.date | None, read_first: bool = True) -> None:
        """Notify again, with ``today`` fixed (and a short reminder interval), or normal when None.
        The running notify first reads an event, unless it has read one since it started: a consumer
        stopped while it is still joining its group would hold the next one's join for the whole
        rebalance timeout (minutes).

        Most of a restart is the new process starting (about 2.5 s) and its consumer joining the
        group (about 3 s): Tansu holds each JoinGroup for about half the session timeout the group
        was first joined with, here by the stack's notify (6 s). A shorter session timeout for the
        drill's notify alone changes nothing (measured), so the drill keeps the stack's settings."""
        if read_first and not self.read_since_start:
            self.sync()
        spec, process = self.platform.stack.services["notify"]
        process.stop()
        replacement = service_process(spec, self.platform.config, self.platform.stack.servers)
        if today is not None:
            replacement.env.update(
                {"CASEWORK_NOTIFY_TODAY": today.isoformat(), "CASEWORK_NOTIFY_REMINDER_INTERVAL_S": "0.1"}
            )
        replacement.start()
        self.read_since_start = False
        self.platform.stack.services["notify"] = (spec, replacement)
        replacement.wait_until(lambda: self.platform.stack.service_ready(spec), 120, "ready (/readyz)")

    def publish(self, event: events_pb2.DeadlineChanged, event_id: str | None = None) -> bytes:
        """Put an event on case.events as workflow would; returns its bytes (to send again)."""
        value = events.pack(event, "workflow", event_id=event_id)
        self.send(value)
        return value

    def send(self, value: bytes) -> None:
        headers = kafka.record_headers(events_pb2.DeadlineChanged.DESCRIPTOR.full_name)
        self.producer.send(events.CASE_EVENTS, key=CASE_ID.encode(), value=value, headers=headers).get(timeout=30)

    def row(self, name: str) -> tuple[Any, ...] | None:
        with self.platform.superuser_db() as conn:
            return conn.execute(
                "SELECT version, state, due_on, label FROM notify.deadlines WHERE deadline_id = %s", (IDS[name],)
            ).fetchone()

    def sync(self) -> None:
        """Wait until notify has read every event published so far (they share the case's key,
        so its partition: once the sentinel's newest version is in, everything before it is)."""
        self.sentinel_version += 1
        self.publish(changed(("S", 5, "Sentinel"), DUE, self.sentinel_version, events_pb2.DEADLINE_STATE_WITHDRAWN))
        deadline = time.monotonic() + 120
        while (row := self.row("S")) is None or row[0] < self.sentinel_version:
            assert time.monotonic() < deadline, "notify did not read the deadline events"
            time.sleep(0.05)
        self.read_since_start = True

    def set_case_status(self, case_id: str, status: str) -> None:
        """Close or reopen a case as its rep does, on workflow's API."""
        response = self.platform.call("rachel", "PATCH", "workflow", f"/v1/cases/{case_id}", json={"status": status})
        assert response.status_code == 200, response.text

    def get_case_calls(self) -> float:
        metrics = requests.get(f"{self.platform.url('workflow')}/metrics", timeout=10).text
        return sum(float(n) for n in GET_CASE.findall(metrics))

    def case_changes(self, name: str) -> int:
        with self.platform.superuser_db() as conn:
            row = conn.execute("SELECT case_changes FROM notify.deadlines WHERE deadline_id = %s", (IDS[name],))
            return row.fetchone()[0]

    def passes(self) -> float:
        found = PASSES.search(requests.get(f"{self.platform.url('notify')}/metrics", timeout=10).text)
        return float(found.group(1)) if found else 0.0

    def settle(self) -> None:
        """Wait for two whole reminder passes after now: everything due today has been sent."""
        wanted, deadline = self.passes() + 2, time.monotonic() + 60
        while self.passes() < wanted:
            assert time.monotonic() < deadline, "the reminder loop made no passes"
            time.sleep(0.05)

    def record(self, step: int) -> None:
        """Attribute the mails about the case that arrived since the last step to this one."""
        box = [m for m in self.platform.mail() if REFERENCE in (m["Subject"] or "")]
        total = Counter((m["To"].split("@")[0], m["Subject"]) for m in box)
        fresh = total - self.counted
        self.new[step] = {
            person: sorted(subject for (p, subject), n in fresh.items() if p == person for _ in range(n))
            for person in PEOPLE
        }
        self.counted = total
        self.mails = {person: [m for m in box if m["To"].split("@")[0] == person] for person in PEOPLE}


@pytest.fixture(scope="module")
def drill(platform: Platform) -> Iterator[Drill]:
    """The whole ladder, run once; the tests below read what each step brought."""
    global CASE_ID, CLOSED_CASE_ID  # the module's cases, read by changed() and the tests
    CASE_ID = platform.create_case("rachel", "M100001", name="Reminder Drill")["id"]
    CLOSED_CASE_ID = platform.create_case("rachel", unique_number(), name="Closed Drill")["id"]
    # olive chose the daily digest for reminders: only those 3 days or less away (or passed) are mailed.
    chosen = platform.call("olive", "PUT", "notify", "/v1/preferences", json={"deadline_reminder": "digest"})
    assert chosen.status_code == 200, chosen.text
    producer = KafkaProducer(bootstrap_servers=f"127.0.0.1:{platform.config.ports['kafka']}")
    run = Drill(platform, producer)
    try:
        for step in STEPS:
            run.restart_notify(DUE + dt.timedelta(days=step))
            if step == STEPS[0]:
                member_visible = {"visibility": events_pb2.VISIBILITY_MEMBER, "indicative": True}
                current = run.publish(changed(TRIBUNAL, DUE, 2, **member_visible))
                run.send(current)  # the same event (same id, same bytes) delivered twice
                # ...and an older version after the newer one: a later date, another label.
                late = changed(TRIBUNAL, DUE + dt.timedelta(days=10), 1, label="Tribunal claim: old", **member_visible)
                run.publish(late)
                run.publish(changed(APPEAL, DUE - dt.timedelta(days=25), 1))  # 5 days left on the first day
                open_sar = run.publish(changed(SAR, DUE, 1))
                run.publish(changed(FOI, DUE, 1))
                run.publish(changed(FOI, DUE, 2, state=events_pb2.DEADLINE_STATE_WITHDRAWN))
                run.publish(changed(HEARING, DUE, 1))
            run.sync()
            run.settle()
            # Everything due today is sent: further passes ask workflow nothing (no GetCase per
            # deadline and pass, which an overdue deadline would cost for ever).
            calls = run.get_case_calls()
            run.settle()
            run.idle_lookups[step] = run.get_case_calls() - calls
            if step == -3:  # K's case reopened: K's current lead (3 days) is reminded after all
                seen = run.case_changes("K")
                run.set_case_status(CLOSED_CASE_ID, "open")
                waited = time.monotonic() + 60
                while run.case_changes("K") == seen:
                    assert time.monotonic() < waited, "notify did not read the case's reopening"
                    time.sleep(0.05)
                run.settle()
            run.record(step)
            if step == -28:  # K had its 28-day reminder; its case is closed now (its deadline stays open)
                run.set_case_status(CLOSED_CASE_ID, "closed")
                # D had its 28-day reminder; it is met now, and the old "open" comes again
                run.publish(changed(SAR, DUE, 2, state=events_pb2.DEADLINE_STATE_MET))
                run.send(open_sar)
                run.sync()
        yield run
    finally:
        with contextlib.suppress(AssertionError):  # notify put back even when it could not read
            run.sync()
        run.restart_notify(None, read_first=False)
        producer.close()
        platform.call("olive", "PUT", "notify", "/v1/preferences", json={"deadline_reminder": "immediate"})


def staff(what: str, left: int) -> str:
    """The subject of a reminder to staff with ``left`` days to go (negative: overdue)."""
    days = f"{abs(left)} day{'s' if abs(left) != 1 else ''}"
    return f"{what}, case {REFERENCE}: " + (f"{days} left" if left > 0 else f"{days} overdue")


A, C, D = (TRIBUNAL[2], APPEAL[2], SAR[2])
K = "Deadline (Hearing bring bundle)"  # the label on one line
MEMBER_COMING = f"A date on your case {REFERENCE}: {long_date(DUE)}"
MEMBER_PASSED = f"A date on your case {REFERENCE} has passed"
# step (days from DUE) -> person -> the subjects of the mails that step brings, and nothing else.
EXPECTED: dict[int, dict[str, list[str]]] = {
    -30: {"rachel": [staff(C, 5)], "cora": [staff(C, 5)]},  # olive: in her digest
    -28: {
        "rachel": [staff(C, 3), staff(D, 28), staff(A, 28), staff(K, 28)],
        "maria": [MEMBER_COMING],
        "cora": [staff(C, 3)],
        "olive": [staff(C, 3)],
    },
    -14: {
        "rachel": [staff(A, 14), staff(C, -11)],
        "maria": [MEMBER_COMING],
        "cora": [staff(C, -11)],
        "olive": [staff(C, -11)],
    },
    -7: {"rachel": [staff(A, 7)], "maria": [MEMBER_COMING], "cora": [staff(A, 7)]},  # olive: in her digest
    -3: {
        "rachel": [staff(A, 3), staff(K, 3)],
        "maria": [MEMBER_COMING],
        "cora": [staff(A, 3), staff(K, 3)],
        "olive": [staff(A, 3), staff(K, 3)],
    },
    -1: {
        "rachel": [staff(A, 1), staff(K, 1)],
        "maria": [MEMBER_COMING],
        "cora": [staff(A, 1), staff(K, 1)],
        "olive": [staff(A, 1), staff(K, 1)],
    },
    1: {
        "rachel": [staff(A, -1), staff(K, -1)],
        "maria": [MEMBER_PASSED],
        "cora": [staff(A, -1), staff(K, -1)],
        "olive": [staff(A, -1), staff(K, -1)],
    },
    4: {},
}


def expected(step: int) -> dict[str, list[str]]:
    return {person: sorted(EXPECTED[step].get(person, [])) for person in PEOPLE}


def about(run: Drill, person: str, what: str) -> list[tuple[int, str]]:
    return [(step, s) for step in STEPS for s in run.new[step][person] if s.startswith(f"{what}, ")]


def test_each_reminder_arrives_once_in_order_across_restarts(drill: Drill) -> None:
    """Every step is a notify restart with the next date: the mails each one brought are exactly
    the reminders due that day, each to its recipients once, none again at a later step."""
    assert {step: drill.new[step] for step in STEPS} == {step: expected(step) for step in STEPS}


def test_the_nearest_lead_only_for_a_deadline_first_seen_five_days_before(drill: Drill) -> None:
    assert about(drill, "rachel", C) == [(-30, staff(C, 5)), (-28, staff(C, 3)), (-14, staff(C, -11))]


def test_a_redelivered_or_older_event_changes_nothing(drill: Drill) -> None:
    assert drill.row("A")[:3] == (2, "open", DUE)  # not the older version's date
    assert [subject for _, subject in about(drill, "rachel", A)] == [
        staff(A, 28),
        staff(A, 14),
        staff(A, 7),
        staff(A, 3),
        staff(A, 1),
        staff(A, -1),
    ]
    assert not any("old" in s for step in STEPS for s in drill.new[step]["rachel"])
    titles = [i["title"] for i in drill.platform.inbox("rachel") if REFERENCE in i["title"]]
    assert sorted(titles) == sorted(s for step in STEPS for s in EXPECTED[step].get("rachel", []))


def test_no_reminder_once_met_or_withdrawn(drill: Drill) -> None:
    assert drill.row("D")[:2] == (2, "met")  # the redelivered older "open" did not reopen it
    assert drill.row("E")[:2] == (2, "withdrawn")
    assert about(drill, "rachel", D) == [(-28, staff(D, 28))]
    assert about(drill, "rachel", SAR[2]) and not about(drill, "rachel", FOI[2])


def test_the_member_hears_only_of_dates_they_may_see_in_their_own_words(drill: Drill) -> None:
    mails = drill.mails["maria"]
    assert len(mails) == 6  # A's six reminders; nothing of the reps-only C, D
    texts = [parts(m)["text/plain"] for m in mails]
    assert all(C not in text and D not in text for text in texts)
    coming = next(text for text in texts if "(7 days left)" in text)
    assert f"{A} on your case {REFERENCE} is due on {long_date(DUE)} (7 days left)" in coming
    assert "may change" in coming and "indicative" not in coming.lower()
    assert any(f"was {long_date(DUE)}" in text and "contact them" in text for text in texts)


def test_no_reminder_while_the_case_is_closed(drill: Drill) -> None:
    """K stays open in notify's copy, but its case was closed after the 28-day reminder: none of
    its later reminders (14, 7 days, and 3 days while still closed) reaches anyone; reopened
    at 3 days, the 3-day reminder comes (the lead was marked handled while closed), and the
    later ones."""
    assert drill.row("K")[:2] == (1, "open")
    after = [staff(K, 3), staff(K, 1), staff(K, -1)]
    assert about(drill, "rachel", K) == [(-28, staff(K, 28)), *zip((-3, -1, 1), after, strict=True)]
    assert about(drill, "cora", K) == list(zip((-3, -1, 1), after, strict=True))
    [mail] = [m for m in drill.mails["rachel"] if m["Subject"] == staff(K, 28)]
    assert f"{K} on case {REFERENCE} is due on" in parts(mail)["text/plain"]


def test_passes_with_nothing_due_ask_workflow_nothing(drill: Drill) -> None:
    """Once a day's reminders are delivered (or skipped for a closed case), later passes that day
    skip those deadlines before asking workflow who the reps are."""
    assert drill.idle_lookups == {step: 0 for step in STEPS}


def test_coordinators_and_officials_only_inside_the_last_week(drill: Drill) -> None:
    assert [step for step, _ in about(drill, "cora", A)] == [-7, -3, -1, 1]
    assert [step for step, _ in about(drill, "olive", A)] == [-3, -1, 1]  # the 7-day one is in her digest
    olive = [i["title"] for i in drill.platform.inbox("olive") if i["title"].startswith(f"{A}, ")]
    assert sorted(olive) == sorted(staff(A, left) for left in (7, 3, 1, -1))


def test_urgent_reminders_are_mailed_at_once_to_who_chose_the_digest(drill: Drill) -> None:
    """olive chose the digest for reminders: 7 and 5 days away they wait for it; 3 days, 1 day
    and overdue are mailed at once (a deadline a day away must not wait a day)."""
    with drill.platform.superuser_db() as conn:
        held = conn.execute(
            "SELECT title FROM notify.digest_items WHERE recipient = 'olive' AND title LIKE %s", (f"%{REFERENCE}%",)
        ).fetchall()
    assert sorted(title for (title,) in held) == sorted([staff(C, 5), staff(A, 7)])
    mailed = [s for step in STEPS for s in drill.new[step]["olive"]]
    urgent = [staff(C, 3), staff(C, -11), *(staff(what, n) for what in (A, K) for n in (3, 1, -1))]
    assert sorted(mailed) == sorted(urgent)
    assert all(not drill.new[step]["ravi"] for step in STEPS)  # a rep of another branch


def test_a_reminder_carries_the_facts_and_a_link_but_nothing_else(drill: Drill) -> None:
    [mail] = [m for m in drill.mails["rachel"] if m["Subject"] == staff(A, 7)]
    bodies = parts(mail)
    link = f"{drill.platform.url('portal')}/cases/{CASE_ID}"
    assert link in bodies["text/plain"] and f'href="{link}"' in bodies["text/html"]
    assert f"is due on {long_date(DUE)} (7 days left)" in bodies["text/plain"]
    assert "confirm with the regional office" in bodies["text/plain"]


def test_deadline_facts_recorded_in_workflow_bring_the_reminder(drill: Drill) -> None:
    """End to end: a rep records dismissal facts on workflow's API, workflow computes the tribunal
    claim deadline and announces it, and a week before it notify reminds the rep and the branch's
    coordinator by email."""
    platform = drill.platform
    case = platform.create_case("rachel", unique_number())
    facts = {
        "jurisdiction": "england_wales",
        "termination_date": (london_today() - dt.timedelta(days=20)).isoformat(),
        "claim_types": ["unfair_dismissal"],
    }
    saved = platform.call("rachel", "PUT", "workflow", f"/v1/cases/{case['id']}/deadline-facts", json=facts)
    assert saved.status_code == 200, saved.text
    [claim] = [d for d in saved.json()["deadlines"] if d["kind"] == "tribunal_claim" and d["state"] == "open"]
    waited = time.monotonic() + 60
    with platform.superuser_db() as conn:
        query = "SELECT due_on FROM notify.deadlines WHERE deadline_id = %s AND state = 'open'"
        while (row := conn.execute(query, (claim["id"],)).fetchone()) is None:
            assert time.monotonic() < waited, "notify never heard of the deadline workflow computed"
            time.sleep(0.3)
    due = dt.date.fromisoformat(claim["due_on"])
    assert row[0] == due
    drill.restart_notify(due - dt.timedelta(days=7))
    drill.settle()
    subject = f"case {case['reference']}: 7 days left"
    for person in ("rachel", "cora"):
        [mail] = platform.mails_to(person, subject)
        text = parts(mail)["text/plain"]
        assert f"is due on {long_date(due)} (7 days left)" in text and claim["label"] in text
        assert "confirm with the regional office" in text
