"""The information request letters and guidance, without the platform: every template renders with
only the facts given (StrictUndefined), a fact not recorded leaves its line out, user text is never
treated as a template, and the guidance document is valid and cited."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from casework_common.typed_dates import long_date
from casework_workflow.request_letters import guidance, next_steps, request_letter

MARIA = SimpleNamespace(
    member_name="Maria Okafor",
    job_role="Station assistant",
    workplace="Finsbury Park depot",
    member_email="maria@union.example.org",
)
BARE = SimpleNamespace(member_name="Sam Bare", job_role=None, workplace=None, member_email=None)


def overdue(kind: str, jurisdiction: str, case: Any, **changes: Any) -> dict[str, Any]:
    letter = request_letter(
        kind,
        case_row=case,
        recipient="Metro Transit Ltd",
        requested="The notes.",
        jurisdiction=jurisdiction,
        employee_number=None,
    )
    request = SimpleNamespace(
        recipient="Metro Transit Ltd",
        sent_on=dt.date(2026, 8, 28),
        received_on=dt.date(2026, 8, 31),
        extended_on=None,
        extension_reason=None,
        letter_subject=letter.subject,
        letter_body=letter.body,
    )
    for key, value in changes.items():
        setattr(request, key, value)
    return next_steps(kind, jurisdiction, request, case, dt.date(2026, 9, 30), dt.date(2026, 10, 12))


def test_long_dates_are_written_out() -> None:
    assert long_date(dt.date(2026, 4, 1)) == "1 April 2026"


@pytest.mark.parametrize("case", [MARIA, BARE], ids=["all facts", "bare case"])
@pytest.mark.parametrize(
    "kind,jurisdiction", [("subject_access", "england_wales"), ("foi", "england_wales"), ("foi", "scotland")]
)
def test_letters_hold_only_recorded_facts(case: Any, kind: str, jurisdiction: str) -> None:
    letter = request_letter(
        kind,
        case_row=case,
        recipient="Metro Transit Ltd",
        requested="The notes.",
        jurisdiction=jurisdiction,
        employee_number=None,
    )
    assert case.member_name in letter.body and "The notes." in letter.body
    assert "None" not in letter.body and "\n\n\n" not in letter.body and letter.body.endswith("\n")
    if case is BARE:
        assert "Job role" not in letter.body and "Workplace" not in letter.body and "@" not in letter.body


def test_user_text_is_data_not_a_template() -> None:
    letter = request_letter(
        "subject_access",
        case_row=MARIA,
        recipient="{{ 6*7 }}",
        requested="{% for x in y %}{{ x }}",
        jurisdiction="england_wales",
        employee_number="{{ config }}",
    )
    assert "{{ 6*7 }}" in letter.body and "{% for x in y %}{{ x }}" in letter.body and "{{ config }}" in letter.body
    assert "42" not in letter.body


def test_the_complaint_for_each_law_goes_to_the_right_body() -> None:
    sar = overdue("subject_access", "england_wales", MARIA, extended_on=dt.date(2026, 9, 10), extension_reason="Many.")
    assert sar["regulator"]["name"] == "Information Commissioner's Office"
    [complaint] = sar["letters"]
    body = complaint["body"]
    assert "received it on 31 August 2026" in body and "giving this reason: Many." in body and "Many.." not in body
    assert "due by 30 September 2026" in body and "As of 12 October 2026" in body
    foia = overdue("foi", "england_wales", BARE)
    assert [x["stage"] for x in foia["letters"]] == ["complaint"] and "section 50" in foia["letters"][0]["body"]
    foisa = overdue("foi", "scotland", BARE)
    assert foisa["regulator"]["name"] == "Scottish Information Commissioner"
    assert [x["stage"] for x in foisa["letters"]] == ["review", "complaint"]
    assert all("None" not in x["body"] and "\n\n\n" not in x["body"] for x in foisa["letters"])


def test_guidance_is_valid_and_every_section_is_cited() -> None:
    document = guidance()
    ids = [s["id"] for s in document["sections"]]
    assert ids == ["subject_access", "subject_access_deadline", "foi", "foi_deadline", "complaints"]
    for section in document["sections"]:
        assert section["sources"] and all(
            s["url"].startswith(("https://www.legislation.gov.uk/", "https://ico.org.uk/")) for s in section["sources"]
        )
