"""A calendar feed's iCalendar document (pure rendering; the feed end to end is tests/test_calendar_feeds.py)."""

import datetime as dt

import pytest
from icalendar import Calendar

from casework_workflow.calendar_ics import DeadlineEntry, HearingEntry, deadline_summary, render

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def deadline(kind: str, rule_label: str | None, indicative: bool = True, **changes: object) -> DeadlineEntry:
    values: dict[str, object] = {
        "id": "d1",
        "case_id": "c1",
        "reference": "C-2026-0012",
        "kind": kind,
        "rule_label": rule_label,
        "due_on": dt.date(2026, 5, 3),
        "indicative": indicative,
        "citation": None,
        "updated_at": NOW,
    }
    values.update(changes)
    return DeadlineEntry(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "rule_label", "indicative", "summary"),
    [
        (
            "tribunal_claim",
            "Tribunal claim: unfair dismissal",
            True,
            "C-2026-0012: Tribunal claim deadline — unfair dismissal (indicative)",
        ),
        ("appeal", "Internal appeal", True, "C-2026-0012: Internal appeal deadline (indicative)"),
        ("appeal", None, False, "C-2026-0012: Internal appeal deadline"),
        ("subject_access", None, False, "C-2026-0012: Subject access request reply deadline"),
        ("other", None, False, "C-2026-0012: Deadline"),
        ("no_such_kind", None, False, "C-2026-0012: Deadline"),
    ],
)
def test_summaries(kind: str, rule_label: str | None, indicative: bool, summary: str) -> None:
    assert deadline_summary(deadline(kind, rule_label, indicative)) == summary


def test_all_day_events_with_stable_uids_an_alarm_and_refresh_hints() -> None:
    entry = deadline("tribunal_claim", "Tribunal claim: unfair dismissal", citation="ERA 1996, s.111(2)")
    hearing = HearingEntry("c1", "C-2026-0012", "disciplinary", dt.date(2026, 4, 1), NOW)
    calendar = Calendar.from_ical(render([entry], [hearing], portal_url="https://casework.example.org/", now=NOW))
    assert str(calendar["X-WR-CALNAME"]) == "Casework: deadlines and hearings"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"d1@casework", "c1-hearing@casework"}
    due = events["d1@casework"]
    assert due["DTSTART"].dt == dt.date(2026, 5, 3) and due["DTSTART"].params["VALUE"] == "DATE"
    assert due["DTEND"].dt == dt.date(2026, 5, 4)
    description = str(due["DESCRIPTION"])
    assert "https://casework.example.org/cases/c1" in description
    assert "Rule: ERA 1996, s.111(2)." in description
    assert "Indicative: confirm with the regional office." in description
    (alarm,) = due.walk("VALARM")
    assert alarm["TRIGGER"].dt == -dt.timedelta(hours=15) and str(alarm["ACTION"]) == "DISPLAY"
    assert not events["c1-hearing@casework"].walk("VALARM")
    assert str(events["c1-hearing@casework"]["SUMMARY"]) == "C-2026-0012: Hearing (disciplinary)"


def test_a_definite_deadline_does_not_carry_the_indicative_note() -> None:
    calendar = Calendar.from_ical(render([deadline("appeal", None, False)], [], portal_url="https://x", now=NOW))
    (event,) = calendar.walk("VEVENT")
    assert "Indicative" not in str(event["DESCRIPTION"]) and "indicative" not in str(event["SUMMARY"])
