"""The contact log's rules before anything is stored (pure logic): what a body may say, which field
a refusal names, and when a follow-up falls due."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from casework_common.vocabulary import (
    CONTACT_OUTCOMES,
    FOLLOW_UP_OUTCOMES,
    JOIN_OUTCOME,
    NOT_THERE_OUTCOME,
    WILL_JOIN_ONLINE_OUTCOME,
)
from casework_organising.contact_log import ContactIn, due_on, rule_errors

TODAY = dt.date(2027, 5, 14)


def entry(**fields: Any) -> ContactIn:
    return ContactIn.model_validate({"client_id": str(uuid.uuid4()), "is_member": False, **fields})


def fields_named(**fields: Any) -> list[str]:
    return [error["field"] for error in rule_errors(entry(**fields), TODAY)]


def test_call_again_needs_the_day_and_will_join_online_defaults_to_three_days_on() -> None:
    assert fields_named(outcome="call_again") == ["call_again_on"]
    assert fields_named(outcome="call_again", call_again_on="2027-05-20") == []
    assert due_on(entry(outcome="call_again", call_again_on="2027-05-20"), TODAY) == dt.date(2027, 5, 20)
    assert due_on(entry(outcome="will_join_online"), TODAY) == dt.date(2027, 5, 17)
    assert due_on(entry(outcome="will_join_online", call_again_on="2027-05-15"), TODAY) == dt.date(2027, 5, 15)


@pytest.mark.parametrize("outcome", ["joined", "not_interested", "not_eligible", "not_there", "already_member"])
def test_other_outcomes_open_no_follow_up_even_with_a_day(outcome: str) -> None:
    assert due_on(entry(outcome=outcome, call_again_on="2027-05-20"), TODAY) is None


def test_the_day_to_call_again_is_within_a_year_and_not_long_past() -> None:
    assert fields_named(outcome="call_again", call_again_on="2028-06-01") == ["call_again_on"]
    assert fields_named(outcome="call_again", call_again_on="2027-04-01") == ["call_again_on"]
    assert fields_named(outcome="call_again", call_again_on="2027-05-10") == []  # typed offline days ago


@pytest.mark.parametrize("outcome", ["joined", "will_join_online"])
def test_a_member_cannot_join(outcome: str) -> None:
    assert fields_named(is_member=True, outcome=outcome) == ["outcome"]


def test_a_member_can_be_asked_to_call_again_or_spoken_to() -> None:
    assert fields_named(is_member=True, outcome="already_member", petition_signed=True) == []
    assert fields_named(is_member=True, outcome="call_again", call_again_on="2027-05-20") == []


@pytest.mark.parametrize("detail", [{"person_name": "Ann Lee"}, {"person_contact": "07700 900123"}])
def test_details_of_a_person_need_the_lawful_basis(detail: dict[str, str]) -> None:
    assert fields_named(outcome="call_again", call_again_on="2027-05-20", **detail) == ["lawful_basis"]
    assert fields_named(outcome="call_again", call_again_on="2027-05-20", lawful_basis="consent", **detail) == []


def test_empty_form_fields_are_not_given_and_text_is_tidied() -> None:
    typed = entry(
        outcome="not_interested",
        person_name="  Ann   Lee ",
        person_contact=" ",
        lawful_basis="",
        issue_category="",
        call_again_on="",
        issue_text=" Rotas\r\nchange weekly  ",
    )
    assert typed.person_name == "Ann Lee" and typed.person_contact is None and typed.lawful_basis is None
    assert typed.issue_category is None and typed.call_again_on is None
    assert typed.issue_text == "Rotas\nchange weekly"


def test_dates_as_people_type_them() -> None:
    assert entry(outcome="call_again", call_again_on="20/05/2027").call_again_on == dt.date(2027, 5, 20)


def errors_of(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        ContactIn.model_validate(body)
    return {".".join(str(p) for p in error["loc"]): error["type"] for error in caught.value.errors()}


def test_bad_bodies_name_each_field() -> None:
    found = errors_of(
        {
            "client_id": "not-a-uuid",
            "is_member": "yes",
            "outcome": "maybe",
            "issue_category": "weather",
            "lawful_basis": "because",
            "call_again_on": "31/02/2027",
            "person_name": "x" * 121,
            "issue_text": "y" * 1001,
            "card_left": 1,
            "shoe_size": 9,
        }
    )
    assert set(found) == {
        "client_id",
        "is_member",
        "outcome",
        "issue_category",
        "lawful_basis",
        "call_again_on",
        "person_name",
        "issue_text",
        "card_left",
        "shoe_size",
    }
    assert errors_of({"is_member": False, "outcome": "joined"}) == {"client_id": "missing"}


def test_the_outcomes_the_rules_name_are_outcomes_of_the_contract() -> None:
    # Named once in casework_common.vocabulary; a renamed proto value must not leave a rule behind.
    named = {JOIN_OUTCOME, NOT_THERE_OUTCOME, WILL_JOIN_ONLINE_OUTCOME, *FOLLOW_UP_OUTCOMES}
    assert named <= set(CONTACT_OUTCOMES)
