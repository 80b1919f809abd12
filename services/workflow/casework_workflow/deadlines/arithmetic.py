"""Pure date arithmetic for deadlines: calendar months, early conciliation, working days.

Nothing here knows about claim types or rule sets; ``compute`` and ``requests_clock`` combine these
functions with the cited rules and write the steps a rep reads.

Month arithmetic follows the "corresponding date rule" (Dodds v Walker [1981] 1 WLR 1027, HL): a
period of months ends on the day with the same number in the later month, or on the last day of
that month when it has no such day. A period "beginning with" a day includes that day (Trow v Ind
Coope (West Midlands) Ltd [1967] 2 QB 899, CA), so it ends the day before the corresponding date.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

from casework_common.typed_dates import long_date
from casework_workflow.deadlines.model import Jurisdiction

#: Bank holidays that count for each jurisdiction's own working days (``holidays.UK`` subdivisions).
#: England and Wales share one legal system; their bank holidays are the same, both are listed so a
#: future Welsh-only day is not missed.
SUBDIVISIONS: dict[str, tuple[str, ...]] = {
    Jurisdiction.ENGLAND_WALES: ("ENG", "WLS"),
    Jurisdiction.SCOTLAND: ("SCT",),
    Jurisdiction.NORTHERN_IRELAND: ("NIR",),
}

#: Every part of the UK: the Freedom of Information Act 2000, s.10(6), leaves out a bank holiday
#: "in any part of the United Kingdom".
WHOLE_UK: tuple[str, ...] = ("ENG", "WLS", "SCT", "NIR")

_SUBDIVISION_NAMES = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``29th``, ``31st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def subdivisions_for(jurisdiction: str) -> tuple[str, ...]:
    """The ``holidays.UK`` subdivisions whose bank holidays apply in a jurisdiction; ValueError if unknown."""
    try:
        return SUBDIVISIONS[Jurisdiction(jurisdiction)]
    except ValueError:
        known = ", ".join(j.value for j in Jurisdiction)
        raise ValueError(f"unknown jurisdiction {jurisdiction!r} (expected one of {known})") from None


# ---------------------------------------------------------------------------------------------
# Calendar months


def add_months(day: date, months: int) -> date:
    """The corresponding date ``months`` later, or the last day of that month if it has no such day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def has_corresponding_date(day: date, months: int) -> bool:
    """Whether the month ``months`` later has a day with the same number (31 August + 3: no)."""
    return add_months(day, months).day == day.day


def months_beginning_with(start: date, months: int) -> date:
    """The last day of a period of ``months`` months beginning with (so including) ``start``.

    The day before the corresponding date; when there is no corresponding date, the last day of
    that month: 20 November 2026 + 3 -> 19 February 2027; 31 August 2026 + 3 -> 30 November 2026;
    30 November 2027 + 3 -> 29 February 2028 (leap year), 30 November 2026 + 3 -> 28 February 2027.
    """
    if months < 1:
        raise ValueError(f"a period must be at least one month, not {months}")
    if has_corresponding_date(start, months):
        return add_months(start, months) - timedelta(days=1)
    return add_months(start, months)  # already clamped to the last day of the month


# ---------------------------------------------------------------------------------------------
# Early conciliation (ACAS in Great Britain, the Labour Relations Agency in Northern Ireland)


@dataclass(frozen=True)
class Conciliation:
    """The effect of early conciliation on a time limit, with every intermediate date for the steps."""

    limit: date  # the time limit without conciliation
    day_a: date
    day_b: date
    applies: bool  # False when Day A came after the limit had already expired, or before the period began
    days_not_counted: int  # subsection (3): the days after Day A up to and including Day B inside the period
    after_pause: date  # the limit with those days not counted
    month_after_day_b: date  # end of the subsection (4) period
    extended_to_month_after_b: bool  # subsection (4) applied
    due_on: date  # the resulting last day
    before_period: bool = False  # Day A came before the period began: not applied (see early_conciliation)


