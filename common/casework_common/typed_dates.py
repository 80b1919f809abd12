"""Dates as people type them (a search box, a date filter, a correction of a document's date), and
the ways letters spell them. One parser for every service, so a date one box accepts, another does too.

Page text is tokenised word by word, so "03/03/2026" in a query (tokens 03 03 2026) never
meets "3 March 2026" in a letter (tokens 3 march 2026). A date recognised in the query is
therefore searched as any one of the spellings below, each an exact phrase. Numeric dates
are read day first (UK letters); two-digit years and "3rd of March" in the page text are
not among the spellings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator

LONDON = ZoneInfo("Europe/London")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_NUMBER = {name.lower(): i for i, name in enumerate(MONTHS, 1)}
_MONTH_NUMBER.update({name[:3].lower(): i for i, name in enumerate(MONTHS, 1)})
_MONTH_NUMBER["sept"] = 9
_ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th)?$", re.IGNORECASE)
_YEAR = re.compile(r"^(19|20)\d\d$")
_NUMERIC = (
    re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>(?:19|20)\d\d)$"),
    re.compile(r"^(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
)
# How letters spell a date; those without the year also match a page that gives one after.
WITH_YEAR = (
    "{d} {month} {y}",
    "{d}{suffix} {month} {y}",
    "{month} {d} {y}",
    "{month} {d}{suffix} {y}",
    "{d} {mon} {y}",
    "{dd}/{mm}/{y}",
    "{d}/{m}/{y}",
    "{y}-{mm}-{dd}",
)
WITHOUT_YEAR = ("{d} {month}", "{d}{suffix} {month}", "{month} {d}", "{month} {d}{suffix}", "{d} {mon}")


@dataclass(frozen=True)
class TypedDate:
    """A date found in the query: the words it took (start, end) and its day, month, year."""

    start: int
    end: int
    day: int
    month: int
    year: int | None

    def spellings(self) -> list[str]:
        """The phrases a page may use for this date."""
        day = self.day
        suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        name = MONTHS[self.month - 1]
        values = {
            "d": day,
            "dd": f"{day:02d}",
            "m": self.month,
            "mm": f"{self.month:02d}",
            "y": self.year,
            "suffix": suffix,
            "month": name,
            "mon": name[:3],
        }
        forms = WITH_YEAR if self.year else WITHOUT_YEAR
        return list(dict.fromkeys(form.format(**values) for form in forms))


def _core(word: str) -> str:
    return word.strip(".,;:!?()[]'\"").lower()


def _valid(day: int, month: int, year: int | None) -> bool:
    try:
        dt.date(year or 2000, month, day)  # 2000: a leap year, so 29 February stands without a year
    except ValueError:
        return False
    return True


def _day(word: str) -> int | None:
    match = _ORDINAL.match(_core(word))
    return int(match.group(1)) if match else None


def _year(words: Sequence[str], i: int) -> int | None:
    return int(_core(words[i])) if i < len(words) and _YEAR.match(_core(words[i])) else None


def _at(words: Sequence[str], i: int) -> TypedDate | None:
    """The date starting at word ``i``, if one does."""
    for pattern in _NUMERIC:
        if match := pattern.match(_core(words[i])):
            day, month, year = int(match["d"]), int(match["m"]), int(match["y"])
            return TypedDate(i, i + 1, day, month, year) if _valid(day, month, year) else None
    day, month = _day(words[i]), None
    if day is not None:  # 3rd (of) March (2026)
        j = i + 1
        if j < len(words) and _core(words[j]) == "of":
            j += 1
        if j < len(words) and (month := _MONTH_NUMBER.get(_core(words[j]))):
            end = j + 1
        else:
            return None
    else:  # March 3rd(,) (2026)
        month = _MONTH_NUMBER.get(_core(words[i]))
        day = _day(words[i + 1]) if month and i + 1 < len(words) else None
        if day is None:
            return None
        end = i + 2
    year = _year(words, end)
    if year is not None:
        end += 1
    return TypedDate(i, end, day, month, year) if _valid(day, month, year) else None


def find(words: Sequence[str]) -> list[TypedDate]:
    """The dates among ``words`` (as typed, punctuation and all), left to right, not overlapping."""
    found: list[TypedDate] = []
    i = 0
    while i < len(words):
        date = _at(words, i)
        if date:
            found.append(date)
            i = date.end
        else:
            i += 1
    return found


def long_date(day: dt.date) -> str:
    """A date as letters and people write it: ``14 April 2027`` (no locale involved)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def london_today(now: dt.datetime | None = None) -> dt.date:
    """Today in Europe/London (the union's day, whatever the server's zone): deadlines count from it."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(LONDON).date()


def days_left_text(left: int) -> str:
    """Days to a due date in words, as pages and reminders say it: "due today", "1 day left",
    "3 days overdue"."""
    if left == 0:
        return "due today"
    if left > 0:
        return f"{left} day{'s' if left != 1 else ''} left"
    return f"{-left} day{'s' if left != -1 else ''} overdue"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_WORDS = {name.lower() for name in WEEKDAYS} | {name[:3].lower() for name in WEEKDAYS} | {"tues", "thurs"}


def parse_day(text: str) -> dt.date:
    """One whole date as people type it ("1 March 2026", "Tuesday 3rd March 2026", "March 3, 2026",
    "03/03/2026" day first, "3.3.2026", "2026-03-03", an ISO date and time), with its year.
    ValueError, with a sentence for the user, if the text is anything else."""
    text = text.strip()
    if re.match(r"^\d{4}-\d\d-\d\d[T ]\d", text):  # an ISO date and time: its day
        try:
            return dt.datetime.fromisoformat(text).date()
        except ValueError:
            pass
    words = text.split()
    if words and _core(words[0]) in _WEEKDAY_WORDS:  # "Tuesday 3 March 2026": the weekday adds nothing
        words = words[1:]
    found = find(words)
    if len(found) != 1 or (found[0].start, found[0].end) != (0, len(words)):
        cores = [_core(word) for word in words]
        shaped = any(p.match(c) for c in cores for p in _NUMERIC) or any(c in _MONTH_NUMBER for c in cores)
        what = "Not a real date" if shaped else "Not a date"  # 31/02/2026, 30 February 2026: no such day
        raise ValueError(f"{what}. Type it as 3 March 2026, 03/03/2026 (day first) or 2026-03-03.")
    date = found[0]
    if date.year is None:
        raise ValueError("Give the year too, such as 3 March 2026.")
    return dt.date(date.year, date.month, date.day)


_ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def _typed_day(value: object) -> object:
    """A date typed as people write it ("3 March 2026", "03/03/2026") becomes its day; an ISO date
    and anything else go on to pydantic's own date parsing (and its precise errors)."""
    if isinstance(value, str) and value.strip() and not _ISO_DAY.fullmatch(value.strip()):
        return parse_day(value)
    return value


#: A pydantic date field that also takes dates as people type them (see :func:`parse_day`).
TypedDay = Annotated[dt.date, BeforeValidator(_typed_day)]
