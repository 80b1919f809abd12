"""Recompute stored rule deadlines after a rule set upload, so none is left stale.

``PUT /v1/deadline-rules`` stores a new version; the deadlines already stored were computed with the
one before. This background loop finds, at each pass, the cases whose deadline facts were last
computed with another version than the one in force (``deadline_facts.computed_with``) and
recomputes each one in its own transaction through the same reconciliation as
``PUT /v1/cases/{id}/deadline-facts`` (facts.reconcile): new deadlines open, changed ones updated
with a DeadlineChanged event, timeline entry and audit record, ones no longer following withdrawn,
met ones untouched. The actor is the workflow service itself (``SYSTEM``).

A case whose facts the new set cannot compute from (e.g. a claim type it no longer has) keeps its
deadlines as they are: an audit record ``deadline.recompute_refused`` says why, and the case is not
tried again with that version (a rep re-saving the facts gets the 422 with the reason).
"""

from __future__ import annotations

import logging
import threading
import uuid

from sqlalchemy import Engine, select

from casework_common import runtime
from casework_common.auth import SERVICE_ROLE, Principal
from casework_workflow import audit
from casework_workflow.deadlines import facts as case_facts
from casework_workflow.deadlines import versions
from casework_workflow.deadlines.compute import compute
from casework_workflow.tables import cases, deadline_facts

log = logging.getLogger(__name__)

#: Who recomputes: the service, not a person (audit records and timeline entries name it).
SYSTEM = Principal(
    subject="service:workflow:deadline-recompute",
    username="workflow",
    roles=frozenset({SERVICE_ROLE}),
    client="workflow",
)

#: Cases handled per pass at most; the next pass carries on (keeps one pass short).
BATCH = 200


class DeadlineRecompute:
    """The loop: ``run(stop)`` for ``ServiceRuntime.add_loop``; ``run_once`` does one pass."""

    def __init__(self, engine: Engine, interval_s: float) -> None:
        self.engine = engine
        self.interval_s = interval_s

    def run(self, stop: threading.Event) -> None:
        """Pass after pass until ``stop`` is set; a failed pass (database away) is logged and retried."""
        runtime.periodic("deadline recompute", self._pass, self.interval_s)(stop)

    def _pass(self) -> None:
        done = self.run_once()
        if done:
            log.info("recomputed the rule deadlines of %d case(s) with the rule set in force", done)

    def run_once(self) -> int:
        """Recompute every case (up to ``BATCH``) not computed with the rule set in force; how many were."""
        with self.engine.connect() as conn:
            version = versions.in_force(conn).rules.version
            stale = list(
                conn.execute(
                    select(deadline_facts.c.case_id)
                    .where(deadline_facts.c.computed_with.is_distinct_from(version))
                    .order_by(deadline_facts.c.case_id)
                    .limit(BATCH)
                ).scalars()
            )
        done = 0
        for case_id in stale:
            try:  # one case that fails (a lock timeout, a bug) must not hold back the others
                done += self.recompute_case(case_id, version)
            except Exception:
                log.exception("case %s: recomputing its deadlines failed; trying again next pass", case_id)
        return done

    def recompute_case(self, case_id: uuid.UUID, version: str) -> bool:
        """Recompute one case with ``version`` if that is still in force and the case still needs it."""
        with self.engine.begin() as conn:
            # The case row first, as PUT deadline-facts locks it: the two never interleave on a case.
            case_row = conn.execute(select(cases).where(cases.c.id == case_id).with_for_update()).first()
            row = conn.execute(
                select(deadline_facts).where(deadline_facts.c.case_id == case_id).with_for_update()
            ).first()
            current = versions.in_force(conn)
            if case_row is None or row is None or row.computed_with == version or current.rules.version != version:
                return False  # done meanwhile (a PUT, another replica) or another upload: the next pass sees it
            was = row.computed_with
            try:
                computed = compute(case_facts.from_row(row), current.rules)
            except ValueError as exc:
                case_facts.mark_computed(conn, case_id, version)
                audit.record(
                    conn,
                    SYSTEM,
                    "deadline.recompute_refused",
                    case_id,
                    detail={"rule_set": version, "was": was, "reason": str(exc)},
                )
                log.warning("case %s: rule set %s cannot compute its deadlines: %s", case_id, version, exc)
                return True
            counts = case_facts.reconcile(conn, case_row, computed, SYSTEM)
            case_facts.mark_computed(conn, case_id, version)
            if any(counts.values()):  # a deadline added, moved or withdrawn (explanations alone: store's record)
                audit.record(
                    conn, SYSTEM, "deadline.recompute", case_id, detail={"rule_set": version, "was": was, **counts}
                )
        return True
