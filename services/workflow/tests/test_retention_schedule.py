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
