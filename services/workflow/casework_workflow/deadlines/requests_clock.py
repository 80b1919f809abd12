"""Statutory reply dates of subject access and freedom of information requests.

Subject access (UK GDPR arts. 12(3) and 12A, ICO guidance "How long do we have to comply?"): count
from the day the request is received (whether a working day or not) to the corresponding calendar
date in the next month; if that month has no such date, the last day of that month; if the date falls
on a weekend or public holiday, the next working day. The controller may extend by two further months
(complex or numerous requests): the corresponding date three months after receipt, same rules.

Article 12A (inserted by the Data (Use and Access) Act 2025, s.76; in force 5 February 2026, SI
2026/82) fixes when the month runs: from the latest of receipt of the request, of proof of identity
the controller reasonably asked for, and of a fee it may charge (so recording that later day as the
receipt date is right); a request for clarification of what is wanted instead PAUSES the month
from the controller's request until the clarification arrives (the days already run still count).
That pause is not computed here: the steps say so and never tell the rep to restart the clock for it.

FOI: "not later than the twentieth working day following the date of receipt" (FOIA 2000 s.10(1);
FOISA 2002 s.10(1) "after"): day 1 is the first working day after receipt. Working days differ:
FOIA s.10(6) leaves out Christmas Day, Good Friday and a bank holiday "in any part of the United
Kingdom" (so 2 January, a Scottish bank holiday, also counts for a request in England);
FOISA s.73 leaves out Christmas Day and bank holidays in Scotland only.

These dates are statutory and are not marked indicative: they follow mechanically from the receipt
date the rep records. The steps say what can move them (clarification, proof of identity, a fee,
an extension the controller or authority notifies).
"""

from __future__ import annotations

from datetime import date

from casework_common.typed_dates import long_date
from casework_workflow.deadlines.arithmetic import (
    WHOLE_UK,
    add_months,
    add_working_days,
    bank_holiday,
    has_corresponding_date,
    next_working_day,
    ordinal,
    subdivisions_for,
)
from casework_workflow.deadlines.model import (
    VISIBILITY_MEMBER,
    ComputedDeadline,
    Jurisdiction,
    RuleSource,
)

SAR_SOURCE = RuleSource(
    title="UK GDPR (right of access), as amended by the Data (Use and Access) Act 2025; ICO guidance: How long "
    "do we have to comply?",
    citation="Article 12(3), Article 12A (time limits) and Article 15",
    url="https://www.legislation.gov.uk/eur/2016/679/article/12A",
)
FOIA_SOURCE = RuleSource(
    title="Freedom of Information Act 2000",
    citation="s.10(1) and (6)",
    url="https://www.legislation.gov.uk/ukpga/2000/36/section/10",
)
FOISA_SOURCE = RuleSource(
    title="Freedom of Information (Scotland) Act 2002",
    citation="s.10(1) and s.73 (working day)",
    url="https://www.legislation.gov.uk/asp/2002/13/section/10",
)

_PLACE = {
    Jurisdiction.ENGLAND_WALES: "England and Wales",
    Jurisdiction.SCOTLAND: "Scotland",
    Jurisdiction.NORTHERN_IRELAND: "Northern Ireland",
}


