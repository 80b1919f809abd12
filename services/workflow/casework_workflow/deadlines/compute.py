"""Tribunal and internal-appeal deadlines from the facts a rep records, under a rule set.

Every result carries the steps a rep can check by hand, the cited source and the rule set's version,
and is indicative: a tribunal can extend time and the facts may be arguable, so the rep confirms
with the regional office before relying on it.
"""

from __future__ import annotations

from datetime import date, timedelta

from casework_common.typed_dates import long_date
from casework_workflow.deadlines.arithmetic import (
    add_working_days,
    bank_holiday,
    early_conciliation,
    has_corresponding_date,
    months_beginning_with,
    ordinal,
    subdivisions_for,
)
from casework_workflow.deadlines.model import ComputedDeadline, DeadlineFacts
from casework_workflow.deadlines.ruleset import ClaimRule, ClaimType, JurisdictionRules, RuleSet

_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 9: "nine", 12: "twelve"}


def months_text(months: int) -> str:
    """``three months``, ``one month``, ``18 months``."""
    word = _NUMBERS.get(months, str(months))
    return f"{word} month" if months == 1 else f"{word} months"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def compute(facts: DeadlineFacts, rules: RuleSet) -> list[ComputedDeadline]:
    """Every deadline that follows from the facts under the rule set, each with its steps and source.

    One ``tribunal_claim:<type>`` per claim type considered whose start date is recorded (nothing is
    invented for a missing date), then ``appeal`` when the outcome letter date and the window are known.

    ValueError for an unknown jurisdiction or claim type, a claim type with no rule in force in the
    jurisdiction for its start date, Day B before Day A, or a window below one day.
    """
    subdivisions_for(facts.jurisdiction)  # validates the jurisdiction
    unknown = [c for c in facts.claim_types if c not in rules.claim_types]
    if unknown:
        raise ValueError(f"unknown claim type(s) for rule set {rules.version}: {', '.join(unknown)}")
    if facts.acas_day_a and facts.acas_day_b and facts.acas_day_b < facts.acas_day_a:
        raise ValueError(f"ACAS Day B ({long_date(facts.acas_day_b)}) is before Day A ({long_date(facts.acas_day_a)})")
    results: list[ComputedDeadline] = []
    for key in dict.fromkeys(facts.claim_types):  # keeps the order, drops repeats
        deadline = _tribunal_claim(facts, rules, key)
        if deadline is not None:
            results.append(deadline)
    appeal = _appeal(facts, rules)
    if appeal is not None:
        results.append(appeal)
    return results


def _tribunal_claim(facts: DeadlineFacts, rules: RuleSet, key: str) -> ComputedDeadline | None:
    claim = rules.claim_types[key]
    start = facts.termination_date if claim.runs_from == "termination_date" else facts.act_date
    if start is None:
        return None
    rule = rules.rule_for(key, facts.jurisdiction, start)
    if rule is None:
        # Validation refuses gaps, so this is a date before a claim type's first rule: never drop a
        # tribunal deadline silently (a recompute would withdraw the one stored).
        place = rules.jurisdictions[facts.jurisdiction].name
        raise ValueError(
            f"rule set {rules.version} has no {claim.label.lower()} rule in {place} "
            f"for a period running from {long_date(start)}: ask the regional office for the time limit"
        )
    where = rules.jurisdictions[facts.jurisdiction]
    steps = [f"{claim.runs_from_label}: {long_date(start)}."]
    fallback = rules.confirmed_predecessor(key, facts.jurisdiction, rule)
    if fallback is not None:
        # An unconfirmed rule (e.g. a planned commencement) must not give the date a rep relies on
        # when the confirmed rule before it would end earlier: a late claim is out of time, an early
        # one is not. Compute both; show the earlier, mention the other.
        unconfirmed_due, _ = _period_and_conciliation(facts, where, start, rule)
        confirmed_due, confirmed_steps = _period_and_conciliation(facts, where, start, fallback)
        if confirmed_due < unconfirmed_due:
            steps.extend(_fallback_steps(rules, claim, rule, fallback, where))
            steps.extend(confirmed_steps)
            steps.append(f"Last day to present the claim to the {where.tribunal}: {long_date(confirmed_due)}.")
            steps.extend(_weekend_steps(facts, confirmed_due))
            steps.append(
                f"If the {_limit_name(rule)} of the {rule.source.title} has come into force for this claim, the last "
                f"day would be {long_date(unconfirmed_due)}; this is not confirmed: confirm with the regional office."
            )
            return _claim_deadline(rules, claim, key, fallback, confirmed_due, steps)
    steps.extend(_rule_steps(rules, claim, rule, where, start))
    due, period_steps = _period_and_conciliation(facts, where, start, rule)
    steps.extend(period_steps)
    steps.append(f"Last day to present the claim to the {where.tribunal}: {long_date(due)}.")
    steps.extend(_weekend_steps(facts, due))
    return _claim_deadline(rules, claim, key, rule, due, steps)


