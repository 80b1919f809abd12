"""Dates as people write them in UK workplace documents, and as metadata stores them.

Text dates are read day-first (UK): "3 March 2026", "3rd of March 2026", "Tuesday, 3 March
2026", "March 3, 2026", "03/03/2026", "3.3.26", "2026-03-03". A month name may carry one OCR
slip ("Marcn", "Febuary"), matched by edit distance against the full names. A date without a
year ("10 March") is never a document date: the year cannot be known.

The document date is the letter's own date, not a date the body mentions: each dated line is
scored — a "Date:"/"Dated" label or a line holding nothing but the date near the top counts
for it; "attend on", "date of birth", "start date" and the like count against it — and the
best line wins. Body dates with no such cue are not taken at all (the caller falls back to
metadata, then to the upload date), because a hearing or incident date is a worse answer than
the upload date.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_ABBREVIATIONS = {name[:3]: index + 1 for index, name in enumerate(MONTHS)} | {"sept": 9}
WEEKDAYS = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+"

# A month word: letters only, matched loosely here and checked by month_number().
_MONTH = r"(?P<month>[A-Za-z]{3,10})\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d|'?\d\d)"
_PATTERNS = (
    # 3 March 2026, 3rd of March, 2026, Tuesday 3 March 2026
    re.compile(rf"(?<![\w/.-])(?:{WEEKDAYS})?{_DAY}(?:\s+of)?\s+{_MONTH},?\s+{_YEAR}(?![\w/])", re.IGNORECASE),
    # March 3, 2026 / March 3rd 2026
    re.compile(rf"(?<![\w/.-])(?:{WEEKDAYS})?{_MONTH}\s+{_DAY},?\s+{_YEAR}(?![\w/])", re.IGNORECASE),
    # 03/03/2026, 3.3.26, 3-3-2026 (day first)
    re.compile(
        r"(?<![\w/.:-])(?P<day>[0-3]?\d)(?P<sep>[/.-])(?P<month>[01]?\d)(?P=sep)(?P<year>(?:19|20)\d\d|\d\d)(?![\w/-]|\.\d)"
    ),
    # 2026-03-03
    re.compile(r"(?<![\w/.-])(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?![\w/-]|\.\d)"),
)


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def month_number(word: str) -> int | None:
    """The month a word names (full name, three-letter abbreviation, "Sept", or a full name with
    one OCR slip), or None."""
    word = word.lower().rstrip(".")
    if word in MONTHS:
        return MONTHS.index(word) + 1
    if word in _ABBREVIATIONS:
        return _ABBREVIATIONS[word]
    # Only long words get the slip: three letters off by one are too many real words.
    if len(word) >= 5:
        for index, name in enumerate(MONTHS):
            if len(name) >= 5 and _edit_distance_at_most_one(word, name):
                return index + 1
    return None


def plausible(value: dt.date, today: dt.date) -> bool:
    """A document date from 1950 to a year after today: older is a misread, later is a typo or
    a date the document looks forward to."""
    return dt.date(1950, 1, 1) <= value <= today + dt.timedelta(days=365)


def _year(text: str, today: dt.date) -> int:
    text = text.lstrip("'")
    if len(text) == 4:
        return int(text)
    # Two digits: this century up to next year, else the last (a '98 contract is from 1998).
    two = int(text)
    return 2000 + two if two <= (today.year % 100) + 1 else 1900 + two


def _build(year: int, month: int, day: int, today: dt.date) -> dt.date | None:
    try:
        value = dt.date(year, month, day)
    except ValueError:  # 31/02, 29/02 of a common year, month 13
        return None
    return value if plausible(value, today) else None


@dataclass(frozen=True)
class Found:
    """One date in a text: its value and where it stood."""

    value: dt.date
    start: int
    end: int


def find_dates(text: str, today: dt.date) -> list[Found]:
    """Every valid, plausible full date in a piece of text, in order of position."""
    found: dict[int, Found] = {}
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(f.start <= match.start() < f.end for f in found.values()):
                continue
            groups = match.groupdict()
            month_text = groups["month"]
            month = int(month_text) if month_text.isdigit() else month_number(month_text)
            if month is None:
                continue
            value = _build(_year(groups["year"], today), month, int(groups["day"]), today)
            if value is not None:
                found[match.start()] = Found(value, match.start(), match.end())
    return sorted(found.values(), key=lambda f: f.start)


# Cues on the same line, before the date.
_FOR = re.compile(
    r"\b(?:date[d]?|date of (?:letter|issue|meeting|hearing|statement|assessment|this (?:letter|statement))|"
    r"pay ?date|payment date|issued|approved|sent|signed|written on)\b\s*(?:on\s*)?:?",
    re.IGNORECASE,
)
_AGAINST = re.compile(
    r"\b(?:attend(?:ance)?|held|take place|on or before|no later than|until|between|since|"
    r"birth|d\.?o\.?b|start(?:ed|ing)?|commence(?:d|ment|s)?|joined|effective|review(?:ed)?|next|expir(?:y|es?)|"
    r"incident|occurred|happened|received|period|ending|deadline|from)\b",
    re.IGNORECASE,
)
_ON = re.compile(r"\bon\s*$", re.IGNORECASE)
_TOP_LINES = 15


@dataclass(frozen=True)
class DatedLine:
    value: dt.date
    score: float
    line: int


def _score_line(line: str, found: Found, index: int, total_lines: int) -> float:
    before = line[: found.start].strip()
    after = line[found.end :].strip(" .,;")
    score = 0.0
    # What the document looks forward or back to (a hearing, a birth, a review) outweighs a
    # "date" label: "Date of birth:" is a label too.
    if _AGAINST.search(before[-40:]):
        score -= 5
    elif _FOR.search(before):
        score += 4
    elif _ON.search(before):
        score -= 3
    # A line holding nothing but the date (a letter's date line).
    if not before.strip(" ,:-") and not after:
        score += 3 if index < _TOP_LINES else 1
    elif not after and before.lower().rstrip(" ,:") in {"", "london", "manchester"}:
        score += 1
    if index < _TOP_LINES:
        score += 2
    elif index >= total_lines - 12 and _FOR.search(before):
        # "Signed ... Dated 12 March 2026" at the foot of a statement.
        score += 1
    return score


def document_date(pages: Iterable[str], today: dt.date) -> dt.date | None:
    """The document's own date from its text, or None when no line is dated as the document."""
    lines = [line for page in pages for line in page.splitlines()]
    candidates: list[DatedLine] = []
    for index, line in enumerate(lines):
        for found in find_dates(line, today):
            candidates.append(DatedLine(found.value, _score_line(line, found, index, len(lines)), index))
    # Only a cue or the top of the page makes a date the document's: a bare body date is not.
    best = max(candidates, key=lambda c: (c.score, -c.line), default=None)
    return best.value if best is not None and best.score >= 3 else None


