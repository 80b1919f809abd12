"""Evidence added through intake appears on the case timeline (once per item, however often
its event is delivered). That entry is also how workflow, which does not own evidence, knows
which evidence belongs to which case."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import Connection, Engine, select

from casework.v1 import events_pb2
from casework_common.events import Event
from casework_common.vocabulary import VISIBILITY_NAMES
from casework_workflow import erased, timeline
from casework_workflow.outbound import case_ref
from casework_workflow.tables import case_reps, cases, timeline_entries

log = logging.getLogger(__name__)


class EvidenceTimeline:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def handle(self, uploaded: events_pb2.EvidenceUploaded, _event: Event) -> None:
        ref = uploaded.evidence
        with self.engine.begin() as conn:
            row = conn.execute(select(cases).where(cases.c.id == ref.case_id)).first()
            if row is None:
                return  # not a case of ours (cannot happen: intake checked with us first)
            if erased.is_erased(conn, row.id):
                # Uploaded before the erasure and delivered after it: the case takes nothing new
                # (intake removes the file itself on CaseDataDue; Authorize refuses new uploads).
                log.info("evidence %s on erased case %s: not put on its timeline", ref.evidence_id, row.id)
                return
            reps = list(
                conn.execute(
                    select(case_reps.c.username).where(case_reps.c.case_id == row.id, case_reps.c.kind == "assigned")
                ).scalars()
            )
            timeline.add(
                conn,
                case_ref(row, reps),
                author=uploaded.uploaded_by,
                author_role=uploaded.uploaded_by_role,
                kind="evidence_added",
                body=f"Document added: {ref.filename}",
                visibility=VISIBILITY_NAMES.get(ref.visibility, "reps"),
                data={"evidence_id": ref.evidence_id, "filename": ref.filename},
                source_key=source_key(ref.evidence_id),
            )


def source_key(evidence_id: str) -> str:
    """The key of the timeline entry an evidence item's upload made (one per item)."""
    return f"evidence:{evidence_id}"


def unknown_evidence(conn: Connection, case_id: uuid.UUID, evidence_ids: list[uuid.UUID]) -> list[str]:
    """Those of ``evidence_ids`` that are not evidence of the case as far as workflow knows, i.e.
    whose upload event has not put them on the case's timeline (in the order given)."""
    wanted = {source_key(str(i)): str(i) for i in evidence_ids}
    if not wanted:
        return []
    known = set(
        conn.execute(
            select(timeline_entries.c.source_event_id).where(
                timeline_entries.c.case_id == case_id, timeline_entries.c.source_event_id.in_(wanted)
            )
        ).scalars()
    )
    return [evidence_id for key, evidence_id in wanted.items() if key not in known]
