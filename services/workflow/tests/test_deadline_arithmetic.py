"""The deadline engine (pure logic): month arithmetic, early conciliation, working days, rule sets.

The expected dates are worked out by hand from the statutes, not from the code:
- "N months beginning with D" ends the day before the corresponding date N months later, or on the
  last day of that month when it has no corresponding date (Dodds v Walker [1981] 1 WLR 1027, HL).
- ERA 1996 s.207B(3): the days from the day after Day A to Day B are not counted; (4): if the limit
  so extended would end between Day A and one month after Day B, it ends one month after Day B.
  Two published worked examples are used as they were published (Luton BC v Haque, EAT 2018; a
  practitioner's skeleton on the Practical Law employment blog).
- FOIA 2000 s.10(6): bank holidays anywhere in the UK are not working days; FOISA 2002 s.73: only
  Scottish ones. ICO: one calendar month from the day of receipt, last day of the month if there is
  no corresponding date, next working day if it falls on a weekend or bank holiday.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework_common.typed_dates import long_date
from casework_workflow.deadlines import (
    JURISDICTIONS,
    DeadlineFacts,
    RuleSetError,
    compute,
    foi_due,
    load_default,
    parse_rule_set,
    subject_access_due,
)
from casework_workflow.deadlines.arithmetic import (
    WHOLE_UK,
    add_months,
    add_working_days,
    early_conciliation,
    is_working_day,
    months_beginning_with,
)

D = date
RULES = load_default()


def facts(
    jurisdiction: str = "england_wales",
    *,
    termination: date | None = None,
    act: date | None = None,
    claims: tuple[str, ...] = ("unfair_dismissal",),
    day_a: date | None = None,
    day_b: date | None = None,
    letter: date | None = None,
    window: int | None = None,
    working: bool = False,
) -> DeadlineFacts:
    return DeadlineFacts(
        jurisdiction=jurisdiction,
        termination_date=termination,
        act_date=act,
        claim_types=claims,
        acas_day_a=day_a,
        acas_day_b=day_b,
        outcome_letter_date=letter,
        appeal_window_days=window,
        appeal_window_working=working,
    )


def only(results: list, key: str):
    found = [r for r in results if r.key == key]
    assert len(found) == 1, [r.key for r in results]
    return found[0]


# ---------------------------------------------------------------------------------------------
# Calendar months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 11, 20), 3, D(2027, 2, 19)),  # ordinary: the day before 20 February
        (D(2016, 6, 20), 3, D(2016, 9, 19)),  # Luton BC v Haque: EDT 20 June 2016 -> 19 September 2016
        (D(2014, 1, 16), 3, D(2014, 4, 15)),  # Practical Law blog: EDT 16 January 2014 -> 15 April 2014
        (D(2026, 8, 31), 3, D(2026, 11, 30)),  # no 31 November: last day of November
        (D(2026, 5, 31), 3, D(2026, 8, 30)),  # 31 August exists: the day before it
        (D(2026, 11, 30), 3, D(2027, 2, 28)),  # no 30 February 2027: last day of February
        (D(2026, 11, 29), 3, D(2027, 2, 28)),  # no 29 February 2027 either
        (D(2026, 11, 28), 3, D(2027, 2, 27)),  # 28 February exists: the day before it
        (D(2026, 12, 1), 3, D(2027, 2, 28)),  # 1 March 2027 less a day
        (D(2027, 11, 30), 3, D(2028, 2, 29)),  # leap year: no 30 February 2028, last day is the 29th
        (D(2027, 11, 29), 3, D(2028, 2, 28)),  # leap year: 29 February 2028 exists, the day before it
        (D(2027, 12, 1), 3, D(2028, 2, 29)),  # 1 March 2028 less a day
        (D(2026, 8, 31), 6, D(2027, 2, 28)),  # six months: no 31 February
        (D(2027, 8, 31), 6, D(2028, 2, 29)),  # six months into a leap February
        (D(2028, 2, 29), 6, D(2028, 8, 28)),  # from a leap day: 29 August exists
        (D(2027, 3, 31), 6, D(2027, 9, 30)),  # no 31 September
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # one month: no 31 February
    ],
)
def test_months_beginning_with(start: date, months: int, expected: date) -> None:
    assert months_beginning_with(start, months) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 12, 15), D(2027, 1, 15)),
        (D(2027, 1, 31), D(2027, 2, 28)),
        (D(2028, 1, 31), D(2028, 2, 29)),
        (D(2026, 10, 31), D(2026, 11, 30)),
    ],
)
def test_one_month_after_is_the_corresponding_date_or_the_last_day(day: date, expected: date) -> None:
    assert add_months(day, 1) == expected


def test_a_period_is_at_least_one_month() -> None:
    with pytest.raises(ValueError, match="at least one month"):
        months_beginning_with(D(2026, 1, 1), 0)


def test_dates_are_written_as_reps_write_them() -> None:
    assert long_date(D(2026, 4, 14)) == "14 April 2026"
    assert long_date(D(2027, 1, 5)) == "5 January 2027"


# ---------------------------------------------------------------------------------------------
# Early conciliation, s.207B(3) and (4)


@pytest.mark.parametrize(
    ("limit", "day_a", "day_b", "not_counted", "after_pause", "extended", "due"),
    [
        # Haque: 23 July to 22 August 2016 not counted (31 days) -> 20 October 2016, which is after
        # 22 September (one month after Day B), so (4) does not apply.
        (D(2016, 9, 19), D(2016, 7, 22), D(2016, 8, 22), 31, D(2016, 10, 20), False, D(2016, 10, 20)),
        # Practical Law: 12 April to 11 May 2014 not counted (30 days) -> 15 May 2014, between Day A
        # (11 April) and one month after Day B (11 June): (4) moves it to 11 June 2014.
        (D(2014, 4, 15), D(2014, 4, 11), D(2014, 5, 11), 30, D(2014, 5, 15), True, D(2014, 6, 11)),
        # The design brief's example: 2 to 15 December 2026 not counted (14 days) -> 5 March 2027.
        (D(2027, 2, 19), D(2026, 12, 1), D(2026, 12, 15), 14, D(2027, 3, 5), False, D(2027, 3, 5)),
        # Conciliation late in the period: 11 and 12 February not counted -> 21 February, before
        # 12 March (one month after Day B): ends 12 March 2027.
        (D(2027, 2, 19), D(2027, 2, 10), D(2027, 2, 12), 2, D(2027, 2, 21), True, D(2027, 3, 12)),
        # Day A on the last day of the limit, certificate the same day: nothing to leave out, but the
        # limit falls in the period from Day A to one month after Day B: 19 March 2027.
        (D(2027, 2, 19), D(2027, 2, 19), D(2027, 2, 19), 0, D(2027, 2, 19), True, D(2027, 3, 19)),
        # One month after Day B 31 January 2027 is 28 February 2027 (no 31 February): 21 to 31 January
        # not counted (11 days) -> 5 February, inside the period: 28 February 2027.
        (D(2027, 1, 25), D(2027, 1, 20), D(2027, 1, 31), 11, D(2027, 2, 5), True, D(2027, 2, 28)),
    ],
)
def test_early_conciliation_both_branches(
    limit: date, day_a: date, day_b: date, not_counted: int, after_pause: date, extended: bool, due: date
) -> None:
    ec = early_conciliation(limit, day_a, day_b)
    assert ec.applies
    assert (ec.days_not_counted, ec.after_pause, ec.extended_to_month_after_b, ec.due_on) == (
        not_counted,
        after_pause,
        extended,
        due,
    )


def test_conciliation_started_after_the_limit_extends_nothing() -> None:
    ec = early_conciliation(D(2027, 2, 19), D(2027, 2, 20), D(2027, 2, 25))
    assert not ec.applies
    assert ec.due_on == D(2027, 2, 19)


def test_day_b_before_day_a_is_refused() -> None:
    with pytest.raises(ValueError, match="Day B"):
        early_conciliation(D(2027, 2, 19), D(2026, 12, 15), D(2026, 12, 1))


def test_conciliation_begun_before_the_period_started_extends_nothing() -> None:
    # Dismissed 10 January 2027: three months beginning with it end on 9 April 2027. Conciliation
    # from 1 January (Day A) to 15 January 2027 (Day B) began before that date: whether it extends
    # the limit is disputed, so the unextended 9 April 2027 stands. Of the days after Day A up to
    # and including Day B (2 to 15 January), 10 to 15 January fall inside the period: 6 days.
    ec = early_conciliation(D(2027, 4, 9), D(2027, 1, 1), D(2027, 1, 15), period_start=D(2027, 1, 10))
    assert (ec.applies, ec.before_period, ec.days_not_counted, ec.due_on) == (False, True, 6, D(2027, 4, 9))
    # Day B before the period began too: no day inside it.
    ec = early_conciliation(D(2027, 4, 9), D(2027, 1, 1), D(2027, 1, 5), period_start=D(2027, 1, 10))
    assert (ec.days_not_counted, ec.due_on) == (0, D(2027, 4, 9))


def test_conciliation_begun_before_the_period_is_explained_and_not_applied() -> None:
    # Northern Ireland (three months, so no unconfirmed rule involved): dismissed 10 January 2027,
    # limit 9 April 2027; LRA Day A 1 January 2027, Day B 15 January 2027.
    result = only(
        compute(
            facts("northern_ireland", termination=D(2027, 1, 10), day_a=D(2027, 1, 1), day_b=D(2027, 1, 15)), RULES
        ),
        "tribunal_claim:unfair_dismissal",
    )
    assert result.due_on == D(2027, 4, 9)
    [warning] = [step for step in result.steps if step.startswith("Warning:")]
    assert "no extension is applied here" in warning and "9 April 2027, the safer date" in warning
    assert "6 days fall on or after 10 January 2027; a tribunal might leave them out" in warning
    assert not any("not counted, so" in step for step in result.steps)
    assert result.steps[-1] == "Last day to present the claim to the industrial tribunal: 9 April 2027."


def test_the_days_not_counted_are_the_days_after_day_a_to_day_b() -> None:
    # Day A 1 December 2026, Day B 15 December 2026: 2 to 15 December, 14 days (the brief example).
    ec = early_conciliation(D(2027, 2, 19), D(2026, 12, 1), D(2026, 12, 15), period_start=D(2026, 11, 20))
    assert (ec.applies, ec.days_not_counted, ec.after_pause) == (True, 14, D(2027, 3, 5))
    # Day A and Day B the same day: nothing left out, but one month after Day B still applies.
    ec = early_conciliation(D(2027, 2, 19), D(2027, 2, 10), D(2027, 2, 10))
    assert (ec.days_not_counted, ec.after_pause, ec.due_on) == (0, D(2027, 2, 19), D(2027, 3, 10))


# ---------------------------------------------------------------------------------------------
# Tribunal claims from the facts


def test_the_brief_example_step_by_step_in_northern_ireland() -> None:
    result = only(
        compute(
            facts("northern_ireland", termination=D(2026, 11, 20), day_a=D(2026, 12, 1), day_b=D(2026, 12, 15)),
            RULES,
        ),
        "tribunal_claim:unfair_dismissal",
    )
    assert result.due_on == D(2027, 3, 5)
    assert result.kind == "tribunal_claim"
    assert result.label == "Tribunal claim: unfair dismissal"
    assert result.indicative is True
    assert result.visibility == "reps"
    assert result.rule_set == RULES.version
    assert result.source is not None and result.source.citation == "art. 145(2)(a)"
    assert "legislation.gov.uk/nisi/1996/1919/article/145" in result.source.url
    assert result.steps[0] == "Effective date of termination: 20 November 2026."
    assert "Three months beginning with that date end on 19 February 2027." in result.steps
    assert (
        "Labour Relations Agency early conciliation from 1 December 2026 (Day A) to 15 December 2026 (Day B): "
        "14 days not counted, so 5 March 2027." in result.steps
    )
    assert result.steps[-1] == "Last day to present the claim to the industrial tribunal: 5 March 2027."


def test_the_second_branch_is_explained() -> None:
    result = only(
        compute(facts("scotland", termination=D(2014, 1, 16), day_a=D(2014, 4, 11), day_b=D(2014, 5, 11)), RULES),
        "tribunal_claim:unfair_dismissal",
    )
    assert result.due_on == D(2014, 6, 11)
    assert any(
        "between Day A and one month after Day B (11 June 2014)" in step and step.endswith("11 June 2014.")
        for step in result.steps
    )
    assert "employment tribunal" in result.steps[-1]


@pytest.mark.parametrize(
    ("jurisdiction", "termination", "months", "due"),
    [
        # The day before the (planned) commencement of the Employment Rights Act 2025 limits: three months.
        ("england_wales", D(2026, 9, 30), 3, D(2026, 12, 29)),
        ("scotland", D(2026, 9, 30), 3, D(2026, 12, 29)),
        # The 2025 Act does not change Northern Ireland: still three months, 1 January 2027 less a day.
        ("northern_ireland", D(2026, 10, 1), 3, D(2026, 12, 31)),
    ],
)
def test_the_rule_in_force_is_chosen_by_the_date_the_period_runs_from(
    jurisdiction: str, termination: date, months: int, due: date
) -> None:
    result = only(compute(facts(jurisdiction, termination=termination), RULES), "tribunal_claim:unfair_dismissal")
    assert result.due_on == due
    word = {3: "three", 6: "six"}[months]
    assert any(f"{word} months beginning with that date" in step for step in result.steps)
    assert not any("not confirmed" in step for step in result.steps)


@pytest.mark.parametrize("jurisdiction", ["england_wales", "scotland"])
def test_an_unconfirmed_longer_limit_never_gives_the_date_shown(jurisdiction: str) -> None:
    # Dismissed 1 October 2026, the planned (unconfirmed) commencement of the Employment Rights Act
    # 2025 six-month limit. The confirmed rule before it, ERA 1996 s.111(2)(a): three months
    # beginning with 1 October 2026 end the day before 1 January 2027, 31 December 2026. Six
    # months would end the day before 1 April 2027: 31 March 2027. The earlier date is shown.
    result = only(compute(facts(jurisdiction, termination=D(2026, 10, 1)), RULES), "tribunal_claim:unfair_dismissal")
    assert result.due_on == D(2026, 12, 31)
    assert result.source is not None and result.source.citation == "s.111(2)(a)"
    assert "Three months beginning with that date end on 31 December 2026." in result.steps
    assert (
        "If the six-month limit of the Employment Rights Act 2025 has come into force for this claim, the last day "
        "would be 31 March 2027; this is not confirmed: confirm with the regional office." in result.steps
    )
    assert "Last day to present the claim to the employment tribunal: 31 December 2026." in result.steps


def test_an_unconfirmed_longer_limit_with_conciliation_shows_the_confirmed_date() -> None:
    # Discrimination, act on 15 October 2026; ACAS Day A 1 December 2026, Day B 15 December 2026.
    # Three months (Equality Act 2010 s.123(1)(a)): 14 January 2027. Days 2 to 15 December (14 days)
    # not counted: 28 January 2027, inside one month after Day B (15 January 2027)? No: later, so
    # 28 January 2027. Six months: 14 April 2027 + 14 days = 28 April 2027 (mentioned only).
    result = only(
        compute(
            facts(act=D(2026, 10, 15), claims=("discrimination",), day_a=D(2026, 12, 1), day_b=D(2026, 12, 15)), RULES
        ),
        "tribunal_claim:discrimination",
    )
    assert result.due_on == D(2027, 1, 28)
    assert result.source is not None and result.source.citation == "s.123(1)(a)"
    assert any("the last day would be 28 April 2027; this is not confirmed" in step for step in result.steps)


def test_a_confirmed_six_month_rule_gives_the_date() -> None:
    data = copy.deepcopy(RULES.to_json())
    data["version"] = "uk-employment-confirmed"
    for rule in data["claim_types"]["unfair_dismissal"]["rules"]:
        rule["confirmed"] = True
    confirmed = parse_rule_set(data)
    result = only(compute(facts(termination=D(2026, 10, 1)), confirmed), "tribunal_claim:unfair_dismissal")
    assert result.due_on == D(2027, 3, 31)
    assert any("six months beginning with that date" in step for step in result.steps)


def test_post_employment_breach_of_contract_stays_three_months_after_commencement() -> None:
    results = compute(
        facts(termination=D(2026, 10, 1), claims=("unfair_dismissal", "breach_of_contract", "redundancy_pay")), RULES
    )
    assert only(results, "tribunal_claim:unfair_dismissal").due_on == D(2026, 12, 31)  # six months unconfirmed
    assert only(results, "tribunal_claim:breach_of_contract").due_on == D(2026, 12, 31)
    assert only(results, "tribunal_claim:redundancy_pay").due_on == D(2027, 3, 31)


def test_six_month_claims_at_month_ends() -> None:
    # Redundancy pay, EDT 31 August 2026: no 31 February 2027, so 28 February 2027.
    assert only(
        compute(facts(termination=D(2026, 8, 31), claims=("redundancy_pay",)), RULES), "tribunal_claim:redundancy_pay"
    ).due_on == D(2027, 2, 28)
    # Equal pay in Northern Ireland, employment ended 30 August 2027: no 30 February 2028, so 29 February 2028.
    assert only(
        compute(facts("northern_ireland", termination=D(2027, 8, 30), claims=("equal_pay",)), RULES),
        "tribunal_claim:equal_pay",
    ).due_on == D(2028, 2, 29)


def test_claims_without_their_start_date_are_skipped_not_invented() -> None:
    results = compute(facts(termination=D(2026, 9, 1), claims=("unfair_dismissal", "discrimination")), RULES)
    assert [r.key for r in results] == ["tribunal_claim:unfair_dismissal"]
    results = compute(facts(act=D(2026, 9, 1), claims=("unfair_dismissal", "discrimination", "discrimination")), RULES)
    assert [r.key for r in results] == ["tribunal_claim:discrimination"]
    assert results[0].due_on == D(2026, 11, 30)
    assert results[0].steps[0].startswith("Date of the act complained of")


def test_conciliation_started_too_late_is_flagged() -> None:
    result = only(
        compute(
            facts("northern_ireland", termination=D(2026, 11, 20), day_a=D(2027, 2, 22), day_b=D(2027, 3, 1)), RULES
        ),
        "tribunal_claim:unfair_dismissal",
    )
    assert result.due_on == D(2027, 2, 19)
    assert any(step.startswith("Warning:") and "already expired" in step for step in result.steps)


def test_half_recorded_conciliation_gives_the_unextended_date_and_says_so() -> None:
    result = only(
        compute(facts("northern_ireland", termination=D(2026, 11, 20), day_a=D(2026, 12, 1)), RULES),
        "tribunal_claim:unfair_dismissal",
    )
    assert result.due_on == D(2027, 2, 19)
    assert any("Only Day A (1 December 2026)" in step for step in result.steps)


@pytest.mark.parametrize(
    "bad",
    [
        facts(termination=D(2026, 11, 20), day_a=D(2026, 12, 15), day_b=D(2026, 12, 1)),
        facts("wales", termination=D(2026, 11, 20)),
        facts(termination=D(2026, 11, 20), claims=("unfair_dismisal",)),
        facts(letter=D(2026, 11, 20), window=0),
    ],
)
def test_bad_facts_are_refused(bad: DeadlineFacts) -> None:
    with pytest.raises(ValueError):
        compute(bad, RULES)


@pytest.mark.parametrize(
    ("jurisdiction", "letter", "window", "working", "due"),
    [
        ("england_wales", D(2026, 11, 25), 7, False, D(2026, 12, 2)),
        # Five working days from Thursday 24 December 2026 in England: 25 and 28 December and 1 January
        # are bank holidays -> 29, 30, 31 December, 4 and 5 January.
        ("england_wales", D(2026, 12, 24), 5, True, D(2027, 1, 5)),
        # In Scotland 4 January 2027 is also a bank holiday (2 January falls on a Saturday) -> 6 January.
        ("scotland", D(2026, 12, 24), 5, True, D(2027, 1, 6)),
        # St Patrick's Day (Wednesday 17 March 2027) is a bank holiday in Northern Ireland only.
        ("northern_ireland", D(2027, 3, 15), 3, True, D(2027, 3, 19)),
        ("england_wales", D(2027, 3, 15), 3, True, D(2027, 3, 18)),
    ],
)
def test_internal_appeal_windows(jurisdiction: str, letter: date, window: int, working: bool, due: date) -> None:
    result = only(
        compute(facts(jurisdiction, claims=(), letter=letter, window=window, working=working), RULES), "appeal"
    )
    assert result.due_on == due
    assert result.kind == "appeal"
    assert result.visibility == "member"
    assert result.indicative is True
    assert result.steps[0] == f"Outcome letter dated {long_date(letter)}."


def test_no_window_no_appeal_deadline() -> None:
    assert compute(facts(claims=(), letter=D(2026, 11, 25)), RULES) == []


# ---------------------------------------------------------------------------------------------
# Subject access and FOI


@pytest.mark.parametrize(
    ("received", "extended", "jurisdiction", "due"),
    [
        (D(2025, 9, 3), False, "england_wales", D(2025, 10, 3)),  # ICO's example: 3 September -> 3 October
        (D(2026, 1, 31), False, "england_wales", D(2026, 3, 2)),  # 28 February 2026 is a Saturday
        (D(2027, 1, 31), False, "england_wales", D(2027, 3, 1)),  # 28 February 2027 is a Sunday
        (D(2028, 1, 31), False, "england_wales", D(2028, 2, 29)),  # leap year, Tuesday 29 February
        (D(2026, 11, 25), False, "england_wales", D(2026, 12, 29)),  # Christmas, weekend, Boxing Day observed
        (D(2026, 12, 2), False, "england_wales", D(2027, 1, 4)),  # Saturday 2 January -> Monday 4 January
        (D(2026, 12, 2), False, "scotland", D(2027, 1, 5)),  # ... but 4 January is a Scottish bank holiday
        (D(2027, 2, 17), False, "northern_ireland", D(2027, 3, 18)),  # St Patrick's Day
        (D(2027, 2, 17), False, "england_wales", D(2027, 3, 17)),
        (D(2026, 1, 31), True, "england_wales", D(2026, 4, 30)),  # extended: three months, no 31 April
        (D(2026, 2, 4), True, "england_wales", D(2026, 5, 5)),  # 4 May 2026 is the May Day bank holiday
    ],
)
def test_subject_access(received: date, extended: bool, jurisdiction: str, due: date) -> None:
    result = subject_access_due(received, extended, jurisdiction=jurisdiction)
    assert result.due_on == due
    assert (result.kind, result.rule_set, result.indicative) == ("subject_access", "", False)
    assert result.source is not None and "Article 12(3)" in result.source.citation
    assert f"Reply due by {long_date(due)}." in result.steps


def test_subject_access_clarification_pauses_and_is_never_a_new_receipt_date() -> None:
    # UK GDPR Article 12A (Data (Use and Access) Act 2025): identity or a fee -> the month runs from
    # their receipt; clarification -> the month is paused, not restarted. Received 2 March 2026: due
    # 2 April 2026 (a Thursday). The pause is not computed: the steps must not say to restart.
    result = subject_access_due(D(2026, 3, 2))
    assert result.due_on == D(2026, 4, 2)
    text = " ".join(result.steps)
    assert "proof of identity it reasonably needed, or a fee it may charge, the time runs from the day it" in text
    assert "clarification" not in next(step for step in result.steps if "record that day as the receipt" in step)
    [pause] = [step for step in result.steps if "clarify" in step]
    assert "time stops" in pause and "does not start again" in pause and "not computed here" in pause
    assert "regional office" in pause
    assert result.source is not None and "Article 12A" in result.source.citation
    assert result.source.url.endswith("/article/12A")


def test_subject_access_on_a_weekend_says_why_it_moves() -> None:
    result = subject_access_due(D(2026, 1, 31))
    assert "February 2026 has no 31st day, so the reply is due on the last day of that month: 28 February 2026." in (
        result.steps
    )
    assert any("28 February 2026 is a Saturday" in step and "2 March 2026" in step for step in result.steps)


@pytest.mark.parametrize(
    ("received", "jurisdiction", "due"),
    [
        # FOIA: 2 January 2026 (Friday) is a Scottish bank holiday and so not a working day in England
        # either: 18 December 2025 is day 1 ... 20 January 2026 is day 20.
        (D(2025, 12, 17), "england_wales", D(2026, 1, 20)),
        (D(2025, 12, 17), "scotland", D(2026, 1, 20)),
        # Over Christmas 2026: 25 and 28 December, 1 January and 4 January 2027 (Scottish substitute for
        # 2 January) are left out.
        (D(2026, 12, 18), "england_wales", D(2027, 1, 21)),
        (D(2026, 12, 18), "scotland", D(2027, 1, 21)),
        # Easter 2027. FOIA leaves out St Patrick's Day (NI), Good Friday and Easter Monday -> 12 April;
        # FOISA only Good Friday (Easter Monday and 17 March are working days in Scotland) -> 8 April.
        (D(2027, 3, 10), "england_wales", D(2027, 4, 12)),
        (D(2027, 3, 10), "northern_ireland", D(2027, 4, 12)),
        (D(2027, 3, 10), "scotland", D(2027, 4, 8)),
    ],
)
def test_foi_twenty_working_days(received: date, jurisdiction: str, due: date) -> None:
    result = foi_due(received, jurisdiction)
    assert result.due_on == due
    assert result.kind == "foi"
    assert result.source is not None
    expected_act = "asp/2002/13" if jurisdiction == "scotland" else "ukpga/2000/36"
    assert expected_act in result.source.url
    assert f"The twentieth working day is {long_date(due)}: the reply is due by then." in result.steps


def test_foia_counts_a_scottish_bank_holiday_that_england_alone_would_not() -> None:
    # The same count with English bank holidays only ends a day earlier: the FOIA rule matters.
    assert add_working_days(D(2025, 12, 17), 20, ("ENG",)).due_on == D(2026, 1, 19)
    assert add_working_days(D(2025, 12, 17), 20, WHOLE_UK).due_on == D(2026, 1, 20)
    steps = foi_due(D(2025, 12, 17), "england_wales").steps
    assert any("2 January 2026 (New Year Holiday, Scotland)" in step for step in steps)


def test_foi_day_one_is_the_first_working_day_after_receipt() -> None:
    # Received on Saturday 5 December 2026: day 1 is Monday 7 December.
    assert (
        "Working day 1 is the first working day after receipt: 7 December 2026."
        in foi_due(D(2026, 12, 5), "england_wales").steps
    )


# ---------------------------------------------------------------------------------------------
# Rule sets: the shipped data, and precise errors for bad versions


def test_the_shipped_rule_set_covers_every_claim_type_in_every_jurisdiction_and_cites_legislation() -> None:
    for key, claim in RULES.claim_types.items():
        for jurisdiction in JURISDICTIONS:
            for year in range(2021, 2031):
                rule = RULES.rule_for(key, jurisdiction, D(year, 6, 1))
                assert rule is not None, (key, jurisdiction, year)
                assert rule.source.url.startswith("https://www.legislation.gov.uk/"), rule.source.url
        assert claim.visibility == "reps"
    assert RULES.appeal.visibility == "member"


def test_a_rule_set_round_trips_through_json() -> None:
    assert parse_rule_set(json.dumps(RULES.to_json())) == RULES


def test_a_new_version_changes_results_without_a_release() -> None:
    data = copy.deepcopy(RULES.to_json())
    data["version"] = "uk-employment-2027-01-15"
    for claim in data["claim_types"].values():
        for rule in claim["rules"]:
            if rule.get("effective_to") == "2026-09-30":
                rule["effective_to"] = "2026-12-31"
            if rule.get("effective_from") == "2026-10-01":
                rule["effective_from"] = "2027-01-01"
                rule["confirmed"] = True
    newer = parse_rule_set(data)
    result = only(compute(facts(termination=D(2026, 10, 1)), newer), "tribunal_claim:unfair_dismissal")
    assert (result.due_on, result.rule_set) == (D(2026, 12, 31), "uk-employment-2027-01-15")


def _broken(change) -> list[dict[str, str]]:
    data = copy.deepcopy(RULES.to_json())
    change(data)
    with pytest.raises(RuleSetError) as caught:
        parse_rule_set(data)
    return caught.value.errors


def _first_rule(data: dict) -> dict:
    return data["claim_types"]["unfair_dismissal"]["rules"][0]


@pytest.mark.parametrize(
    ("change", "loc", "message"),
    [
        (
            lambda d: _first_rule(d).pop("period_months"),
            "claim_types.unfair_dismissal.rules[0].period_months",
            "Field required",
        ),
        (
            lambda d: _first_rule(d).update(efective_from="2020-01-01"),
            "claim_types.unfair_dismissal.rules[0].efective_from",
            "Extra inputs are not permitted",
        ),
        (
            lambda d: _first_rule(d).update(period_months=0),
            "claim_types.unfair_dismissal.rules[0].period_months",
            "greater than or equal to 1",
        ),
        (
            lambda d: _first_rule(d).update(effective_to="2026-13-01"),
            "claim_types.unfair_dismissal.rules[0].effective_to",
            '"2026-13-01"',
        ),
        (
            lambda d: _first_rule(d).update(jurisdictions=["wales"]),
            "claim_types.unfair_dismissal.rules[0].jurisdictions[0]",
            "'england_wales', 'scotland' or 'northern_ireland'",
        ),
        (
            lambda d: _first_rule(d)["source"].update(url="http://example.org/x"),
            "claim_types.unfair_dismissal.rules[0].source.url",
            "should match pattern",
        ),
        (
            lambda d: _first_rule(d).update(effective_to="2026-10-01"),
            "claim_types.unfair_dismissal",
            "rules[0] and rules[1] both apply to england_wales on 2026-10-01",
        ),
        (
            lambda d: _first_rule(d).update(effective_from="2026-09-30", effective_to="2026-01-01"),
            "claim_types.unfair_dismissal.rules[0]",
            "effective_to (2026-01-01) is before effective_from (2026-09-30)",
        ),
        (
            lambda d: _first_rule(d).update(confirmed=False, note=""),
            "claim_types.unfair_dismissal.rules[0]",
            "an unconfirmed rule needs a note",
        ),
        (
            lambda d: d["claim_types"]["unfair_dismissal"].update(runs_from="dismissal_date"),
            "claim_types.unfair_dismissal.runs_from",
            "'termination_date' or 'act_date'",
        ),
        (
            lambda d: d["claim_types"].update({"Unfair Dismissal": d["claim_types"]["unfair_dismissal"]}),
            "claim_types.Unfair Dismissal.[key]",
            "should match pattern",
        ),
        (lambda d: d["jurisdictions"].pop("northern_ireland"), "(root)", "jurisdictions is missing northern_ireland"),
        # Coverage: every claim type, every jurisdiction, every start date from the first rule on.
        (
            lambda d: d["claim_types"]["breach_of_contract"]["rules"].pop(2),
            "claim_types.breach_of_contract",
            "claim type 'Breach of contract (e.g. notice pay)' has no rule for northern_ireland",
        ),
        (
            lambda d: d["claim_types"]["unfair_dismissal"]["rules"][1].update(effective_from="2026-10-15"),
            "claim_types.unfair_dismissal",
            "claim type 'Unfair dismissal' has no rule for england_wales from 2026-10-01 to 2026-10-14",
        ),
        (
            lambda d: d["claim_types"]["unfair_dismissal"]["rules"][1].update(effective_to="2030-12-31"),
            "claim_types.unfair_dismissal",
            "claim type 'Unfair dismissal' has no rule for england_wales after 2030-12-31: "
            "the last rule must have no effective_to",
        ),
        (lambda d: d.update(schema_version=2), "schema_version", "Input should be 1"),
        (lambda d: d.update(version="Version 2!"), "version", "should match pattern"),
    ],
)
def test_rule_set_errors_say_where_and_what(change, loc: str, message: str) -> None:
    errors = _broken(change)
    assert any(e["loc"] == loc and message in e["msg"] for e in errors), errors


def test_a_start_date_without_a_rule_is_an_error_not_a_missing_deadline() -> None:
    # A claim type whose rules start on 1 January 2020 (allowed: nothing before), and a dismissal on
    # 31 December 2019: compute must say so, not return nothing (a recompute would withdraw the
    # stored tribunal deadline).
    data = copy.deepcopy(RULES.to_json())
    data["version"] = "uk-employment-from-2020"
    for rule in data["claim_types"]["unfair_dismissal"]["rules"]:
        if rule.get("effective_from") is None:
            rule["effective_from"] = "2020-01-01"
    newer = parse_rule_set(data)
    with pytest.raises(ValueError, match="no unfair dismissal rule in England and Wales for a period running from 31"):
        compute(facts(termination=D(2019, 12, 31)), newer)
    assert only(compute(facts(termination=D(2020, 1, 1)), newer), "tribunal_claim:unfair_dismissal").due_on == D(
        2020, 3, 31
    )


def test_every_problem_is_reported_at_once() -> None:
    def two_problems(d: dict) -> None:
        _first_rule(d).pop("period_months")
        d["appeal"].pop("label")

    locs = {e["loc"] for e in _broken(two_problems)}
    assert {"claim_types.unfair_dismissal.rules[0].period_months", "appeal.label"} <= locs


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": "x",', "not JSON: Expecting property name enclosed in double quotes at line 1 column 17"),
        ("[1, 2]", "a rule set is a JSON object, not list"),
        (b"\xff\xfe{", "not"),
    ],
)
def test_text_that_is_not_a_rule_set_is_refused_precisely(text: str | bytes, message: str) -> None:
    with pytest.raises(RuleSetError) as caught:
        parse_rule_set(text)
    assert caught.value.errors[0]["loc"] == "(root)"
    assert message in caught.value.errors[0]["msg"]


# ---------------------------------------------------------------------------------------------
# Properties

days = st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31))
claim_keys = st.sampled_from(sorted(RULES.claim_types))
jurisdictions = st.sampled_from(JURISDICTIONS)


@given(start=days, later=st.integers(min_value=0, max_value=400), months=st.sampled_from([1, 3, 6]))
def test_month_arithmetic_is_monotone_and_never_before_the_start(start: date, later: int, months: int) -> None:
    end = months_beginning_with(start, months)
    assert end >= start + timedelta(days=27 * months)
    assert months_beginning_with(start + timedelta(days=later), months) >= end


@given(limit=days, a_offset=st.integers(min_value=-200, max_value=0), length=st.integers(min_value=0, max_value=120))
def test_conciliation_never_moves_a_limit_earlier_and_leaves_a_month_after_day_b(
    limit: date, a_offset: int, length: int
) -> None:
    day_a = limit + timedelta(days=a_offset)
    day_b = day_a + timedelta(days=length)
    ec = early_conciliation(limit, day_a, day_b)
    assert ec.applies
    assert ec.due_on >= limit + timedelta(days=length)
    assert ec.due_on >= add_months(day_b, 1)


@settings(deadline=None)  # the first look-up of a year's bank holidays builds the table
@given(
    jurisdiction=jurisdictions,
    key=claim_keys,
    start=days,
    a_offset=st.integers(min_value=0, max_value=250),
    length=st.integers(min_value=0, max_value=90),
)
def test_adding_conciliation_never_moves_a_deadline_earlier(
    jurisdiction: str, key: str, start: date, a_offset: int, length: int
) -> None:
    day_a = start + timedelta(days=a_offset)
    base = facts(jurisdiction, termination=start, act=start, claims=(key,))
    with_ec = facts(
        jurisdiction, termination=start, act=start, claims=(key,), day_a=day_a, day_b=day_a + timedelta(days=length)
    )
    (plain,) = compute(base, RULES)
    (conciliated,) = compute(with_ec, RULES)
    assert plain.due_on > start
    assert conciliated.due_on >= plain.due_on


@settings(deadline=None)
@given(start=days, count=st.integers(min_value=1, max_value=40), jurisdiction=jurisdictions)
def test_working_days_land_on_a_working_day_after_exactly_count_of_them(
    start: date, count: int, jurisdiction: str
) -> None:
    subdivisions = {"england_wales": ("ENG", "WLS"), "scotland": ("SCT",), "northern_ireland": ("NIR",)}[jurisdiction]
    result = add_working_days(start, count, subdivisions)
    assert is_working_day(result.due_on, subdivisions)
    span = [start + timedelta(days=i) for i in range(1, (result.due_on - start).days + 1)]
    assert sum(is_working_day(day, subdivisions) for day in span) == count


@settings(deadline=None)
@given(received=days, extended=st.booleans(), jurisdiction=jurisdictions)
def test_subject_access_is_a_working_day_about_a_month_or_three_later(
    received: date, extended: bool, jurisdiction: str
) -> None:
    due = subject_access_due(received, extended, jurisdiction=jurisdiction).due_on
    months = 3 if extended else 1
    assert is_working_day(
        due, {"england_wales": ("ENG", "WLS"), "scotland": ("SCT",), "northern_ireland": ("NIR",)}[jurisdiction]
    )
    assert due >= add_months(received, months) >= received + timedelta(days=28 * months)
    assert due <= add_months(received, months) + timedelta(days=5)  # at most a long Christmas weekend later
