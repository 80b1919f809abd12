"""Bundle records: created with their ``bundle.jobs`` event, moved along by the workers.

Status: ``queued`` (asked for) -> ``building`` (a worker has it; pages_done of pages_total) ->
``ready`` (stored, downloadable) or ``failed`` (with a reason). A rebuild is a new row, version n+1
of the same case and title; older versions stay as they were.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, exists, func, select, text, update

from casework.v1 import events_pb2
from casework_bundle.tables import bundles, erased_cases, outbox
from casework_common import events
from casework_common.auth import Principal
from casework_common.outbox import enqueue

SERVICE = "bundle"
FINISHED = ("ready", "failed")
# Why a bundle of an erased case ends without being built or kept (erasure.py removes it after).
ERASED_REASON = "The case's bundles were erased."


class CaseErased(Exception):
    """The case's bundles were erased (erasure.py): no new bundle is made of it."""


def case_lock(conn: Connection, case_id: uuid.UUID, exclusive: bool) -> None:
    """Serialise asking for a bundle of a case (shared) with erasing the case's bundles (exclusive):
    a request either commits before the erasure looks at the case's bundles, or sees it erased."""
    lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    conn.execute(text(f"SELECT {lock}(hashtext(:key))"), {"key": f"bundle-case:{case_id}"})


def erased(case_id: Any) -> Any:
    """SQL: the case's bundles were erased."""
    return exists().where(erased_cases.c.case_id == case_id)