def early_conciliation(limit: date, day_a: date, day_b: date, *, period_start: date | None = None) -> Conciliation:
    """Apply s.207B(3) and (4) ERA 1996 (and the provisions in the same terms) to a time limit.

    (3) The days beginning with the day after Day A and ending with Day B are not counted.
    (4) If the limit (so extended) would expire in the period beginning with Day A and ending one
    month after Day B, it expires at the end of that period instead. Both apply in sequence
    (Luton Borough Council v Haque [2018] ICR 1388, EAT). A limit that had already expired before
    Day A is not extended (Pearce v Bank of America Merrill Lynch, UKEAT/0067/19, 2019).

    ``period_start`` (the date the limitation period runs from): when conciliation began before it
    (Day A earlier), whether the provisions extend the limit at all is disputed, so nothing is
    applied: ``applies`` is False, ``before_period`` True and the date is the unextended limit (the
    safer one). ``days_not_counted`` then says how many days after Day A up to and including Day B
    fall inside the period (from ``period_start`` on), for the steps: a tribunal might leave them out.
    """
    if day_b < day_a:
        raise ValueError(
            f"ACAS Day B ({long_date(day_b)}) is before Day A ({long_date(day_a)}): "
            "the certificate cannot be received before conciliation started"
        )
    month_after_b = add_months(day_b, 1)
    if day_a > limit:
        return Conciliation(limit, day_a, day_b, False, 0, limit, month_after_b, False, limit)
    if period_start is not None and day_a < period_start:
        first_inside = max(day_a + timedelta(days=1), period_start)
        inside = max(0, (day_b - first_inside).days + 1)
        return Conciliation(limit, day_a, day_b, False, inside, limit, month_after_b, False, limit, True)
    paused = (day_b - day_a).days  # the day after Day A up to and including Day B
    after_pause = limit + timedelta(days=paused)
    extend = day_a <= after_pause <= month_after_b
    due = month_after_b if extend else after_pause
    return Conciliation(limit, day_a, day_b, True, paused, after_pause, month_after_b, extend, due)


# ---------------------------------------------------------------------------------------------
# Working days


@cache
def _bank_holidays(subdivisions: tuple[str, ...], year: int) -> dict[date, str]:
    """Bank holidays of the given parts of the UK in one year, by date, named (and where, if not everywhere)."""
    found: dict[date, set[str]] = {}
    names: dict[date, str] = {}
    for subdivision in subdivisions:
        for day, name in holidays.UK(subdiv=subdivision, years=year).items():
            found.setdefault(day, set()).add(subdivision)
            names.setdefault(day, name)
    labelled = {}
    for day, where in found.items():
        if len(subdivisions) > 1 and where != set(subdivisions):
            places = " and ".join(_SUBDIVISION_NAMES[s] for s in subdivisions if s in where)
            labelled[day] = f"{names[day]}, {places}"
        else:
            labelled[day] = names[day]
    return labelled


def bank_holiday(day: date, subdivisions: Iterable[str]) -> str | None:
    """The name of the bank holiday on ``day`` in any of the given parts of the UK, or None."""
    return _bank_holidays(tuple(subdivisions), day.year).get(day)


def is_working_day(day: date, subdivisions: Iterable[str]) -> bool:
    """Monday to Friday and not a bank holiday (per the ``holidays`` library) in those parts of the UK."""
    return day.weekday() < 5 and bank_holiday(day, subdivisions) is None


def next_working_day(day: date, subdivisions: Iterable[str]) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    subs = tuple(subdivisions)
    while not is_working_day(day, subs):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class WorkingDays:
    """The n-th working day after a date, and the bank holidays skipped on the way (for the steps)."""

    start: date
    count: int
    first_day: date  # working day 1
    due_on: date  # working day ``count``
    skipped_holidays: tuple[tuple[date, str], ...]  # weekday bank holidays between start and due_on


def add_working_days(start: date, count: int, subdivisions: Iterable[str]) -> WorkingDays:
    """The ``count``-th working day after ``start`` (day 1 is the first working day after ``start``)."""
    if count < 1:
        raise ValueError(f"count working days from 1, not {count}")
    subs = tuple(subdivisions)
    day, seen, first = start, 0, None
    skipped: list[tuple[date, str]] = []
    while seen < count:
        day += timedelta(days=1)
        if is_working_day(day, subs):
            seen += 1
            first = first or day
        elif day.weekday() < 5:
            skipped.append((day, bank_holiday(day, subs) or ""))
    assert first is not None
    return WorkingDays(start, count, first, day, tuple(skipped))
