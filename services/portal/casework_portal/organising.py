"""Recruitment weeks as the portal shows them: the forms' fields turned into organising's JSON (dates
and times as people type them, converted here so a mistake is named beside its field before the API
is asked), a refused form kept for the page it goes back to, and the numbers the charts draw. The
organising service decides every rule; nothing here decides one."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from flask import g, session
from werkzeug.datastructures import MultiDict

from casework_common import typed_dates
from casework_common.vocabulary import (
    APPROACH_LABELS,
    BRANCH_STAFF_ROLES,
    CONTACT_OUTCOME_LABELS,
    FOLLOW_UP_OUTCOMES,
    ISSUE_CATEGORY_LABELS,
    LAWFUL_BASIS_LABELS,
    ORGANISING_ROLES,
    SESSION_KIND_LABELS,
)
from casework_portal import deadlines

STAFF = ORGANISING_ROLES  # who sees the Recruitment pages (organising's access.py)
BRANCH_STAFF = BRANCH_STAFF_ROLES
# Why a follow-up is closed without a join (organising's CloseIn.reason), as the form offers it.
CLOSE_REASONS = {
    "no_longer_needed": "No longer needed",
    "joined_elsewhere": "They joined another way",
    "cannot_reach": "We cannot reach them",
    "asked_not_to": "They asked not to be contacted",
}
_PENDING = "organising_form"  # session key: the last organising form the API (or the portal) refused
# A time as people type it: "10", "10:30", "10.30", "1030", "10am", "2.30 pm", "14:30".
_TIME = re.compile(r"^(\d{1,2})(?:[:.h]?(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)
TIME_HINT = "Type a time such as 10:00, 2.30pm or 14:30."


class FormProblem(ValueError):
    """A field the portal could not turn into the API's value; ``fields`` maps field -> sentence."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


def parse_time(text: str) -> dt.time:
    """A time of day as people type it (24-hour, or with am/pm). ValueError with a sentence if not."""
    found = _TIME.match(text.strip())
    if not found:
        raise ValueError(f"Not a time. {TIME_HINT}")
    hour, minute, half = int(found.group(1)), int(found.group(2) or 0), (found.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"Not a real time. {TIME_HINT}")
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"Not a real time. {TIME_HINT}")
    return dt.time(hour, minute)


def typed_day(
    form: MultiDict[str, str], name: str, problems: dict[str, str], ahead: dt.date | None = None
) -> str | None:
    """The ISO day typed in ``name`` ("14 May 2027", "14/05/2027", "2027-05-14"); None when blank.
    With ``ahead`` (today), a day typed without its year ("Friday 21 May", quick on a phone) is the
    next such day from then. A date that cannot be read is named in ``problems``."""
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return typed_dates.parse_day(text).isoformat()
    except ValueError as error:
        if ahead is not None and str(error).startswith("Give the year"):
            day = typed_dates.parse_day(f"{text} {ahead.year}")
            return (day if day >= ahead else typed_dates.parse_day(f"{text} {ahead.year + 1}")).isoformat()
        problems[name] = str(error)
        return None


def instant(day: str, time_text: str) -> str:
    """A London day and a time typed on the form as the API's ISO instant (with the UK offset)."""
    moment = dt.datetime.combine(dt.date.fromisoformat(day), parse_time(time_text), tzinfo=typed_dates.LONDON)
    return moment.isoformat()


def text(form: MultiDict[str, str], name: str) -> str:
    return form.get(name, "").strip()


def whole_number(form: MultiDict[str, str], name: str, problems: dict[str, str]) -> int | None:
    """A count typed in ``name`` ("12", " 12 "); None when blank. Anything else is named in ``problems``
    (the API wants a number, not the text of one)."""
    typed = text(form, name).replace(",", "")
    if not typed:
        return None
    if not typed.isdigit():
        problems[name] = "Type a whole number, such as 12."
        return None
    return int(typed)


def campaign_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """POST/PATCH /v1/campaigns from the official's form. FormProblem names a date that is not one."""
    problems: dict[str, str] = {}
    body: dict[str, Any] = {
        "name": text(form, "name"),
        "starts_on": typed_day(form, "starts_on", problems),
        "ends_on": typed_day(form, "ends_on", problems),
        "notes": text(form, "notes"),
    }
    for name in ("starts_on", "ends_on"):
        if body[name] is None and name not in problems:
            problems[name] = "Type the date, such as 14 May 2027."
    retention_days = whole_number(form, "retention_days", problems)
    if retention_days is not None:
        body["retention_days"] = retention_days
    if problems:
        raise FormProblem(problems)
    return body


