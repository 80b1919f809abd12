"""Which reminder a deadline is due for on a given day: pure date logic, no I/O.

A reminder is sent at each lead time (days before the due date) and once when the date has
passed. On any day only the *nearest* lead reached counts: a deadline first seen five days
before it is due gets the 7-day reminder, never the 28- and 14-day ones as well. Days are
counted in Europe/London, where the union's deadlines fall.
"""

from __future__ import annotations

import datetime as dt

from casework_common import typed_dates

DEFAULT_LEADS: tuple[int, ...] = (28, 14, 7, 3, 1)
OVERDUE = "overdue"
# Inside this many days (and once overdue) coordinators and officials are reminded too.
LAST_WEEK_DAYS = 7
# Inside this many days (and once overdue) a reminder is urgent: emailed at once, never held for
# the next day's digest.
URGENT_DAYS = 3


def parse_leads(text: str) -> tuple[int, ...]:
    """Lead times from a setting such as ``"28,14,7,3,1"``: whole days, 0 or more, largest first.
    ValueError when the text holds no lead or something that is not a whole number of days."""
    leads: set[int] = set()
    for part in text.split(","):
        if not part.strip():
            continue
        try:
            days = int(part.strip())
        except ValueError:
            raise ValueError(f"lead time {part.strip()!r} is not a whole number of days") from None
        if days < 0:
            raise ValueError(f"lead time {days} is negative; overdue reminders are always sent")
        leads.add(days)
    if not leads:
        raise ValueError("no lead time given (e.g. 28,14,7,3,1)")
    return tuple(sorted(leads, reverse=True))


def london_today(fixed: dt.date | None = None, now: dt.datetime | None = None) -> dt.date:
    """Today in Europe/London, or ``fixed`` when a drill or test set one."""
    return fixed if fixed is not None else typed_dates.london_today(now)


def days_left(due_on: dt.date, today: dt.date) -> int:
    """Whole days from today to the due date: 0 on the day itself, negative once it has passed."""
    return (due_on - today).days


def lead_reached(due_on: dt.date, today: dt.date, leads: tuple[int, ...] = DEFAULT_LEADS) -> str | None:
    """The reminder due today: the smallest lead time not shorter than the days left (as text,
    e.g. ``"7"``), ``"overdue"`` after the due date, None while no lead is reached yet."""
    left = days_left(due_on, today)
    if left < 0:
        return OVERDUE
    reached = [lead for lead in leads if left <= lead]
    return str(min(reached)) if reached else None


def inside_last_week(left: int) -> bool:
    """True when coordinators and officials are reminded too: 7 days or fewer left, or overdue."""
    return left <= LAST_WEEK_DAYS


def urgent(left: int) -> bool:
    """True when the reminder goes out at once whatever the person's digest choice: 3 days or
    fewer left, or overdue."""
    return left <= URGENT_DAYS
