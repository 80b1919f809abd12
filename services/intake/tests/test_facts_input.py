"""A rep's corrections of an item's facts, as typed (pure logic): dates as people write them, one-line
titles, and the PATCH body's model."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from casework_common import typed_dates
from casework_intake.api import FactsPatch
from casework_intake.facts import check_title, parse_date


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-03", dt.date(2026, 3, 3)),
        ("2026-03-04T10:00:00", dt.date(2026, 3, 4)),
        ("3 March 2026", dt.date(2026, 3, 3)),
        ("03/03/2026", dt.date(2026, 3, 3)),
        ("04/03/2026", dt.date(2026, 3, 4)),  # day first, as in the UK
        ("3rd March 2026", dt.date(2026, 3, 3)),
        ("Tuesday 3 March 2026", dt.date(2026, 3, 3)),
        ("March 3, 2026", dt.date(2026, 3, 3)),
        ("  3.3.2026 ", dt.date(2026, 3, 3)),
    ],
)
def test_dates_as_people_write_them(text: str, day: dt.date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2026",
        "2026-13-01",
        "3 March",
        "March 2026",
        "2026",
        "yesterday",
        "",
        "1 Jan 1850",
        "99999999999999999999",
        "x" * 61,
    ],
)
def test_what_is_not_a_whole_real_date_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_titles_are_trimmed_one_line_text() -> None:
    assert check_title("  Re: Invitation  ") == "Re: Invitation"
    for bad in ("", "   ", "x" * 301, "a\nb", "a\tb", "a\x00b", "a\x1bb", "a\u2028b"):
        with pytest.raises(ValueError):
            check_title(bad)


def test_the_patch_body_names_each_bad_field() -> None:
    for body, field in (
        ({"date": 20260303}, "date"),
        ({"title": None}, "title"),
        ({"kind": "memo"}, "kind"),
        ({"kind": "outcome_letter", "colour": "red"}, "colour"),
    ):
        with pytest.raises(ValidationError) as raised:
            FactsPatch.model_validate(body)
        assert [".".join(map(str, e["loc"])) for e in raised.value.errors()] == [field], body
    with pytest.raises(ValidationError):
        FactsPatch.model_validate({})
    patch = FactsPatch.model_validate({"date": "3 March 2026", "kind": "other"})
    assert patch.model_dump(include=patch.model_fields_set) == {"date": "2026-03-03", "kind": "other"}


@pytest.mark.parametrize("text", ["3 March 2026", "03/03/2026", "Tuesday 3rd March 2026", "2026-03-03"])
def test_a_correction_and_a_search_filter_read_a_typed_date_alike(text: str) -> None:
    assert parse_date(text) == typed_dates.parse_day(text) == dt.date(2026, 3, 3)