def _limit_name(rule: ClaimRule) -> str:
    """``six-month limit``."""
    return f"{months_text(rule.period_months).removesuffix('s').replace(' ', '-')} limit"


def _fallback_steps(
    rules: RuleSet, claim: ClaimType, unconfirmed: ClaimRule, confirmed: ClaimRule, where: JurisdictionRules
) -> list[str]:
    steps = [
        f"Rule set {rules.version} has a {_limit_name(unconfirmed)} ({unconfirmed.source.title}, "
        f"{unconfirmed.source.citation}) for this date in {where.name}, but it is not confirmed: {unconfirmed.note}",
        f"Until it is confirmed the date shown uses the confirmed rule before it, which gives the earlier date: "
        f"{months_text(confirmed.period_months)} beginning with that date ({confirmed.source.title}, "
        f"{confirmed.source.citation}).",
    ]
    if confirmed.note:
        steps.append(f"Note: {confirmed.note}")
    if claim.note:
        steps.append(f"Note: {claim.note}")
    return steps


def _period_and_conciliation(
    facts: DeadlineFacts, where: JurisdictionRules, start: date, rule: ClaimRule
) -> tuple[date, list[str]]:
    """The last day under one rule, and the steps from the period's end to the conciliation."""
    steps: list[str] = []
    limit = months_beginning_with(start, rule.period_months)
    period = months_text(rule.period_months)
    if has_corresponding_date(start, rule.period_months):
        steps.append(f"{_capital(period)} beginning with that date end on {long_date(limit)}.")
    else:
        steps.append(
            f"{long_date(start)} plus {period} has no corresponding date ({ordinal(start.day)} of the month), so "
            f"{period} beginning with that date "
            f"end on the last day of that month: {long_date(limit)}."
        )
    due = limit
    if rule.early_conciliation:
        due = _conciliation_steps(facts, where, start, limit, steps)
    return due, steps


def _weekend_steps(facts: DeadlineFacts, due: date) -> list[str]:
    if due.weekday() >= 5 or bank_holiday(due, subdivisions_for(facts.jurisdiction)):
        return [
            "That day is a weekend or bank holiday; the time limit does not move for that. "
            "Claims can be presented online on any day: do not wait for the last day."
        ]
    return []


def _claim_deadline(
    rules: RuleSet, claim: ClaimType, key: str, rule: ClaimRule, due: date, steps: list[str]
) -> ComputedDeadline:
    return ComputedDeadline(
        key=f"tribunal_claim:{key}",
        kind="tribunal_claim",
        label=f"Tribunal claim: {claim.label[:1].lower() + claim.label[1:]}",
        due_on=due,
        steps=steps,
        source=rule.source.as_rule_source(),
        rule_set=rules.version,
        indicative=True,
        visibility=claim.visibility,
    )


def _rule_steps(rules: RuleSet, claim: ClaimType, rule: ClaimRule, where: JurisdictionRules, start: date) -> list[str]:
    steps = [
        f"Rule in force in {where.name} for that date (rule set {rules.version}): {months_text(rule.period_months)} "
        f"beginning with that date ({rule.source.title}, {rule.source.citation})."
    ]
    if not rule.confirmed:
        steps.append(f"This rule is not yet confirmed: {rule.note}")
    elif rule.note:
        steps.append(f"Note: {rule.note}")
    if claim.note:
        steps.append(f"Note: {claim.note}")
    return steps