def header_date(value: str, today: dt.date) -> dt.date | None:
    """An email's Date header: RFC 5322 ("Tue, 03 Mar 2026 12:00:00 +0000"), or what Outlook
    files give (ISO "2026-03-03 12:00:00+00:00"), or a date as written. The date is the
    sender's local date, as the header states it."""
    value = value.strip()
    if not value:
        return None
    parsed: dt.date | None = None
    try:
        parsed = email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        try:
            parsed = dt.datetime.fromisoformat(value).date()
        except ValueError:
            dates = find_dates(value, today)
            parsed = dates[0].value if dates else None
    return parsed if parsed is not None and plausible(parsed, today) else None


_EXIF = re.compile(r"^\s*(\d{4})[:-](\d{2})[:-](\d{2})")


def exif_date(value: str, today: dt.date) -> dt.date | None:
    """EXIF DateTimeOriginal ("2026:03:03 12:00:00"); "0000:00:00 00:00:00" (unset) gives None."""
    match = _EXIF.match(value or "")
    if not match:
        return None
    return _build(int(match[1]), int(match[2]), int(match[3]), today)


_PDF = re.compile(r"^\s*(?:D:)?(\d{4})(\d{2})(\d{2})")


def pdf_date(value: str, today: dt.date) -> dt.date | None:
    """A PDF date string ("D:20260303120000Z", "D:20260303120000+01'00'"); one without a day
    ("D:2026") gives None rather than a guessed 1 January."""
    match = _PDF.match(value or "")
    if not match:
        return None
    return _build(int(match[1]), int(match[2]), int(match[3]), today)
