"""The retention schedule: the shipped one is valid and says what its comments say; rules choose the
most specific period per kind; a bad schedule is refused naming every problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from casework_common.vocabulary import DATA_KINDS
from casework_workflow.retention.schedule import Duration, ScheduleError, load, parse

CLOSED = dt.datetime(2020, 3, 31, 16, 0, tzinfo=dt.UTC)


def test_the_shipped_schedule_is_valid_and_keeps_case_records_six_years() -> None:
    schedule = load()
    periods = schedule.periods("disciplinary", "dismissal")
    assert set(periods) == set(DATA_KINDS)
    assert periods["case_record"] == Duration(6, "y")
    assert periods["notifications"] == Duration(1, "y")
    assert schedule.due_dates("disciplinary", "dismissal", CLOSED)["case_record"] == dt.date(2026, 3, 31)


def test_the_most_specific_rule_wins_per_kind_and_the_default_fills_the_rest() -> None:
    schedule = parse(
        {
            "default": {kind: "6y" for kind in DATA_KINDS},
            "rules": [
                {"outcome": "settled", "keep": {"case_record": "4y", "timeline": "4y"}},
                {"case_type": "grievance", "keep": {"case_record": "5y", "bundles": "1m"}},
                {"case_type": "grievance", "outcome": "settled", "keep": {"case_record": "3y"}},
            ],
        }
    )
    periods = schedule.periods("grievance", "settled")
    assert periods["case_record"] == Duration(3, "y")  # type and outcome
    assert periods["bundles"] == Duration(1, "m")  # type
    assert periods["timeline"] == Duration(4, "y")  # outcome
    assert periods["evidence_originals"] == Duration(6, "y")  # default
    assert schedule.periods("disciplinary", None)["case_record"] == Duration(6, "y")  # no outcome: no outcome rule
    assert schedule.periods("grievance", None)["case_record"] == Duration(5, "y")


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (dt.date(2020, 2, 29), Duration(1, "y"), dt.date(2021, 2, 28)),
        (dt.date(2020, 1, 31), Duration(1, "m"), dt.date(2020, 2, 29)),
        (dt.date(2020, 11, 15), Duration(18, "m"), dt.date(2022, 5, 15)),
        (dt.date(2020, 1, 1), Duration(90, "d"), dt.date(2020, 3, 31)),
        (dt.date(2020, 1, 1), Duration(0, "d"), dt.date(2020, 1, 1)),
    ],
)
def test_durations_are_calendar_periods(start: dt.date, duration: Duration, expected: dt.date) -> None:
    assert duration.after(start) == expected


def test_a_bad_schedule_is_refused_naming_every_problem() -> None:
    with pytest.raises(ScheduleError) as caught:
        parse(
            {
                "default": {"case_record": "6 years", "timeline": "6y"},
                "rules": [
                    {"case_type": "speeding", "keep": {"case_record": "1y"}},
                    {"outcome": "settled", "keep": {"everything": "1y"}},
                    {"keep": {"timeline": "1y"}},
                ],
                "extra": 1,
            }
        )
    message = str(caught.value)
    for expected in (
        "default.case_record: '6 years' is not a duration",
        "missing evidence_originals",
        "rules[0].case_type: 'speeding' is not a case type",
        "rules[1].keep.everything: not a data kind",
        "rules[2]: name a case_type, an outcome or both",
        "unknown top-level keys: extra",
    ):
        assert expected in message, message


def test_a_file_that_is_not_yaml_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text("default: [unclosed\n")
    with pytest.raises(ScheduleError, match=str(path)):
        load(path)


def _with_rule(rule: dict[str, object], default: str = "6y") -> dict[str, object]:
    return {"default": {kind: default for kind in DATA_KINDS}, "rules": [rule]}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"case_type": ["disciplinary"], "keep": {"timeline": "1y"}}, "rules[0].case_type: ['disciplinary'] is not"),
        ({"outcome": {"settled": 1}, "keep": {"timeline": "1y"}}, "rules[0].outcome: {'settled': 1} is not"),
        ({"case_type": 7, "keep": {"timeline": "1y"}}, "rules[0].case_type: 7 is not a single name"),
    ],
)
def test_a_case_type_or_outcome_that_is_not_one_name_is_a_named_problem(rule: dict[str, object], expected: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse(_with_rule(rule))
    assert expected in str(caught.value), str(caught.value)


@pytest.mark.parametrize(
    ("written", "limit"), [("9999y", "100 years"), ("1201m", "1200 months"), ("36526d", "36525 days")]
)
def test_a_period_longer_than_a_hundred_years_is_refused(written: str, limit: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse(_with_rule({"case_type": "grievance", "keep": {"bundles": written}}))
    assert f"rules[0].keep.bundles: '{written}' is longer than {limit}" in str(caught.value), str(caught.value)
    with pytest.raises(ScheduleError, match=r"default\.case_record"):
        parse({"default": {kind: written for kind in DATA_KINDS}})


def test_the_longest_periods_allowed_still_give_a_date() -> None:
    schedule = parse(
        {
            "default": {kind: "100y" for kind in DATA_KINDS},
            "rules": [{"case_type": "grievance", "keep": {"bundles": "1200m", "notifications": "36525d"}}],
        }
    )
    dates = schedule.due_dates("grievance", None, dt.datetime(9800, 6, 1, tzinfo=dt.UTC))
    assert dates["case_record"] == dt.date(9900, 6, 1)
    assert dates["bundles"] == dt.date(9900, 6, 1)
    assert dates["notifications"] == dt.date(9900, 6, 2)  # 24 leap days in those hundred years


def test_zero_days_is_allowed_on_purpose_due_on_the_closing_day() -> None:
    """schedule.yaml documents "0d": removed at the first run after the case is closed."""
    schedule = parse(_with_rule({"outcome": "settled", "keep": {"notifications": "0d"}}))
    assert schedule.due_dates("grievance", "settled", CLOSED)["notifications"] == dt.date(2020, 3, 31)


def test_a_bad_schedule_file_stops_the_command_with_its_problems_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(
        "default: {case_record: 9999y, timeline: 6y, evidence_originals: 6y, page_texts: 2y,\n"
        "          search_documents: 2y, notifications: 1y, bundles: 1y}\n"
        "rules:\n  - case_type: [disciplinary]\n    keep: {timeline: 1y}\n"
    )
    with pytest.raises(ScheduleError) as caught:
        load(path)
    message = str(caught.value)
    assert str(path) in message and "9999y" in message and "['disciplinary']" in message, message
