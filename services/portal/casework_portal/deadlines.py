"""Deadlines as the portal shows them: dates written out ("14 April 2027"), days left in words, the
deadline-facts form turned into workflow's JSON and back, and a refused form kept (what was typed and
why) for the case page it goes back to. Workflow computes every date; nothing here decides one."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import g, session
from werkzeug.datastructures import MultiDict

from casework_common import typed_dates
from casework_common.vocabulary import DEADLINE_KIND_LABELS

# The deadline-facts form's date fields, in workflow's names, with what the form calls them.
FACT_DATES = {
    "termination_date": "Effective date of termination",
    "act_date": "Date of the act complained of (or the last of a series)",
    "acas_day_a": "ACAS Day A (early conciliation started; the LRA in Northern Ireland)",
    "acas_day_b": "ACAS Day B (certificate received)",
    "outcome_letter_date": "Date of the employer's outcome letter",
}
JURISDICTIONS = {
    "england_wales": "England and Wales",
    "scotland": "Scotland",
    "northern_ireland": "Northern Ireland",
}
KINDS = DEADLINE_KIND_LABELS
# Kinds a rep may enter by hand (the others are computed by workflow).
HAND_KINDS = {"appeal": KINDS["appeal"], "other": "Other deadline"}
STATES = {"open": "Open", "met": "Met", "withdrawn": "Withdrawn"}
_NAMED = re.compile(r"^([a-z_]+): (.+)$", re.DOTALL)  # "jurisdiction: an FOI request needs it"
_PENDING = "deadline_facts_form"  # session key: the last deadline-facts form workflow refused


def long_date(value: str | dt.date | None) -> str:
    """An ISO date as people write it: "14 April 2027"; "" for none; the text itself if it is not a date."""
    if not value:
        return ""
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return typed_dates.long_date(day)


def days_left(days: int | None) -> str:
    """Workflow's ``days_left`` in words ("12 days left", "due today", "3 days overdue"); "" for none."""
    return "" if days is None else typed_dates.days_left_text(days)


def urgency(item: dict[str, Any]) -> str:
    """A class name for how urgent an open deadline is (the page styles it; the words say it too)."""
    days = item.get("days_left")
    if item.get("state", "open") != "open" or days is None:
        return "settled"
    if days < 0:
        return "overdue"
    return "soon" if days <= 7 else "later"


def recomputed_sentence(counts: dict[str, int]) -> str:
    """What recording the facts did, e.g. "2 deadlines added, 1 withdrawn."; "No deadline changed." """
    parts = [f"{counts[k]} {k}" for k in ("added", "updated", "withdrawn") if counts.get(k)]
    if not parts:
        return "No deadline changed."
    parts[0] = parts[0].replace(" ", " deadline(s) ", 1)
    return ", ".join(parts) + "."


def claim_types(rules: dict[str, Any]) -> list[dict[str, str]]:
    """The claim types of ``GET /v1/deadline-rules`` as ``{"key", "label", "runs_from"}``, in its order."""
    return [
        {"key": c["key"], "label": c["label"], "runs_from": c.get("runs_from_label", "")}
        for c in rules.get("claim_types", [])
    ]


def facts_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """Workflow's DeadlineFacts from the form: blank dates are null (not recorded), claim types as
    ticked, the appeal window as typed (workflow says if it is not a number)."""
    body: dict[str, Any] = {"jurisdiction": form.get("jurisdiction", "").strip()}
    for name in FACT_DATES:
        body[name] = form.get(name, "").strip() or None
    body["claim_types"] = form.getlist("claim_types")
    window = form.get("appeal_window_days", "").strip()
    body["appeal_window_days"] = window or None
    body["appeal_window_working"] = form.get("appeal_window_working") == "working"
    return body


def facts_values(facts: dict[str, Any] | None) -> dict[str, Any]:
    """The form's fields from the facts workflow holds (or the form as typed, when refused)."""
    facts = facts or {}
    values: dict[str, Any] = {name: facts.get(name) or "" for name in FACT_DATES}
    values["jurisdiction"] = facts.get("jurisdiction") or "england_wales"
    values["claim_types"] = list(facts.get("claim_types") or [])
    window = facts.get("appeal_window_days")
    values["appeal_window_days"] = "" if window is None else str(window)
    working = facts.get("appeal_window_working")
    values["appeal_window_working"] = "working" if working in (True, "working") else "calendar"
    return values


def typed_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """What the person typed, to show again when workflow refuses it."""
    values = {name: form.get(name, "") for name in (*FACT_DATES, "jurisdiction", "appeal_window_days")}
    values["claim_types"] = form.getlist("claim_types")
    values["appeal_window_working"] = form.get("appeal_window_working") or "calendar"
    return values


def field_messages(fields: dict[str, str]) -> dict[str, str]:
    """The API's sentences per form field (its name dropped: the form shows it beside them); an error
    about the whole body (no field, e.g. "Day B is before Day A") is kept under ""."""
    messages: dict[str, str] = {}
    for field, sentence in fields.items():
        text = sentence.split(": ", 1)[1] if ": " in sentence and field else sentence
        key = field.split(".")[0]
        text = text.removeprefix("Value error, ")
        if not key and (named := _NAMED.match(text)):  # a check across fields that names the one at fault
            key, text = named.group(1), named.group(2)
        messages[key] = f"{messages[key]} {text}".strip() if key in messages else text
    return messages


def keep_refusal(case_id: str, values: dict[str, Any], errors: dict[str, str], message: str) -> None:
    """Remember a refused deadline-facts form for the case page it goes back to."""
    session[_PENDING] = {"case": case_id, "values": values, "errors": errors, "message": message}


def refusal_for(case_id: str) -> dict[str, Any] | None:
    """This case's refused form, shown once (like a flashed message), or None."""
    if "deadline_refusal" not in g:
        g.deadline_refusal = session.pop(_PENDING, None)
    pending = g.deadline_refusal
    return pending if pending and pending.get("case") == case_id else None


def template_helpers() -> dict[str, Any]:
    """What the deadline templates use."""
    return {
        "long_date": long_date,
        "days_left_text": days_left,
        "deadline_urgency": urgency,
        "deadline_kinds": KINDS,
        "deadline_states": STATES,
        "jurisdictions": JURISDICTIONS,
        "fact_dates": FACT_DATES,
        "hand_kinds": HAND_KINDS,
        "deadline_facts_values": facts_values,
        "deadline_facts_refusal": refusal_for,
    }
