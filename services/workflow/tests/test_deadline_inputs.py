"""What the deadline endpoints accept, and how a stored deadline is shown (pure logic; the endpoints
themselves are tested on the platform in tests/test_deadlines.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import namedtuple

import pytest
from pydantic import ValidationError

from casework_common.typed_dates import long_date
from casework_workflow.deadlines import store
from casework_workflow.schemas import DeadlineChange, DeadlineFactsIn, DeadlinesQuery, NewDeadline


def refusal(model: type, data: dict) -> dict[tuple, str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return {tuple(e["loc"]): e["msg"] for e in caught.value.errors()}


def test_day_b_must_follow_day_a_and_needs_it() -> None:
    base = {"jurisdiction": "scotland"}
    before = refusal(DeadlineFactsIn, {**base, "acas_day_a": "2026-05-02", "acas_day_b": "2026-05-01"})
    assert "before Day A" in before[("acas_day_b",)]
    assert "without Day A" in refusal(DeadlineFactsIn, {**base, "acas_day_b": "2026-05-01"})[("acas_day_b",)]
    # A bad Day A is reported as itself, not as Day B's fault.
    assert set(refusal(DeadlineFactsIn, {**base, "acas_day_a": "May", "acas_day_b": "2026-05-01"})) == {("acas_day_a",)}
    same_day = DeadlineFactsIn.model_validate({**base, "acas_day_a": "2026-05-01", "acas_day_b": "2026-05-01"})
    assert same_day.acas_day_b == dt.date(2026, 5, 1)


def test_dates_claim_types_and_windows_are_checked_field_by_field() -> None:
    base = {"jurisdiction": "england_wales"}
    assert ("termination_date",) in refusal(DeadlineFactsIn, {**base, "termination_date": "2026-02-30"})
    assert "between" in refusal(DeadlineFactsIn, {**base, "act_date": "1989-12-31"})[("act_date",)]
    far = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    assert ("outcome_letter_date",) in refusal(DeadlineFactsIn, {**base, "outcome_letter_date": far})
    assert ("claim_types", 1) in refusal(DeadlineFactsIn, {**base, "claim_types": ["equal_pay", "Equal Pay"]})
    assert (
        "more than once"
        in refusal(DeadlineFactsIn, {**base, "claim_types": ["equal_pay", "equal_pay"]})[("claim_types",)]
    )
    assert ("appeal_window_days",) in refusal(DeadlineFactsIn, {**base, "appeal_window_days": 0})
    assert ("jurisdiction",) in refusal(DeadlineFactsIn, {"jurisdiction": "wales"})
    assert ("extra",) in refusal(DeadlineFactsIn, {**base, "extra": 1})


def test_hand_entered_deadlines_changes_and_the_window() -> None:
    assert ("kind",) in refusal(NewDeadline, {"kind": "foi", "label": "x", "due_on": "2026-12-24"})
    assert NewDeadline.model_validate({"kind": "other", "label": "x", "due_on": "2026-12-24"}).visibility == "reps"
    assert refusal(DeadlineChange, {"reason": "only a reason"})
    assert ("state",) in refusal(DeadlineChange, {"state": None})
    assert DeadlineChange.model_validate({"visibility": "member"}).model_fields_set == {"visibility"}
    assert DeadlinesQuery.model_validate({}).within_days == 14
    for bad in (0, 367):
        assert ("within_days",) in refusal(DeadlinesQuery, {"within_days": bad})


Stored = namedtuple(
    "Stored",
    "id case_id source kind label due_on state visibility indicative computation rule updated_at "
    "state_changed_by state_reason",
)


def test_a_stored_deadline_as_the_api_shows_it() -> None:
    row = Stored(
        uuid.uuid4(),
        uuid.uuid4(),
        "rule:appeal",
        "appeal",
        "Internal appeal",
        dt.date(2026, 3, 27),
        "open",
        "member",
        True,
        ["Outcome letter dated 20 March 2026."],
        {"rule_set": "v1", "key": "appeal", "title": "Acas Code", "citation": "para. 26", "url": "https://x"},
        dt.datetime(2026, 3, 21, tzinfo=dt.UTC),
        None,
        "",
    )
    shown = store.to_json(row, dt.date(2026, 3, 20))
    assert shown["days_left"] == 7 and shown["notice"] == store.NOTICE and shown["rule_set"] == "v1"
    assert shown["source"] == {"title": "Acas Code", "citation": "para. 26", "url": "https://x"}
    assert shown["origin"] == "rule:appeal" and "state_reason" in shown and "case_reference" not in shown
    member = store.to_json(row._replace(indicative=False, rule=None), dt.date(2026, 3, 30), full=False)
    assert member["days_left"] == -3 and member["notice"] is None and member["source"] is None
    assert "state_reason" not in member and "state_changed_by" not in member


def test_versions_are_exact_microseconds_and_dates_are_written_out() -> None:
    at = dt.datetime(2026, 12, 1, 12, 0, 0, 123457, tzinfo=dt.UTC)
    assert store.microseconds(at) - store.microseconds(at - dt.timedelta(microseconds=1)) == 1
    assert store.microseconds(at) % 1_000_000 == 123457
    assert long_date(dt.date(2026, 4, 4)) == "4 April 2026"


@pytest.mark.parametrize(
    "label",
    [
        "Appeal\nhearing",
        "Appeal\r\nBcc: x@example.org",
        "Tab\there",
        "Line\u2028separator",
        "Para\u2029graph",
        "Next\x85line",
    ],
)
def test_a_hand_entered_label_is_one_line(label: str) -> None:
    errors = refusal(NewDeadline, {"kind": "other", "label": label, "due_on": dt.date.today().isoformat()})
    assert "must be one line of text" in errors[("label",)]


def test_an_ordinary_label_is_accepted() -> None:
    body = NewDeadline.model_validate(
        {"kind": "appeal", "label": "Appeal to the regional panel – Café’s policy, §4", "due_on": dt.date.today()}
    )
    assert body.label == "Appeal to the regional panel – Café’s policy, §4"


def test_dates_may_be_typed_as_people_write_them() -> None:
    typed = DeadlineFactsIn.model_validate(
        {
            "jurisdiction": "england_wales",
            "termination_date": "10 March 2026",
            "acas_day_a": "01/05/2026",  # day first
            "acas_day_b": "Wednesday 20th May 2026",
            "claim_types": ["unfair_dismissal"],
        }
    )
    assert (typed.termination_date, typed.acas_day_a, typed.acas_day_b) == (
        dt.date(2026, 3, 10),
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 20),
    )
    with pytest.raises(ValidationError, match="Not a real date"):
        DeadlineFactsIn.model_validate({"jurisdiction": "england_wales", "termination_date": "31/02/2026"})
    with pytest.raises(ValidationError, match="Give the year too"):
        NewDeadline.model_validate({"kind": "other", "label": "Reply to the letter", "due_on": "3 March"})
