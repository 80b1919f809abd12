"""The unfiled queue: parts of scanned batches no cover sheet could file, waiting for a person.

Who sees a part: the caseworkers of its region, the coordinators of its branch (the drop's, or
the emailing person's or device's), and the member of staff who emailed the batch, by username
(the batch's ``sender``; never by the caller's email claim, which a person can set to a copier's
address). A device's batch is seen by region and branch only. Nobody else learns it exists. One
rule (_visible_to, in SQL) for the list and for a single part.
A person who sees it may assign it to a case they may add evidence to (it is filed through the
same path as an upload, as theirs) or reject it (its PDF is deleted, the record kept).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from minio import Minio
from minio.error import S3Error
from sqlalchemy import Connection, Engine, Row, and_, false, or_, select, update

from casework.v1 import workflow_pb2
from casework_common.auth import Principal
from casework_common.vocabulary import HOLD_REASON_LABELS
from casework_intake import filing
from casework_intake.filenames import OriginalName
from casework_intake.filing import AlreadyDecided
from casework_intake.scanning.batches import part_file_name
from casework_intake.tables import scan_batches, scan_parts

log = logging.getLogger(__name__)
_COLUMNS = (scan_parts, scan_batches.c.source_name, scan_batches.c.sender, scan_batches.c.received_at)


def _visible_to(caller: Principal) -> Any:
    """The SQL condition: parts ``caller`` may see."""
    conditions = []
    if caller.has("caseworker") and caller.region:
        conditions.append(scan_parts.c.region == caller.region)
    if caller.has("coordinator") and caller.branch:
        conditions.append(scan_parts.c.branch == caller.branch)
    if caller.username:  # the batch's sender is a staff username (scanning/batches.py), or none
        conditions.append(scan_batches.c.sender == caller.username)
    return or_(*conditions) if conditions else false()


def _query() -> Any:
    return select(*_COLUMNS).join(scan_batches, scan_batches.c.id == scan_parts.c.batch_id)


def listing(engine: Engine, caller: Principal, state: str, limit: int) -> list[Row[Any]]:
    """Parts in ``state`` (a HOLD_STATES name) that ``caller`` may see, oldest first."""
    query = _query().where(scan_parts.c.state == state, _visible_to(caller))
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(scan_parts.c.created_at, scan_parts.c.id).limit(limit)))


def get(engine: Engine, part_id: str, caller: Principal) -> Row[Any] | None:
    """A part not yet filed by its sheet (those filed at once are not the queue's business), if
    ``caller`` may see it (the list's own condition)."""
    try:
        parsed = uuid.UUID(part_id)
    except ValueError:
        return None
    with engine.connect() as conn:
        return conn.execute(
            _query().where(scan_parts.c.id == parsed, scan_parts.c.state != "filed", _visible_to(caller))
        ).first()


def to_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "batch_id": str(row.batch_id),
        "source_name": row.source_name,
        "received_at": row.received_at.isoformat(),
        "first_page": row.first_page,
        "last_page": row.last_page,
        "pages": row.pages,
        "reason": row.reason,
        "reason_text": HOLD_REASON_LABELS.get(row.reason or "", ""),
        "state": row.state,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "case_id": str(row.case_id) if row.case_id else None,
        "evidence_id": str(row.evidence_id) if row.evidence_id else None,
        "links": {"self": f"/v1/unfiled/{row.id}", "content": f"/v1/unfiled/{row.id}/content"},
    }


def read_document(s3: Minio, part: Row[Any]) -> bytes:
    response = s3.get_object(part.bucket, part.object_key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def _decide(conn: Connection, part_id: uuid.UUID, by: str, **values: Any) -> None:
    decided = conn.execute(
        update(scan_parts)
        .where(and_(scan_parts.c.id == part_id, scan_parts.c.state == "waiting"))
        .values(decided_by=by, decided_at=dt.datetime.now(dt.UTC), bucket=None, object_key=None, **values)
        .returning(scan_parts.c.id)
    ).first()
    if decided is None:
        raise AlreadyDecided()


def assign(
    filer: filing.Filing,
    s3: Minio,
    part: Row[Any],
    caller: Principal,
    case: workflow_pb2.CaseSummary,
    visibility: str,
) -> Row[Any]:
    """File ``part`` to ``case`` as ``caller``'s (who may add evidence to it: checked by the caller
    of this function). The item and the part's new state commit together; the waiting PDF is
    deleted after. Raises AlreadyDecided when someone else decided first."""
    document = read_document(s3, part)
    name = part_file_name(part.source_name, part.first_page, part.last_page)
    arrival = filing.Arrival(OriginalName(name.encode(), "utf-8", name), "application/pdf", document)
    detail = {
        "batch_id": str(part.batch_id),
        "part_id": str(part.id),
        "first_page": part.first_page,
        "last_page": part.last_page,
        "pages": part.pages,
        "cover_sheet_id": str(part.cover_sheet_id) if part.cover_sheet_id else None,
        "accepted_by": caller.username,
    }

    def record(conn: Connection, rows: list[Row[Any]]) -> None:
        _decide(
            conn, part.id, caller.username, state="accepted", case_id=uuid.UUID(case.case_id), evidence_id=rows[0].id
        )

    rows = filer.file(caller, case, visibility, [arrival], "scanner", detail, also=record)
    _remove(s3, part)
    return rows[0]


def reject(engine: Engine, s3: Minio, part: Row[Any], caller: Principal) -> None:
    """The part is not evidence for any case: its PDF is deleted, the record (who, when) kept."""
    with engine.begin() as conn:
        _decide(conn, part.id, caller.username, state="rejected")
    _remove(s3, part)


def _remove(s3: Minio, part: Row[Any]) -> None:
    try:
        s3.remove_object(part.bucket, part.object_key)
    except S3Error as exc:  # left for an operator: the record says it was decided
        log.warning("unfiled part %s: its PDF %s was not removed (%s)", part.id, part.object_key, exc.code)
