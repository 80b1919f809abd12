"""The recruitment-week forms' fields as organising's JSON: days and times as people type them (London
time), counts as numbers, and each field the portal cannot read named for the form."""

from __future__ import annotations

import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from casework_portal import organising
from casework_portal.organising import FormProblem


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("10", dt.time(10, 0)),
        ("10:30", dt.time(10, 30)),
        ("10.30", dt.time(10, 30)),
        ("1430", dt.time(14, 30)),
        ("2.30pm", dt.time(14, 30)),
        ("2.30 PM", dt.time(14, 30)),
        ("12am", dt.time(0, 0)),
        ("12pm", dt.time(12, 0)),
        ("7am", dt.time(7, 0)),
    ],
)
def test_times_as_people_type_them(typed: str, expected: dt.time) -> None:
    assert organising.parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "13pm", "10:75", "noon", "", "0am"])
def test_a_time_that_is_not_one_is_refused_with_a_sentence(typed: str) -> None:
    with pytest.raises(ValueError, match="time"):
        organising.parse_time(typed)


def test_a_session_in_london_time_from_the_day_and_times_typed() -> None:
    form = MultiDict(
        {
            "day": "Friday 14 May 2027",
            "starts": "10am",
            "ends": "12.30pm",
            "target_contacts": "12",
            "team_typed": "rachel, raj",
            "helpers": "Sam\nAli",
            "place": " Depot canteen ",
        }
    )
    body = organising.session_body(form)
    assert body["starts_at"] == "2027-05-14T10:00:00+01:00"  # British Summer Time
    assert body["ends_at"] == "2027-05-14T12:30:00+01:00"
    assert body["target_contacts"] == 12
    assert body["team"] == ["rachel", "raj"] and body["helpers"] == ["Sam", "Ali"]
    assert body["place"] == "Depot canteen"
    winter = organising.session_body(
        MultiDict({"day": "03/12/2026", "starts": "14:00", "ends": "16:00", "target_contacts": "8"})
    )
    assert winter["starts_at"] == "2026-12-03T14:00:00+00:00"


def test_every_field_the_portal_cannot_read_is_named() -> None:
    form = MultiDict({"day": "31 February 2027", "starts": "25:00", "ends": "", "target_contacts": "a dozen"})
    with pytest.raises(FormProblem) as refused:
        organising.session_body(form)
    assert set(refused.value.fields) == {"day", "starts", "ends", "target_contacts"}
    assert refused.value.fields["day"].startswith("Not a real date")


def test_a_call_again_day_without_its_year_is_the_next_such_day() -> None:
    problems: dict[str, str] = {}
    form = MultiDict({"soon": "Friday 4 December", "january": "5 Jan"})
    assert organising.typed_day(form, "soon", problems, ahead=dt.date(2026, 12, 1)) == "2026-12-04"
    assert organising.typed_day(form, "january", problems, ahead=dt.date(2026, 12, 1)) == "2027-01-05"
    assert problems == {}
    assert organising.typed_day(form, "soon", problems) is None  # without `ahead` the year is needed
    assert problems["soon"].startswith("Give the year")


def test_a_contact_entry_as_the_api_wants_it() -> None:
    form = MultiDict(
        {
            "client_id": "0d1f6c52-7c36-4c59-9d25-5b2f3f0f2a11",
            "is_member": "false",
            "outcome": "call_again",
            "call_again_on": "21/05/2027",
            "card_left": "yes",
            "issue_category": "",
            "person_name": "  ",
        }
    )
    assert organising.contact_body(form) == {
        "client_id": "0d1f6c52-7c36-4c59-9d25-5b2f3f0f2a11",
        "is_member": False,
        "outcome": "call_again",
        "call_again_on": "2027-05-21",
        "petition_signed": False,
        "card_left": True,
    }