def plan_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """PUT /v1/campaigns/{id}/plans/{branch}: blank link official means the regional office."""
    body: dict[str, Any] = {"backup_plan": text(form, "backup_plan"), "notes": text(form, "notes")}
    body["link_official"] = text(form, "link_official") or None
    return body


def names(value: str) -> list[str]:
    """A list typed as "rachel, raj" or one per line, blanks dropped, order kept."""
    return [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]


def session_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """POST /v1/plans/{id}/sessions (or PATCH a session) from the form: the day and the start and end
    times as typed, in London time. FormProblem names each field the portal could not read."""
    problems: dict[str, str] = {}
    day = typed_day(form, "day", problems)
    if day is None and "day" not in problems:
        problems["day"] = "Type the day, such as 14 May 2027."
    target = whole_number(form, "target_contacts", problems)
    if target is None and "target_contacts" not in problems:
        problems["target_contacts"] = "Type how many people you aim to speak to, such as 12."
    times: dict[str, str | None] = {}
    for field, api in (("starts", "starts_at"), ("ends", "ends_at")):
        typed = text(form, field)
        times[api] = None
        if not typed:
            problems[field] = "Type the time, such as 10:00, 2.30pm or 14:30."
        elif day is not None:
            try:
                times[api] = instant(day, typed)
            except ValueError as error:
                problems[field] = str(error)
        else:
            try:
                parse_time(typed)
            except ValueError as error:
                problems[field] = str(error)
    if problems:
        raise FormProblem(problems)
    return {
        "place": text(form, "place"),
        "workplace": text(form, "workplace"),
        "department": text(form, "department"),
        "kind": text(form, "kind"),
        **times,
        "target_contacts": target,
        "approach": text(form, "approach"),
        "opening": text(form, "opening"),
        "backup_plan": text(form, "backup_plan"),
        "team": form.getlist("team") or names(text(form, "team_typed")),
        "helpers": names(text(form, "helpers")),
    }


def session_values(record: dict[str, Any]) -> dict[str, str]:
    """A session from the API as the fields of its form (to change it): the day and the start and end
    times in London time, as session_body reads them back; the team and helpers as typed lists."""
    starts = _london_moment(record.get("starts_at"))
    ends = _london_moment(record.get("ends_at"))
    return {
        "place": record.get("place") or "",
        "workplace": record.get("workplace") or "",
        "department": record.get("department") or "",
        "kind": record.get("kind") or "",
        "day": typed_dates.long_date(starts.date()) if starts else "",
        "starts": f"{starts:%H:%M}" if starts else "",
        "ends": f"{ends:%H:%M}" if ends else "",
        "target_contacts": str(record.get("target_contacts", "")),
        "approach": record.get("approach") or "",
        "opening": record.get("opening") or "",
        "backup_plan": record.get("backup_plan") or "",
        "team_typed": ", ".join(record.get("team") or []),
        "helpers": ", ".join(record.get("helpers") or []),
    }


def _same_place(ours: str, theirs: str) -> bool:
    """A list's workplace and a session's, written by different people: the same when one names the
    other ("Holloway depot" and "Metro Transit, Holloway depot"), in any case."""
    a, b = ours.strip().casefold(), theirs.strip().casefold()
    return bool(a and b) and (a in b or b in a)


def entries_for_session(entries: list[dict[str, Any]], workplace: str, department: str) -> tuple[list[Any], str]:
    """The target-list entries to offer on a session's contact form: narrowed to the session's
    workplace and then its department when the list has people there (a list without those columns,
    or spelt otherwise, is offered whole rather than hidden), and a sentence saying which they are."""
    chosen, said = entries, []
    at_workplace = [e for e in chosen if _same_place(e.get("workplace") or "", workplace)]
    if at_workplace:
        chosen = at_workplace
        said.append(workplace)
    wanted = department.strip().casefold()
    in_department = [e for e in chosen if wanted and (e.get("department") or "").strip().casefold() == wanted]
    if in_department:
        chosen = in_department
        said.append(department.strip())
    return chosen, (f"People on the list at {', '.join(said)}" if said else "Everyone on the list")


def entry_label(entry: dict[str, Any]) -> str:
    """One person of a target list as the contact form offers them: "Sam Patel · Drivers · not a member"."""
    parts = [entry.get("name") or "(no name)"]
    if entry.get("department"):
        parts.append(entry["department"])
    parts.append("member" if entry.get("is_member") else "not a member")
    return " · ".join(parts)


