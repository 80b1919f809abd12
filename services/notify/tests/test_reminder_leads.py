"""Which deadline reminder is due on a day, to whom and in what words (pure logic; the directory
is an in-memory stand-in). The delivery itself is tested on the real platform in
tests/test_deadline_reminders.py."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest
from pydantic import ValidationError

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_common.directory import Person
from casework_common.events import EnvelopeError
from casework_common.typed_dates import days_left_text, long_date
from casework_notify.reminder_leads import (
    DEFAULT_LEADS,
    inside_last_week,
    lead_reached,
    london_today,
    parse_leads,
)
from casework_notify.reminders import (
    Deadline,
    deadline_values,
    member_reminder,
    one_line,
    recipients,
    staff_reminder,
)
from casework_notify.rules import RuleContext, kinds_for
from casework_notify.settings import NotifySettings

DUE = dt.date(2027, 4, 14)


@pytest.mark.parametrize(
    ("today", "lead"),
    [
        (dt.date(2027, 2, 1), None),  # 72 days left: no lead reached yet
        (dt.date(2027, 3, 16), None),  # 29 days left
        (dt.date(2027, 3, 17), "28"),  # exactly 28 days
        (dt.date(2027, 3, 20), "28"),
        (dt.date(2027, 3, 31), "14"),
        (dt.date(2027, 4, 6), "14"),  # 8 days: still the 14-day reminder
        (dt.date(2027, 4, 7), "7"),
        (dt.date(2027, 4, 9), "7"),  # first seen 5 days before: the 7-day reminder, not 28 and 14
        (dt.date(2027, 4, 11), "3"),
        (dt.date(2027, 4, 13), "1"),
        (dt.date(2027, 4, 14), "1"),  # due today: the last lead still holds, no second reminder
        (dt.date(2027, 4, 15), "overdue"),
        (dt.date(2028, 1, 1), "overdue"),  # overdue is one reminder, however long ago
    ],
)
def test_the_nearest_lead_reached_is_the_one_due(today: dt.date, lead: str | None) -> None:
    assert lead_reached(DUE, today, DEFAULT_LEADS) == lead


def test_every_day_to_the_due_date_gives_the_leads_in_order_each_once() -> None:
    day, seen = DUE - dt.timedelta(days=60), []
    while day <= DUE + dt.timedelta(days=5):
        lead = lead_reached(DUE, day)
        if lead is not None and lead not in seen:
            seen.append(lead)
        day += dt.timedelta(days=1)
    assert seen == ["28", "14", "7", "3", "1", "overdue"]


def test_configured_leads_are_used_and_checked() -> None:
    assert parse_leads("7, 30,0,7") == (30, 7, 0)
    assert lead_reached(DUE, DUE, (30, 7, 0)) == "0"
    assert lead_reached(DUE, DUE - dt.timedelta(days=20), (30, 7, 0)) == "30"
    for bad in ("", " , ", "7,x", "-1"):
        with pytest.raises(ValueError):
            parse_leads(bad)


def test_today_is_the_date_in_london_unless_fixed_for_a_drill() -> None:
    # 23:30 UTC on a summer evening is already the next day in London (BST); in winter it is not.
    assert london_today(now=dt.datetime(2027, 6, 30, 23, 30, tzinfo=dt.UTC)) == dt.date(2027, 7, 1)
    assert london_today(now=dt.datetime(2027, 12, 30, 23, 30, tzinfo=dt.UTC)) == dt.date(2027, 12, 30)
    assert london_today(dt.date(2030, 1, 2), now=dt.datetime(2027, 6, 30, tzinfo=dt.UTC)) == dt.date(2030, 1, 2)


def test_dates_and_days_in_words() -> None:
    assert long_date(DUE) == "14 April 2027"
    assert long_date(dt.date(2028, 2, 29)) == "29 February 2028"
    assert [days_left_text(n) for n in (7, 1, 0, -1, -3)] == [
        "7 days left",
        "1 day left",
        "due today",
        "1 day overdue",
        "3 days overdue",
    ]
    assert inside_last_week(7) and inside_last_week(-2) and not inside_last_week(8)


PEOPLE = [
    Person("maria", "maria@x.org", frozenset({"member"}), "north-london", "london", "M100001"),
    Person("cora", "cora@x.org", frozenset({"coordinator"}), "north-london", "london", None),
    Person("colm", "colm@x.org", frozenset({"coordinator"}), "south-london", "london", None),
]


class People:
    def member(self, number: str) -> Person | None:
        return next((p for p in PEOPLE if p.membership_number == number), None)

    def with_role(self, role: str, *, branch: str | None = None, region: str | None = None) -> list[Person]:
        return [p for p in PEOPLE if role in p.roles and (branch is None or p.branch == branch)]


CONTEXT = RuleContext(None, None, People(), "https://portal.example.org")  # type: ignore[arg-type]


def deadline(visibility: str = "member", indicative: bool = True, **changes: object) -> Deadline:
    values: dict[str, object] = {
        "deadline_id": "d1",
        "case_id": "6f1c2d1e-0000-4000-8000-000000000001",
        "reference": "CW-2027-000042",
        "branch": "north-london",
        "membership_number": "M100001",
        "reps": ("rachel", "raj"),
        "officials": ("olive",),
        "kind": "tribunal_claim",
        "label": "Tribunal claim: unfair dismissal",
        "due_on": DUE,
        "state": "open",
        "visibility": visibility,
        "indicative": indicative,
    }
    values.update(changes)
    return Deadline(**values)  # type: ignore[arg-type]


def test_reps_always_coordinators_and_officials_only_inside_the_last_week() -> None:
    assert recipients(deadline("reps"), 14, CONTEXT) == [("rachel", False), ("raj", False)]
    assert recipients(deadline("reps"), 8, CONTEXT) == [("rachel", False), ("raj", False)]
    last_week = [("cora", False), ("olive", False), ("rachel", False), ("raj", False)]
    assert recipients(deadline("reps"), 7, CONTEXT) == last_week
    assert recipients(deadline("reps"), -1, CONTEXT) == last_week


def test_the_member_only_for_dates_they_can_see() -> None:
    assert ("maria", True) in recipients(deadline("member"), 14, CONTEXT)
    assert ("maria", True) in recipients(deadline("member"), 3, CONTEXT)
    assert all(person != "maria" for person, _ in recipients(deadline("reps"), 3, CONTEXT))
    assert all(person != "maria" for person, _ in recipients(deadline("member", membership_number="M9"), 3, CONTEXT))


def test_staff_words_carry_the_facts_and_the_indicative_notice() -> None:
    note = staff_reminder(deadline(), 7, "rachel", "https://portal.example.org/cases/x")
    assert note.kind == "deadline_reminder" and note.recipient == "rachel" and not note.to_member
    assert note.title == "Tribunal claim: unfair dismissal, case CW-2027-000042: 7 days left"
    assert note.message == (
        "Tribunal claim: unfair dismissal on case CW-2027-000042 is due on 14 April 2027 (7 days left). "
        "The date is indicative: confirm with the regional office before relying on it."
    )
    exact = staff_reminder(deadline(indicative=False, kind="other", label="Reply to the employer"), -2, "r", "l")
    assert exact.message.startswith("Deadline (Reply to the employer) on case CW-2027-000042 was due on 14 April 2027")
    assert "2 days overdue" in exact.message and "regional office" not in exact.message


def test_member_words_are_plain_truthful_and_without_legal_alarm() -> None:
    note = member_reminder(deadline(), 7, "maria", "link")
    assert note.to_member and note.title == "A date on your case CW-2027-000042: 14 April 2027"
    assert "due on 14 April 2027 (7 days left)" in note.message and "your rep" in note.message.lower()
    assert "may change" in note.message  # indicative, said plainly
    assert "indicative" not in note.message.lower() and "relying" not in note.message
    passed = member_reminder(deadline(), -1, "maria", "link")
    assert "has passed" in passed.title and "was 14 April 2027" in passed.message and "overdue" not in passed.message


def test_an_event_becomes_a_row_and_an_unusable_one_is_refused() -> None:
    changed = events_pb2.DeadlineChanged(
        case=events_pb2.CaseRef(case_id="c1", reference="CW-1", branch="b", reps=["rachel"]),
        deadline_id="d1",
        kind=events_pb2.DEADLINE_KIND_APPEAL,
        label="Internal appeal",
        due_on="2027-04-14",
        state=events_pb2.DEADLINE_STATE_MET,
        visibility=events_pb2.VISIBILITY_UNSPECIFIED,
        version=7,
        officials=["olive"],
    )
    row = deadline_values(changed, "e1")
    assert (row["kind"], row["state"], row["due_on"], row["visibility"]) == ("appeal", "met", DUE, "reps")
    assert row["reps"] == ["rachel"] and row["officials"] == ["olive"] and row["version"] == 7
    for broken in ({"due_on": "14/04/2027"}, {"state": events_pb2.DEADLINE_STATE_UNSPECIFIED}, {"deadline_id": ""}):
        bad = events_pb2.DeadlineChanged()
        bad.CopyFrom(changed)
        for field, value in broken.items():
            setattr(bad, field, value)
        with pytest.raises(EnvelopeError):
            deadline_values(bad, "e2")


def test_members_and_staff_are_offered_the_reminder_preference() -> None:
    for role in ("member", "rep", "coordinator", "official"):
        assert "deadline_reminder" in kinds_for(Principal(subject="s", username="u", roles=frozenset({role})))


REQUIRED = {
    "CASEWORK_DATABASE_URL": "postgresql+psycopg://notify@127.0.0.1/casework",
    "CASEWORK_OIDC_ISSUER": "https://id.example.org/realms/casework",
    "CASEWORK_OIDC_CLIENT_SECRET": "s",
}


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> NotifySettings:
    for name, value in {**REQUIRED, **env}.items():
        monkeypatch.setenv(name, value)
    return NotifySettings()


def test_reminder_settings_default_and_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    default = settings(monkeypatch)
    assert default.reminder_leads == DEFAULT_LEADS and default.notify_today is None
    assert default.notify_reminder_interval_s == 300
    drill = settings(
        monkeypatch,
        CASEWORK_NOTIFY_TODAY="2027-04-07",
        CASEWORK_NOTIFY_REMINDER_LEAD_DAYS="10,2",
        CASEWORK_NOTIFY_REMINDER_INTERVAL_S="0.5",
    )
    assert (drill.notify_today, drill.reminder_leads, drill.notify_reminder_interval_s) == (
        dt.date(2027, 4, 7),
        (10, 2),
        0.5,
    )
    assert settings(monkeypatch, CASEWORK_NOTIFY_TODAY="").notify_today is None
    for bad in ({"CASEWORK_NOTIFY_REMINDER_LEAD_DAYS": "7,soon"}, {"CASEWORK_NOTIFY_TODAY": "7 April"}):
        with pytest.raises(ValidationError):
            settings(monkeypatch, **bad)


def test_the_reps_on_the_case_now_are_reminded_not_those_the_event_named() -> None:
    people = recipients(deadline("reps"), 14, CONTEXT, reps=("ravi",))
    assert people == [("ravi", False)]


def test_a_label_with_line_breaks_makes_a_one_line_subject() -> None:
    label = "Grievance hearing\r\nBcc: someone@example.org\x00\u2028bring\tthe bundle "
    for compose in (staff_reminder, member_reminder):
        note = compose(deadline(kind="other", label=label), 7, "rachel", "l")
        assert not any(ch in note.title + note.message for ch in "\r\n\x00\u2028\t")
        assert "Grievance hearing Bcc: someone@example.org bring the bundle" in note.message
        message = EmailMessage()
        message["Subject"] = note.title  # raised "Header values may not contain linefeed..." before
    assert staff_reminder(deadline(kind="other", label=label), 7, "r", "l").title == (
        "Deadline (Grievance hearing Bcc: someone@example.org bring the bundle), case CW-2027-000042: 7 days left"
    )
    assert one_line(" \n ") == "" and one_line("Appeal") == "Appeal"