def subject_access_due(
    received: date, extended: bool = False, *, jurisdiction: str = "england_wales"
) -> ComputedDeadline:
    """The date a subject access reply is due: one calendar month from receipt, or three when extended.

    ``jurisdiction`` is where the controller is: its bank holidays decide the next working day.
    """
    subdivisions = subdivisions_for(jurisdiction)
    months = 3 if extended else 1
    steps = [f"Request received by the controller: {long_date(received)}. The time runs from that day."]
    corresponding = add_months(received, months)
    if extended:
        steps.append(
            "The controller told the member it is extending the time by two further months "
            "(allowed for complex or numerous requests), so three calendar months from receipt."
        )
    span = "one calendar month" if months == 1 else "three calendar months"
    if has_corresponding_date(received, months):
        steps.append(f"The corresponding date {span} later is {long_date(corresponding)}.")
    else:
        steps.append(
            f"{corresponding:%B %Y} has no {ordinal(received.day)} day, so the reply is due on the last day of that "
            f"month: {long_date(corresponding)}."
        )
    due = next_working_day(corresponding, subdivisions)
    if due != corresponding:
        why = bank_holiday(corresponding, subdivisions) or f"a {corresponding:%A}"
        steps.append(
            f"{long_date(corresponding)} is {why}, not a working day in {_PLACE[Jurisdiction(jurisdiction)]}, "
            f"so the reply is due on the next working day: {long_date(due)}."
        )
    steps.append(f"Reply due by {long_date(due)}.")
    steps.append(
        "If the controller asked for proof of identity it reasonably needed, or a fee it may charge, the time runs "
        "from the day it received that instead: record that day as the receipt date (UK GDPR Article 12A)."
    )
    steps.append(
        "If the controller asked the member to clarify the request, the time stops from that request until the "
        "clarification reaches it and then runs on (UK GDPR Article 12A): it does not start again, so do not "
        "record the clarification as a new receipt date. That pause is not computed here: confirm the date with "
        "the regional office."
    )
    if not extended:
        steps.append(
            "The controller may extend by two further months only if it tells the member within this first month, "
            "with reasons."
        )
    return ComputedDeadline(
        key="subject_access",
        kind="subject_access",
        label="Subject access request reply",
        due_on=due,
        steps=steps,
        source=SAR_SOURCE,
        rule_set="",
        indicative=False,
        visibility=VISIBILITY_MEMBER,
    )


def foi_due(received: date, jurisdiction: str) -> ComputedDeadline:
    """The date a freedom of information reply is due: the twentieth working day after receipt.

    ``jurisdiction`` is the law the authority answers under: ``scotland`` for a Scottish public
    authority (FOISA 2002, Scottish bank holidays); anything else means FOIA 2000 (bank holidays
    anywhere in the UK), which also covers UK-wide authorities with offices in Scotland.
    """
    subdivisions_for(jurisdiction)  # validates the jurisdiction
    scotland = jurisdiction == Jurisdiction.SCOTLAND
    if scotland:
        subdivisions, source = subdivisions_for(jurisdiction), FOISA_SOURCE
        rule = (
            "Working days leave out Saturdays, Sundays, Christmas Day and bank holidays in Scotland "
            "(Freedom of Information (Scotland) Act 2002, s.73)."
        )
    else:
        subdivisions, source = WHOLE_UK, FOIA_SOURCE
        rule = (
            "Working days leave out Saturdays, Sundays, Christmas Day, Good Friday and bank holidays in any part "
            "of the United Kingdom, including Scottish and Northern Irish ones (Freedom of Information Act 2000, "
            "s.10(6))."
        )
    counted = add_working_days(received, 20, subdivisions)
    steps = [
        f"Request received by the public authority: {long_date(received)}.",
        rule,
        f"Working day 1 is the first working day after receipt: {long_date(counted.first_day)}.",
    ]
    if counted.skipped_holidays:
        skipped = ", ".join(f"{long_date(d)} ({name})" for d, name in counted.skipped_holidays)
        steps.append(f"Bank holidays left out: {skipped}.")
    steps.append(f"The twentieth working day is {long_date(counted.due_on)}: the reply is due by then.")
    if scotland:
        steps.append(
            "The authority may ask for clarification or a fee; the clock waits until it gets them, so record "
            "those dates if they happen."
        )
    else:
        steps.append(
            "The authority may ask for clarification or a fee (the clock waits until it gets them) and may take "
            "longer to consider the public interest if it says so in time; record those dates if they happen."
        )
    return ComputedDeadline(
        key="foi",
        kind="foi",
        label="Freedom of information reply",
        due_on=counted.due_on,
        steps=steps,
        source=source,
        rule_set="",
        indicative=False,
        visibility=VISIBILITY_MEMBER,
    )