def _london_moment(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(typed_dates.LONDON)


def yes(form: MultiDict[str, str], name: str) -> bool:
    return form.get(name, "") in ("yes", "true", "on", "1")


def contact_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """POST /v1/sessions/{id}/contacts from the contact form (posted, or queued by organising.js and
    sent as the same fields). Optional fields left out when blank; the call-again day as typed."""
    problems: dict[str, str] = {}
    body: dict[str, Any] = {
        "client_id": text(form, "client_id"),
        "is_member": yes(form, "is_member"),
        "outcome": text(form, "outcome"),
        "petition_signed": yes(form, "petition_signed"),
        "card_left": yes(form, "card_left"),
    }
    call_again_on = typed_day(form, "call_again_on", problems, ahead=typed_dates.london_today())
    if call_again_on:
        body["call_again_on"] = call_again_on
    for name in ("issue_category", "issue_text", "person_name", "person_contact", "lawful_basis"):
        if text(form, name):
            body[name] = text(form, name)
    for name in ("target_entry_id", "follow_up_id"):
        if text(form, name):
            body[name] = text(form, name)
    if problems:
        raise FormProblem(problems)
    return body


def new_client_id() -> str:
    """The id a contact entry carries from the moment the form is shown (the form without JavaScript)."""
    return str(uuid.uuid4())


def contact_summary(contact: dict[str, Any]) -> str:
    """One line about a logged conversation, with no personal detail: "Not a member · Call again"."""
    who = "Member" if contact.get("is_member") else "Not a member"
    outcome = CONTACT_OUTCOME_LABELS.get(contact.get("outcome", ""), contact.get("outcome", ""))
    parts = [who, outcome]
    if contact.get("call_again_on"):
        parts.append(f"call again {deadlines.long_date(contact['call_again_on'])}")
    if contact.get("issue_category"):
        parts.append(ISSUE_CATEGORY_LABELS.get(contact["issue_category"], contact["issue_category"]))
    return " · ".join(parts)


def field_messages(fields: dict[str, str]) -> dict[str, str]:
    """The API's (or the portal's own) sentences per form field, as the deadline forms show them."""
    messages = deadlines.field_messages(fields)
    # The API names the instants; the form has a day and two times.
    for api, form_field in (("starts_at", "starts"), ("ends_at", "ends")):
        if api in messages:
            messages[form_field] = messages.pop(api)
    return messages


def keep_refusal(form_name: str, values: dict[str, Any], errors: dict[str, str], message: str) -> None:
    """Remember a refused form (what was typed, the reasons per field) for the page it goes back to."""
    session[_PENDING] = {"form": form_name, "values": values, "errors": errors, "message": message}


def refusal_for(form_name: str) -> dict[str, Any] | None:
    """This form's refusal, shown once (like a flashed message), or None."""
    if "organising_refusal" not in g:
        g.organising_refusal = session.pop(_PENDING, None)
    pending = g.organising_refusal
    return pending if pending and pending.get("form") == form_name else None


def typed_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form as typed (lists kept as lists), to show again when refused."""
    return {key: (form.getlist(key) if len(form.getlist(key)) > 1 else form.get(key, "")) for key in form}


def chart_rows(items: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    """Rows for a contacts-against-target chart and the table beside it: label, contacts, target."""
    return [
        {"label": item.get(label) or "", "contacts": item.get("contacts") or 0, "target": item.get("target") or 0}
        for item in items
    ]


def when_text(value: str | None) -> str:
    """An instant from the API in London time: "14 May 2027, 10:00"."""
    if not value:
        return ""
    local = _london_moment(value)
    if local is None:
        return str(value)
    return f"{typed_dates.long_date(local.date())}, {local:%H:%M}"


def template_helpers() -> dict[str, Any]:
    """What the organising templates use."""
    return {
        "session_kinds": SESSION_KIND_LABELS,
        "approaches": APPROACH_LABELS,
        "contact_outcomes": CONTACT_OUTCOME_LABELS,
        "issue_categories": ISSUE_CATEGORY_LABELS,
        "lawful_bases": LAWFUL_BASIS_LABELS,
        "follow_up_outcomes": FOLLOW_UP_OUTCOMES,
        "organising_when": when_text,
        "organising_refusal": refusal_for,
        "contact_summary": contact_summary,
        "new_client_id": new_client_id,
        "entry_label": entry_label,
    }
