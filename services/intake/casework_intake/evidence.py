"""Evidence records: created with their ``evidence.uploaded`` event, moved forward by status events."""

from __future__ import annotations

import base64
import logging
import uuid
from contextlib import nullcontext
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Connection, Engine, Row, and_, case, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert

from casework.v1 import events_pb2, workflow_pb2
from casework_common import events
from casework_common.auth import Principal
from casework_common.outbox import enqueue
from casework_common.vocabulary import (
    EVIDENCE_FINISHED,
    EVIDENCE_STATUS_NAMES,
    EVIDENCE_STATUS_RANK,
    INTAKE_CHANNELS,
    VISIBILITIES,
)
from casework_intake import facts
from casework_intake.tables import evidence, facts_history, outbox, status_history

log = logging.getLogger(__name__)
SERVICE = "intake"

_child = evidence.alias("child")
# Every read of a record carries its children's ids, in their order inside it.
CHILDREN = (
    select(func.array_agg(aggregate_order_by(_child.c.id, _child.c.child_index)))
    .where(_child.c.parent_id == evidence.c.id)
    .correlate(evidence)
    .scalar_subquery()
    .label("children")
)


def uploaded_event(row: Row[Any]) -> events_pb2.EvidenceUploaded:
    uploaded_at = Timestamp()
    uploaded_at.FromDatetime(row.created_at)
    return events_pb2.EvidenceUploaded(
        evidence=events_pb2.EvidenceRef(
            evidence_id=str(row.id),
            case_id=str(row.case_id),
            branch=row.branch,
            region=row.region,
            visibility=VISIBILITIES[row.visibility],
            filename=row.filename,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            sha256=row.sha256,
            bucket=row.bucket,
            object_key=row.object_key,
            version_id=row.version_id or "",
            uploaded_at=uploaded_at,
        ),
        uploaded_by=row.uploaded_by,
        uploaded_by_role=row.uploaded_by_role,
        uploaded_at=uploaded_at,
        channel=INTAKE_CHANNELS.get(row.channel, events_pb2.INTAKE_CHANNEL_UNSPECIFIED),
    )


def to_json(row: Row[Any], internal: bool = False) -> dict[str, Any]:
    """The API view of a record; ``internal`` adds the scope fields services need."""
    body = {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "filename": row.filename,
        "filename_raw": base64.b64encode(row.filename_raw).decode() if row.filename_raw is not None else None,
        "filename_charset": row.filename_charset,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "visibility": row.visibility,
        "status": row.status,
        "status_reason": row.status_reason,
        "pages_done": row.pages_done,
        "pages_total": row.pages_total,
        "detected_type": row.detected_type,
        "metadata": row.metadata,
        "facts": facts.facts_json(row),
        "duplicate_of": str(row.duplicate_of) if row.duplicate_of else None,
        "children": [str(child) for child in getattr(row, "children", None) or ()],
        "uploaded_by": row.uploaded_by,
        "uploaded_at": row.created_at.isoformat(),
        "channel": row.channel,
        "channel_detail": row.channel_detail,
        "updated_at": row.updated_at.isoformat(),
        "links": {"self": f"/v1/evidence/{row.id}", "content": f"/v1/evidence/{row.id}/content"},
    }
    if row.parent_id:
        body["parent_id"] = str(row.parent_id)
    if internal:
        body.update(branch=row.branch, region=row.region)
    return body


def history_json(row: Row[Any]) -> dict[str, Any]:
    """One entry of an item's status history."""
    return {
        "status": row.status,
        "reason": row.reason,
        "pages_done": row.pages_done,
        "pages_total": row.pages_total,
        "at": row.at.isoformat(),
    }


def _earlier_identical(conn: Connection, case_id: uuid.UUID, sha256: str, visibility: str) -> uuid.UUID | None:
    """The case's first item with these bytes: the one that is no copy itself (items recorded in one
    transaction share a created_at, so time alone cannot tell). The transaction-scoped lock on
    (case, hash) makes a second identical upload wait for the first to commit, so two at once
    still see each other and there is one first item. An item members may see only ever names
    an item members may see: otherwise a member could learn that a reps-only file exists."""
    conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"{case_id}:{sha256}", 0))))
    query = select(evidence.c.id).where(
        evidence.c.case_id == case_id, evidence.c.sha256 == sha256, evidence.c.duplicate_of.is_(None)
    )
    if visibility == "member":
        query = query.where(evidence.c.visibility == "member")
    return conn.execute(query.order_by(evidence.c.created_at, evidence.c.id).limit(1)).scalar()