def test_a_campaign_needs_both_days_and_a_number_of_days_kept() -> None:
    with pytest.raises(FormProblem) as refused:
        organising.campaign_body(MultiDict({"name": "Week", "starts_on": "14 May 2027", "retention_days": "ninety"}))
    assert set(refused.value.fields) == {"ends_on", "retention_days"}
    body = organising.campaign_body(
        MultiDict({"name": "Week", "starts_on": "14 May 2027", "ends_on": "18/05/2027", "retention_days": "90"})
    )
    assert body == {
        "name": "Week",
        "starts_on": "2027-05-14",
        "ends_on": "2027-05-18",
        "notes": "",
        "retention_days": 90,
    }


def test_api_refusals_land_beside_the_form_fields() -> None:
    messages = organising.field_messages(
        {"starts_at": "Starts at: The session must fall within the campaign", "team.1": "Team: ravi is not a rep"}
    )
    assert messages == {"starts": "The session must fall within the campaign", "team": "ravi is not a rep"}


def test_a_session_from_the_api_fills_its_form_and_reads_back_the_same() -> None:
    # A summer session (BST) and a winter one (GMT): the form shows London time either way.
    for starts_at, ends_at, day, starts, ends in [
        ("2031-05-13T07:00:00+01:00", "2031-05-13T09:30:00+01:00", "13 May 2031", "07:00", "09:30"),
        ("2031-12-02T13:15:00+00:00", "2031-12-02T16:00:00+00:00", "2 December 2031", "13:15", "16:00"),
    ]:
        record = {
            "place": "Depot canteen",
            "workplace": "Metro Transit, Holloway depot",
            "department": "",
            "kind": "staff_room_tour",
            "starts_at": starts_at,
            "ends_at": ends_at,
            "target_contacts": 0,
            "approach": "survey",
            "opening": "",
            "backup_plan": "Drivers' gate",
            "team": ["rachel", "raj"],
            "helpers": ["Siân"],
        }
        values = organising.session_values(record)
        assert (values["day"], values["starts"], values["ends"]) == (day, starts, ends)
        assert (values["team_typed"], values["helpers"], values["target_contacts"]) == ("rachel, raj", "Siân", "0")
        body = organising.session_body(MultiDict(values))
        assert {k: body[k] for k in record} == {
            **record,
            "starts_at": dt.datetime.fromisoformat(starts_at).isoformat(),
            "ends_at": dt.datetime.fromisoformat(ends_at).isoformat(),
        }


PEOPLE = [
    {"id": "1", "name": "Amina Yusuf", "workplace": "Holloway depot", "department": "Drivers", "is_member": True},
    {"id": "2", "name": "Jo Byrne", "workplace": "Holloway Depot", "department": "Engineering", "is_member": False},
    {"id": "3", "name": "Ola Ade", "workplace": "Finchley garage", "department": "Drivers", "is_member": False},
]


@pytest.mark.parametrize(
    "workplace,department,ids,heading",
    [
        # The list's "Holloway depot" is the session's "Metro Transit, Holloway depot", in any case.
        (
            "Metro Transit, Holloway depot",
            "drivers",
            ["1"],
            "People on the list at Metro Transit, Holloway depot, drivers",
        ),
        ("Metro Transit, Holloway depot", "", ["1", "2"], "People on the list at Metro Transit, Holloway depot"),
        ("Holloway depot", "Cleaning", ["1", "2"], "People on the list at Holloway depot"),
        ("", "Drivers", ["1", "3"], "People on the list at Drivers"),
        # Nobody there (or the list has no such columns): everyone, rather than nobody.
        ("Archway office", "Admin", ["1", "2", "3"], "Everyone on the list"),
    ],
)
def test_the_contact_form_offers_the_people_of_the_sessions_workplace_and_department(
    workplace: str, department: str, ids: list[str], heading: str
) -> None:
    chosen, said = organising.entries_for_session(PEOPLE, workplace, department)
    assert ([e["id"] for e in chosen], said) == (ids, heading)


def test_a_person_of_the_list_as_the_form_offers_them() -> None:
    assert organising.entry_label(PEOPLE[0]) == "Amina Yusuf · Drivers · member"
    assert (
        organising.entry_label({"name": "Sam Patel", "department": "", "is_member": False})
        == "Sam Patel · not a member"
    )