def parse_id(value: str) -> uuid.UUID | None:
    """The UUID in ``value``, or None if it is not one (such ids name nothing: 404)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class NewBundle:
    """What the API has validated: the case, the title, the options and the items to build from."""

    case_id: str
    branch: str
    region: str
    title: str
    options: dict[str, Any]
    items: list[dict[str, Any]]
    member_visible: bool


@dataclass(frozen=True)
class Built:
    """A finished build: its stored volumes, index and totals."""

    volumes: list[dict[str, Any]]
    index_rows: list[dict[str, Any]]
    pages_total: int
    sha256: str
    size_bytes: int


class Bundles:
    """The bundles as the service handles them: recorded with their build job (published through the
    outbox), read, and moved along by the workers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- the API ---------------------------------------------------------------

    def create(self, caller: Principal, new: NewBundle) -> Row[Any]:
        """Record version n+1 of the case's bundle of this title and its job, in one transaction."""
        bundle_id = uuid.uuid4()
        with self.engine.begin() as conn:
            case_lock(conn, uuid.UUID(new.case_id), exclusive=False)
            if conn.execute(select(erased(uuid.UUID(new.case_id)))).scalar():
                raise CaseErased(new.case_id)
            # Two requests for the same title at once must not both become version n+1.
            conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"bundle:{new.case_id}:{new.title}"}
            )
            latest = conn.execute(
                select(func.max(bundles.c.version)).where(
                    bundles.c.case_id == uuid.UUID(new.case_id), bundles.c.title == new.title
                )
            ).scalar_one()
            version = (latest or 0) + 1
            row = conn.execute(
                bundles.insert()
                .values(
                    id=bundle_id,
                    case_id=uuid.UUID(new.case_id),
                    branch=new.branch,
                    region=new.region,
                    title=new.title,
                    version=version,
                    status="queued",
                    member_visible=new.member_visible,
                    requested_by=caller.username,
                    requested_by_sub=caller.subject,
                    requested_by_role=caller.primary_role,
                    options=new.options,
                    items=new.items,
                    pages_total=sum(int(item.get("pages_total") or 0) for item in new.items),
                )
                .returning(*bundles.c)
            ).one()
            job = events_pb2.BundleRequested(
                bundle_id=str(bundle_id), case_id=new.case_id, version=version, requested_by=caller.username
            )
            enqueue(conn, outbox, events.BUNDLE_JOBS, new.case_id, job, SERVICE)
        return row

    def get(self, bundle_id: str) -> Row[Any] | None:
        parsed = parse_id(bundle_id)
        if parsed is None:
            return None
        with self.engine.connect() as conn:
            return conn.execute(select(bundles).where(bundles.c.id == parsed)).first()

    def list_for_case(self, case_id: str, member_visible_only: bool) -> list[Row[Any]]:
        """The case's bundles, newest first."""
        parsed = parse_id(case_id)
        if parsed is None:
            return []
        query = select(bundles).where(bundles.c.case_id == parsed)
        if member_visible_only:
            query = query.where(bundles.c.member_visible.is_(True))
        with self.engine.connect() as conn:
            return list(conn.execute(query.order_by(bundles.c.created_at.desc(), bundles.c.version.desc())))

    def latest_versions(self, case_id: str) -> dict[str, int]:
        """The newest version of each of the case's bundle titles."""
        parsed = parse_id(case_id)
        if parsed is None:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(bundles.c.title, func.max(bundles.c.version))
                .where(bundles.c.case_id == parsed)
                .group_by(bundles.c.title)
            )
            return {title: version for title, version in rows}

    def set_member_visible(self, bundle_id: uuid.UUID, visible: bool) -> Row[Any]:
        with self.engine.begin() as conn:
            return conn.execute(
                update(bundles)
                .where(bundles.c.id == bundle_id)
                .values(member_visible=visible, updated_at=func.now())
                .returning(*bundles.c)
            ).one()

    # -- the workers -----------------------------------------------------------

    def start(self, bundle_id: str) -> Row[Any] | None:
        """Claim a bundle for building: None if it is finished (a redelivered job) or unknown.
        A bundle still 'building' was left by a worker that died: it is built again from the start.
        A bundle of an erased case is not built: it ends 'failed' (so the erasure, which waits for
        the case's builds, goes ahead) and None is returned."""
        parsed = parse_id(bundle_id)
        if parsed is None:
            return None
        with self.engine.begin() as conn:
            # The row lock orders this with the erasure, which locks the case's rows after marking it.
            row = conn.execute(select(bundles).where(bundles.c.id == parsed).with_for_update()).first()
            if row is None or row.status in FINISHED:
                return None
            if conn.execute(select(erased(row.case_id))).scalar():
                conn.execute(
                    update(bundles)
                    .where(bundles.c.id == parsed)
                    .values(status="failed", reason=ERASED_REASON, finished_at=func.now(), updated_at=func.now())
                )
                return None
            return conn.execute(
                update(bundles)
                .where(bundles.c.id == parsed)
                .values(
                    status="building",
                    pages_done=0,
                    attempts=bundles.c.attempts + 1,
                    started_at=func.now(),
                    updated_at=func.now(),
                )
                .returning(*bundles.c)
            ).one()

    def progress(self, bundle_id: uuid.UUID, pages_done: int, pages_total: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(bundles)
                .where(bundles.c.id == bundle_id, bundles.c.status == "building")
                .values(pages_done=pages_done, pages_total=pages_total, updated_at=func.now())
            )

    def finish(self, bundle_id: uuid.UUID, built: Built) -> bool:
        """Mark the bundle ready; False if another worker finished it first (its volumes stand) or
        its case was erased meanwhile: then it ends 'failed', and the erasure, which waited for the
        build to end, removes the volumes just stored (the worker's identity cannot: they are locked)."""
        with self.engine.begin() as conn:
            row = conn.execute(select(bundles).where(bundles.c.id == bundle_id).with_for_update()).first()
            if row is not None and conn.execute(select(erased(row.case_id))).scalar():
                conn.execute(
                    update(bundles)
                    .where(bundles.c.id == bundle_id, bundles.c.status.not_in(FINISHED))
                    .values(status="failed", reason=ERASED_REASON, finished_at=func.now(), updated_at=func.now())
                )
                return False
            done = conn.execute(
                update(bundles)
                .where(bundles.c.id == bundle_id, bundles.c.status == "building")
                .values(
                    status="ready",
                    reason=None,
                    pages_done=built.pages_total,
                    pages_total=built.pages_total,
                    index_rows=built.index_rows,
                    volumes=built.volumes,
                    sha256=built.sha256,
                    size_bytes=built.size_bytes,
                    finished_at=func.now(),
                    updated_at=func.now(),
                )
            )
            return done.rowcount == 1

    def fail(self, bundle_id: uuid.UUID, reason: str) -> bool:
        """Mark the bundle failed with ``reason``; False if it had already finished."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(bundles)
                .where(bundles.c.id == bundle_id, bundles.c.status.not_in(FINISHED))
                .values(status="failed", reason=reason[:2000], finished_at=func.now(), updated_at=func.now())
            )
            return done.rowcount == 1