def _history(conn: Connection, evidence_id: uuid.UUID, status: str, reason: str | None, done: int, total: int) -> None:
    conn.execute(
        status_history.insert().values(
            evidence_id=evidence_id, status=status, reason=reason, pages_done=done, pages_total=total
        )
    )


def _announce_rep_facts(conn: Connection, evidence_id: uuid.UUID) -> None:
    """Search has (re)written the item's pages from what ocr read: if a rep corrected any fact
    before that, say the facts again, so search puts the rep's values back on the new pages (a
    correction made while the file was being read, or a later reading of the file)."""
    row = conn.execute(select(evidence).where(evidence.c.id == evidence_id)).first()
    # An erased item's stub has no facts to say again (a late "indexed" for it announces nothing).
    if (
        row is None
        or row.erased_at is not None
        or facts.REP not in (row.document_date_source, row.title_source, row.kind_source)
    ):
        return
    again = events_pb2.EvidenceFactsChanged(
        evidence_id=str(row.id), case_id=str(row.case_id), facts=facts.facts_proto(row), changed_by=SERVICE
    )
    enqueue(conn, outbox, events.EVIDENCE_STATUS, str(row.id), again, SERVICE)


def parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class EvidenceRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        *,
        evidence_id: uuid.UUID,
        case: workflow_pb2.CaseSummary,
        uploader: Principal,
        filename: str,
        content_type: str,
        size_bytes: int,
        sha256: str,
        visibility: str,
        bucket: str,
        object_key: str,
        version_id: str | None,
        filename_raw: bytes | None = None,
        filename_charset: str | None = None,
        conn: Connection | None = None,
        channel: str = "upload",
        channel_detail: dict[str, Any] | None = None,
    ) -> Row[Any]:
        """Insert the record and its event in one transaction (the object is already stored): ``conn``'s,
        when the caller stores more with it (an upload's other files, its idempotency key). ``channel``
        (a name of INTAKE_CHANNELS) and ``channel_detail`` say how the file came in."""
        with nullcontext(conn) if conn is not None else self.engine.begin() as conn:
            duplicate_of = _earlier_identical(conn, uuid.UUID(case.case_id), sha256, visibility)
            row = conn.execute(
                evidence.insert()
                .values(
                    id=evidence_id,
                    case_id=uuid.UUID(case.case_id),
                    branch=case.branch,
                    region=case.region,
                    visibility=visibility,
                    filename=filename,
                    filename_raw=filename_raw,
                    filename_charset=filename_charset,
                    content_type=content_type,
                    size_bytes=size_bytes,
                    sha256=sha256,
                    bucket=bucket,
                    object_key=object_key,
                    version_id=version_id,
                    uploaded_by=uploader.username,
                    uploaded_by_sub=uploader.subject,
                    uploaded_by_role=uploader.primary_role,
                    status="received",
                    duplicate_of=duplicate_of,
                    channel=channel,
                    channel_detail=channel_detail or {},
                )
                .returning(evidence)
            ).one()
            _history(conn, evidence_id, "received", None, 0, 0)
            enqueue(conn, outbox, events.EVIDENCE_UPLOADED, str(evidence_id), uploaded_event(row), SERVICE)
        return row

    def record_child(
        self,
        *,
        parent: Row[Any],
        index: int,
        evidence_id: uuid.UUID,
        filename: str,
        content_type: str,
        size_bytes: int,
        sha256: str,
        object_key: str,
        version_id: str | None,
        filename_raw: bytes | None = None,
        filename_charset: str | None = None,
    ) -> Row[Any]:
        """Record a file found inside ``parent`` (archive member, attachment): same case, visibility and
        uploader. The same (parent, index) twice yields the first record: re-extraction adds nothing."""
        with self.engine.begin() as conn:
            duplicate_of = _earlier_identical(conn, parent.case_id, sha256, parent.visibility)
            row = conn.execute(
                insert(evidence)
                .values(
                    id=evidence_id,
                    case_id=parent.case_id,
                    branch=parent.branch,
                    region=parent.region,
                    visibility=parent.visibility,
                    filename=filename,
                    filename_raw=filename_raw,
                    filename_charset=filename_charset,
                    content_type=content_type,
                    size_bytes=size_bytes,
                    sha256=sha256,
                    bucket=parent.bucket,
                    object_key=object_key,
                    version_id=version_id,
                    uploaded_by=parent.uploaded_by,
                    uploaded_by_sub=parent.uploaded_by_sub,
                    uploaded_by_role=parent.uploaded_by_role,
                    status="received",
                    parent_id=parent.id,
                    child_index=index,
                    depth=parent.depth + 1,
                    duplicate_of=duplicate_of,
                    channel=parent.channel,
                    channel_detail=parent.channel_detail,
                )
                .on_conflict_do_nothing(constraint="evidence_parent_child")
                .returning(evidence)
            ).first()
            if row is None:
                return self.child(parent.id, index)  # type: ignore[return-value]
            _history(conn, evidence_id, "received", None, 0, 0)
            enqueue(conn, outbox, events.EVIDENCE_UPLOADED, str(evidence_id), uploaded_event(row), SERVICE)
        return row

    def child(self, parent_id: uuid.UUID, index: int) -> Row[Any] | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(evidence, CHILDREN).where(evidence.c.parent_id == parent_id, evidence.c.child_index == index)
            ).first()

    def get(self, evidence_id: str) -> Row[Any] | None:
        parsed = parse_id(evidence_id)
        if parsed is None:
            return None
        with self.engine.connect() as conn:
            return conn.execute(select(evidence, CHILDREN).where(evidence.c.id == parsed)).first()

    def history(self, evidence_id: uuid.UUID) -> list[Row[Any]]:
        """Every status the item was moved to, oldest first."""
        with self.engine.connect() as conn:
            query = select(status_history).where(status_history.c.evidence_id == evidence_id)
            return list(conn.execute(query.order_by(status_history.c.id)))

    def facts_history(self, evidence_id: uuid.UUID) -> list[Row[Any]]:
        """Every change to the item's facts, oldest first."""
        with self.engine.connect() as conn:
            query = select(facts_history).where(facts_history.c.evidence_id == evidence_id)
            return list(conn.execute(query.order_by(facts_history.c.id)))

    def correct_facts(self, evidence_id: uuid.UUID, changes: dict[str, Any], changed_by: str) -> Row[Any] | None:
        """A person's correction of the item's facts (see facts.apply_correction), recorded in its
        facts history and announced (``EvidenceFactsChanged`` on evidence.status, through the outbox)
        so search indexes it. Returns the item as it now is; None if it does not exist."""
        with self.engine.begin() as conn:
            row = conn.execute(select(evidence).where(evidence.c.id == evidence_id).with_for_update()).first()
            if row is None:
                return None
            if facts.apply_correction(conn, row, changes, changed_by):
                row = conn.execute(select(evidence).where(evidence.c.id == evidence_id)).one()
                changed = events_pb2.EvidenceFactsChanged(
                    evidence_id=str(row.id),
                    case_id=str(row.case_id),
                    facts=facts.facts_proto(row),
                    changed_by=changed_by,
                )
                enqueue(conn, outbox, events.EVIDENCE_STATUS, str(row.id), changed, SERVICE)
            return conn.execute(select(evidence, CHILDREN).where(evidence.c.id == evidence_id)).one()

    def list_for_case(self, case_id: str, include_reps_only: bool) -> list[Row[Any]]:
        query = (
            select(evidence, CHILDREN).where(evidence.c.case_id == uuid.UUID(case_id)).order_by(evidence.c.created_at)
        )
        if not include_reps_only:
            query = query.where(evidence.c.visibility == "member")
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def list_all(self, status: str | None, after: uuid.UUID | None, limit: int) -> list[Row[Any]]:
        """Every record (for services rebuilding derived data), in id order from ``after``."""
        query = select(evidence, CHILDREN).order_by(evidence.c.id).limit(limit)
        if status:
            query = query.where(evidence.c.status == status)
        if after:
            query = query.where(evidence.c.id > after)
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def apply_status(self, change: events_pb2.EvidenceStatusChanged) -> bool:
        """Move an item forward (never back, never out of a terminal state), recording it in the item's
        history. True if it changed. Facts the change carries (detected type, metadata, the document's
        date, title and kind) are kept even when its status is stale: they do not go out of date."""
        new = EVIDENCE_STATUS_NAMES.get(change.status)
        parsed = parse_id(change.evidence_id)
        if new is None or parsed is None:
            return False
        rank = case(*((evidence.c.status == name, r) for name, r in EVIDENCE_STATUS_RANK.items()), else_=0)
        shown = (evidence.c.status, evidence.c.pages_done, evidence.c.pages_total, evidence.c.status_reason)
        with self.engine.begin() as conn:
            before = conn.execute(select(*shown).where(evidence.c.id == parsed).with_for_update()).first()
            result = conn.execute(
                update(evidence)
                .where(
                    evidence.c.id == parsed,
                    evidence.c.status.not_in(EVIDENCE_FINISHED),
                    # Forward only, and within one status progress only forward too: a late or
                    # redelivered "extracting 0/3" must not undo "1/3" already shown.
                    or_(
                        rank < EVIDENCE_STATUS_RANK[new],
                        and_(rank == EVIDENCE_STATUS_RANK[new], evidence.c.pages_done <= change.pages_done),
                    ),
                )
                .values(
                    status=new,
                    status_reason=change.reason or None,
                    pages_done=change.pages_done,
                    pages_total=change.pages_total,
                    updated_at=func.now(),
                )
                .returning(evidence.c.id)
            ).first()
            after = (new, change.pages_done, change.pages_total, change.reason or None)
            # A redelivered or repeated change (the same progress sent twice) is not a new step.
            if result is not None and (before is None or tuple(before) != after):
                _history(conn, parsed, new, change.reason or None, change.pages_done, change.pages_total)
            found: dict[str, Any] = {}
            if change.detected_type:
                found["detected_type"] = change.detected_type[:200]
            if change.metadata:
                found["metadata"] = dict(change.metadata)
            # An erased item's stub takes no facts again from a late or redelivered event (erasure.py).
            live = and_(evidence.c.id == parsed, evidence.c.erased_at.is_(None))
            if found:
                conn.execute(update(evidence).where(live).values(**found))
            if change.HasField("facts"):
                row = conn.execute(select(evidence).where(live).with_for_update()).first()
                if row is not None:
                    facts.apply_read(conn, row, change.facts)
            if new == "indexed":
                _announce_rep_facts(conn, parsed)
        return result is not None

    def redispatch_stale(self, after_s: int, limit: int) -> int:
        """Send unfinished items through the pipeline again (the broker may have lost their events);
        items already sent ``limit`` extra times are marked failed. Returns how many were touched."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(evidence)
                .where(
                    evidence.c.status.not_in(EVIDENCE_FINISHED),
                    evidence.c.updated_at < func.now() - text(f"interval '{int(after_s)} seconds'"),
                )
                .order_by(evidence.c.updated_at)
                .limit(100)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                if row.dispatches > limit:
                    reason = f"Processing did not finish after {row.dispatches} attempts."
                    conn.execute(
                        update(evidence)
                        .where(evidence.c.id == row.id)
                        .values(status="failed", updated_at=func.now(), status_reason=reason)
                    )
                    _history(conn, row.id, "failed", reason, row.pages_done, row.pages_total)
                    log.error("evidence %s failed: not processed after %d dispatches", row.id, row.dispatches)
                    continue
                conn.execute(
                    update(evidence)
                    .where(evidence.c.id == row.id)
                    .values(dispatches=evidence.c.dispatches + 1, updated_at=func.now())
                )
                enqueue(conn, outbox, events.EVIDENCE_UPLOADED, str(row.id), uploaded_event(row), SERVICE)
                log.warning("evidence %s unfinished in state %s; dispatched again", row.id, row.status)
        return len(rows)