def _conciliation_steps(
    facts: DeadlineFacts, where: JurisdictionRules, start: date, limit: date, steps: list[str]
) -> date:
    body = where.conciliation.body
    body_cap = _capital(body.removeprefix("the "))  # "Labour Relations Agency early conciliation from ..."
    day_a, day_b = facts.acas_day_a, facts.acas_day_b
    if day_a is None and day_b is None:
        steps.append(
            f"No {body_cap} early conciliation recorded: contact {body} before the claim can be presented; "
            "conciliation extends this date (the Day A and Day B of the certificate)."
        )
        return limit
    if day_a is None or day_b is None:
        known = f"Day A ({long_date(day_a)})" if day_a else f"Day B ({long_date(day_b)})"  # type: ignore[arg-type]
        steps.append(
            f"Only {known} of {body_cap} early conciliation is recorded: the extension cannot be worked out until "
            "both dates are known, so the date shown is without it."
        )
        return limit
    ec = early_conciliation(limit, day_a, day_b, period_start=start)
    if ec.before_period:
        inside = "1 day" if ec.days_not_counted == 1 else f"{ec.days_not_counted} days"
        steps.append(
            f"Warning: {body_cap} early conciliation started on {long_date(day_a)} (Day A), before the date the time "
            f"limit runs from ({long_date(start)}), and ended on {long_date(day_b)} (Day B). Whether such "
            "conciliation extends the time limit is disputed, so no extension is applied here: the date shown is "
            f"the time limit without conciliation, {long_date(limit)}, the safer date. Of the days after Day A up to "
            f"and including Day B, {inside} fall on or after {long_date(start)}; a tribunal might leave them out "
            "(and allow one month after Day B) and so extend the time limit: do not rely on that, ask the regional "
            "office."
        )
        steps.append(f"({where.conciliation.source.title}, {where.conciliation.source.citation}.)")
        return limit
    if not ec.applies:
        steps.append(
            f"Warning: {body_cap} early conciliation started on {long_date(day_a)} (Day A), after the time limit had "
            f"already expired on {long_date(limit)}. Conciliation does not extend a time limit that has run out; "
            "the claim is already out of time unless the tribunal extends time. Tell the regional office now."
        )
        return limit
    days = "1 day" if ec.days_not_counted == 1 else f"{ec.days_not_counted} days"
    steps.append(
        f"{body_cap} early conciliation from {long_date(day_a)} (Day A) to {long_date(day_b)} (Day B): "
        f"{days} not counted, so {long_date(ec.after_pause)}."
    )
    if ec.extended_to_month_after_b:
        steps.append(
            f"That date falls between Day A and one month after Day B ({long_date(ec.month_after_day_b)}), "
            f"so the time limit ends one month after Day B instead: {long_date(ec.due_on)}."
        )
    else:
        steps.append(
            f"That date is later than one month after Day B ({long_date(ec.month_after_day_b)}), "
            "so there is no further extension."
        )
    steps.append(f"({where.conciliation.source.title}, {where.conciliation.source.citation}.)")
    return ec.due_on


def _appeal(facts: DeadlineFacts, rules: RuleSet) -> ComputedDeadline | None:
    letter, window = facts.outcome_letter_date, facts.appeal_window_days
    if letter is None or window is None:
        return None
    if window < 1:
        raise ValueError(f"an appeal window is at least one day, not {window}")
    where = rules.jurisdictions[facts.jurisdiction]
    steps = [f"Outcome letter dated {long_date(letter)}."]
    if facts.appeal_window_working:
        counted = add_working_days(letter, window, subdivisions_for(facts.jurisdiction))
        due = counted.due_on
        unit = "working day" if window == 1 else "working days"
        steps.append(
            f"Appeal window: {window} {unit} after the letter, leaving out weekends and bank holidays in "
            f"{where.name}; day 1 is {long_date(counted.first_day)}."
        )
        if counted.skipped_holidays:
            skipped = ", ".join(f"{long_date(d)} ({name})" for d, name in counted.skipped_holidays)
            steps.append(f"Bank holidays left out: {skipped}.")
        steps.append(f"Last day to appeal: {long_date(due)}.")
    else:
        due = letter + timedelta(days=window)
        unit = "day" if window == 1 else "days"
        steps.append(f"Appeal window: {window} calendar {unit} after the letter, so the last day is {long_date(due)}.")
        if due.weekday() >= 5 or bank_holiday(due, subdivisions_for(facts.jurisdiction)):
            steps.append(
                "That day is a weekend or bank holiday: send the appeal before it unless the policy says otherwise."
            )
    if rules.appeal.note:
        steps.append(rules.appeal.note)
    return ComputedDeadline(
        key="appeal",
        kind="appeal",
        label=rules.appeal.label,
        due_on=due,
        steps=steps,
        source=rules.appeal.source.as_rule_source(),
        rule_set=rules.version,
        indicative=True,
        visibility=rules.appeal.visibility,
    )
