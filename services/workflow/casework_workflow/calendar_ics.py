"""A calendar feed's entries as iCalendar (RFC 5545), with the ``icalendar`` library. Pure: no database.

Calendar providers (Google, Apple, Microsoft) copy a subscribed feed into their own storage, so an
entry carries no personal data and no free text typed on a case: the case reference, what the date
is (the deadline kind's name, and for a deadline computed by a rule the claim type from the rule
set), whether it is indicative, and a link to the case in the portal, which asks the reader to sign
in. A hand-entered deadline's own label, a member's name, allegations and notes never appear.

Every entry is an all-day event (a date, no time: deadlines and hearings are days, and an all-day
event shows on that day in any time zone) with a stable UID, so a client updates its copy in place
when a date moves and drops it when the deadline is met or withdrawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Alarm, Calendar, Event, vDuration

from casework_common.vocabulary import DEADLINE_KIND_LABELS

PRODID = "-//Casework//Deadlines and hearings//EN"
CALENDAR_NAME = "Casework: deadlines and hearings"
# How often subscribers should fetch again (RFC 7986 REFRESH-INTERVAL; X-PUBLISHED-TTL for Outlook).
REFRESH = dt.timedelta(hours=1)
# A deadline's reminder: 09:00 on the day before (an all-day event starts at midnight in the
# calendar's own time zone, so 15 hours before its start).
ALARM_BEFORE = dt.timedelta(hours=15)
INDICATIVE_NOTE = "Indicative: confirm with the regional office."


@dataclass(frozen=True)
class DeadlineEntry:
    """An open deadline of a case in the feed owner's scope."""

    id: str
    case_id: str
    reference: str
    kind: str
    rule_label: str | None  # the rule set's label ("Tribunal claim: unfair dismissal"); None if not by rule
    due_on: dt.date
    indicative: bool
    citation: str | None  # the rule's source, e.g. "Employment Rights Act 1996, s.111(2)"
    updated_at: dt.datetime


@dataclass(frozen=True)
class HearingEntry:
    """The hearing date of an open case in the feed owner's scope."""

    case_id: str
    reference: str
    case_type: str
    hearing_on: dt.date
    updated_at: dt.datetime


def deadline_summary(entry: DeadlineEntry) -> str:
    """``C-2026-0012: Tribunal claim deadline — unfair dismissal (indicative)``."""
    kind = DEADLINE_KIND_LABELS.get(entry.kind, DEADLINE_KIND_LABELS["other"])
    what = kind if kind.lower().endswith("deadline") else f"{kind} deadline"
    qualifier = ""
    if entry.rule_label:
        # The rule set's labels read "<kind>: <claim type>"; the claim type is what tells two apart.
        label = entry.rule_label.strip()
        head, sep, tail = label.partition(":")
        if sep and head.strip().lower() == kind.lower():
            qualifier = tail.strip()
        elif label.lower() not in (kind.lower(), what.lower()):
            qualifier = label
    text = f"{entry.reference}: {what}" + (f" — {qualifier}" if qualifier else "")
    return text + (" (indicative)" if entry.indicative else "")


def hearing_summary(entry: HearingEntry) -> str:
    """``C-2026-0012: Hearing (disciplinary)``."""
    return f"{entry.reference}: Hearing ({entry.case_type.replace('_', ' ')})"


def _all_day(event: Event, day: dt.date) -> None:
    event.add("dtstart", day)  # a date: VALUE=DATE
    event.add("dtend", day + dt.timedelta(days=1))  # exclusive end: the one day
    event.add("transp", "TRANSPARENT")  # a deadline does not make the person busy


def render(
    deadlines: Iterable[DeadlineEntry],
    hearings: Iterable[HearingEntry],
    *,
    portal_url: str,
    now: dt.datetime,
) -> bytes:
    """The feed as an iCalendar document (UTF-8, CRLF line ends)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # an X- property is text unless given a type
    base = portal_url.rstrip("/")
    for d in deadlines:
        link = f"{base}/cases/{d.case_id}"
        event = Event()
        event.add("uid", f"{d.id}@casework")
        event.add("dtstamp", now)
        event.add("last-modified", d.updated_at)
        event.add("summary", deadline_summary(d))
        lines = [f"Casework case {d.reference}.", f"Open the case: {link}"]
        if d.citation:
            lines.append(f"Rule: {d.citation}.")
        if d.indicative:
            lines.append(INDICATIVE_NOTE)
        event.add("description", "\n".join(lines))
        event.add("url", link)
        event.add("categories", ["Deadline"])
        _all_day(event, d.due_on)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", deadline_summary(d))
        alarm.add("trigger", -ALARM_BEFORE, parameters={"RELATED": "START"})
        event.add_component(alarm)
        calendar.add_component(event)
    for h in hearings:
        link = f"{base}/cases/{h.case_id}"
        event = Event()
        event.add("uid", f"{h.case_id}-hearing@casework")
        event.add("dtstamp", now)
        event.add("last-modified", h.updated_at)
        event.add("summary", hearing_summary(h))
        event.add("description", f"Casework case {h.reference}.\nOpen the case: {link}")
        event.add("url", link)
        event.add("categories", ["Hearing"])
        _all_day(event, h.hearing_on)
        calendar.add_component(event)
    return calendar.to_ical()
