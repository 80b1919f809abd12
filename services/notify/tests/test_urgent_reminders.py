"""Urgent deadline reminders (3 days or less away, or overdue) are emailed at once, never held
for the daily digest (pure logic: the choice is made before anything is written)."""

from __future__ import annotations

import datetime as dt

import pytest

from casework_notify.delivery import held_for_digest
from casework_notify.reminders import Deadline, member_reminder, staff_reminder
from casework_notify.rules import KINDS


def deadline() -> Deadline:
    return Deadline(
        deadline_id="d1",
        case_id="6f1c2d1e-0000-4000-8000-000000000001",
        reference="CW-2027-000042",
        branch="north-london",
        membership_number="M100001",
        reps=("rachel",),
        officials=("olive",),
        kind="tribunal_claim",
        label="Tribunal claim: unfair dismissal",
        due_on=dt.date(2027, 4, 14),
        state="open",
        visibility="member",
        indicative=True,
    )


@pytest.mark.parametrize(
    ("left", "urgent"),
    [(28, False), (7, False), (5, False), (4, False), (3, True), (1, True), (0, True), (-1, True), (-30, True)],
)
def test_reminders_three_days_or_less_away_or_overdue_are_urgent(left: int, urgent: bool) -> None:
    assert staff_reminder(deadline(), left, "rachel", "l").urgent is urgent
    assert member_reminder(deadline(), left, "maria", "l").urgent is urgent


def test_an_urgent_notification_is_never_held_for_the_digest() -> None:
    note = staff_reminder(deadline(), 7, "rachel", "l")
    assert held_for_digest("digest", note) and not held_for_digest("immediate", note)
    urgent = staff_reminder(deadline(), 1, "rachel", "l")
    assert not held_for_digest("digest", urgent) and not held_for_digest("immediate", urgent)


def test_the_preference_says_urgent_reminders_always_come_at_once() -> None:
    assert "3 days" in KINDS["deadline_reminder"] and "at once" in KINDS["deadline_reminder"]
