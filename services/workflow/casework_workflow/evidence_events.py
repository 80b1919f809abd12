"""Evidence added through intake appears on the case timeline (once per item, however often
its event is delivered)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from casework.v1 import events_pb2
from casework_common.events import Event
from casework_workflow import timeline
from casework_workflow.outbound import case_ref
from casework_workflow.tables import case_reps, cases

VISIBILITY = {events_pb2.VISIBILITY_MEMBER: "member", events_pb2.VISIBILITY_REPS: "reps"}


class EvidenceTimeline:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def handle(self, uploaded: events_pb2.EvidenceUploaded, _event: Event) -> None:
        ref = uploaded.evidence
        with self.engine.begin() as conn:
            row = conn.execute(select(cases).where(cases.c.id == ref.case_id)).first()
            if row is None:
                return  # not a case of ours (cannot happen: intake checked with us first)
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
                visibility=VISIBILITY.get(ref.visibility, "reps"),
                data={"evidence_id": ref.evidence_id, "filename": ref.filename},
                source_key=f"evidence:{ref.evidence_id}",
            )
