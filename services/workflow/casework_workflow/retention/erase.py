"""Workflow's own copies of a case's data, removed in the caller's transaction.

workflow holds two kinds (casework_common.vocabulary.DATA_KIND_HOLDERS):

- ``case_record``: the case row's personal data and free text are overwritten (member name,
  membership number, contact details, workplace, job role, allegation details, summary, sanction),
  the reps' names on the case are removed, and so are the member's details on enquiries and
  information requests about it; the audit records about the case lose their content
  (``audit.redact_case``: the chain still verifies). What trends and comparators count stays: case
  type, sector, employer, branch, region, allegation categories, outcome, status, and the key
  dates' month only (each becomes the first of its month).
- ``timeline``: timeline entries are deleted; the free text of referrals (reason, the summary shown
  to the official, decisions, the pack), support requests, enquiries, branch tasks, deadlines and
  information requests about the case is emptied. Their structured rows stay (states, dates), so
  counts and the referral protocol's history keep their shape.

Both also delete the case's events from workflow's outbox, relayed or not (kept there for a week
otherwise). Each returns how many rows it changed; running either again changes nothing more of substance.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import Connection, Date, delete, func, text, update

from casework_workflow import audit
from casework_workflow.cases import KEY_DATE_COLUMNS
from casework_workflow.tables import (
    branch_tasks,
    case_reps,
    cases,
    deadlines,
    enquiries,
    information_requests,
    outbox,
    referrals,
    support_requests,
    timeline_entries,
)

ERASED = "(erased)"  # shown where a name or a text must have a value


def erase_case_record(conn: Connection, case_id: uuid.UUID) -> int:
    """Anonymise the case row and the member's details wherever workflow keeps them for this case."""
    changed = conn.execute(
        update(cases)
        .where(cases.c.id == case_id)
        .values(
            member_name=ERASED,
            # Empty, not a marker: no membership number is empty, so no member's token ever matches
            # an erased case (scope's member access) and rectification by number never reaches one.
            membership_number="",
            member_email=None,
            member_phone=None,
            workplace=None,
            job_role=None,
            allegation_details="",
            summary="",
            sanction=None,
            # Only the month stays (docs/design.md, 'Data protection'): an exact date can single a
            # member out; the month is enough for trends and comparators.
            **{column: func.date_trunc("month", cases.c[column]).cast(Date) for column in KEY_DATE_COLUMNS.values()},
        )
    ).rowcount
    changed += conn.execute(delete(case_reps).where(case_reps.c.case_id == case_id)).rowcount
    changed += conn.execute(
        update(enquiries).where(enquiries.c.case_id == case_id).values(member=ERASED, membership_number="")
    ).rowcount
    changed += conn.execute(
        update(information_requests)
        .where(information_requests.c.case_id == case_id)
        .values(employee_number=None, recipient_email=None)
    ).rowcount
    changed += audit.redact_case(conn, case_id)
    return changed + _published_events(conn, case_id)


def erase_timeline(conn: Connection, case_id: uuid.UUID) -> int:
    """Delete the case's timeline and empty the free text of everything else about it."""
    # Timeline entries are append-only (a trigger) except inside an erasure's own transaction.
    conn.execute(text("SET LOCAL casework.erasing = 'on'"))
    changed = conn.execute(delete(timeline_entries).where(timeline_entries.c.case_id == case_id)).rowcount
    conn.execute(text("SET LOCAL casework.erasing = 'off'"))
    changed += conn.execute(
        update(referrals)
        .where(referrals.c.case_id == case_id)
        .values(reason="", summary={}, decision_reasons=None, pack=None)
    ).rowcount
    changed += conn.execute(
        update(support_requests).where(support_requests.c.case_id == case_id).values(question="", answer=None)
    ).rowcount
    changed += conn.execute(update(enquiries).where(enquiries.c.case_id == case_id).values(message="")).rowcount
    changed += conn.execute(
        update(branch_tasks).where(branch_tasks.c.case_id == case_id).values(description=ERASED)
    ).rowcount
    changed += conn.execute(
        update(deadlines).where(deadlines.c.case_id == case_id).values(label=ERASED, state_reason="")
    ).rowcount
    changed += conn.execute(
        update(information_requests)
        .where(information_requests.c.case_id == case_id)
        .values(
            recipient=ERASED,
            requested="",
            letter_subject="",
            letter_body="",
            extension_reason=None,
            withdrawn_reason=None,
        )
    ).rowcount
    return changed + _published_events(conn, case_id)


def _published_events(conn: Connection, case_id: uuid.UUID) -> int:
    """The case's events in workflow's outbox (CaseChanged carries the member's details, timeline
    events their text). Those already relayed would be kept for the outbox's own retention; those
    not yet relayed would be kept for a week once they were, and would carry the erased details to
    the holders after the erasure. Every holder is about to remove what they say (the CaseDataDue
    queued after this), so none is still needed. Locks the rows: a relay sending one finishes first."""
    return conn.execute(delete(outbox).where(outbox.c.key == str(case_id))).rowcount


#: The kinds workflow holds, and how it removes each.
OWN_KINDS: dict[str, Callable[[Connection, uuid.UUID], int]] = {
    "case_record": erase_case_record,
    "timeline": erase_timeline,
}
