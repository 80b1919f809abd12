"""Protocol rule 7 (docs/design.md, 'Referral protocol'): a branch with no casework coordinator is
flagged to its regional official."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update
from sqlalchemy.dialects.postgresql import insert

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_common.directory import Directory
from casework_common.problems import forbidden
from casework_workflow import audit
from casework_workflow.outbound import emit
from casework_workflow.tables import branch_flags

log = logging.getLogger(__name__)
REASON = "The branch has no casework coordinator. The regional official can advise on setting up the post."


def check_branch_has_coordinator(conn: Connection, directory: Directory | None, branch: str, region: str) -> None:
    """Raise a flag for the region's officials if ``branch`` has no coordinator (once, until
    resolved); resolve the open flag once it has one. A directory outage never blocks the work
    that triggered the check; the next check catches up."""
    if directory is None:
        return
    try:
        has_coordinator = bool(directory.with_role("coordinator", branch=branch))
    except Exception:
        log.warning("could not check branch %s for a coordinator", branch, exc_info=True)
        return
    if has_coordinator:
        conn.execute(
            update(branch_flags)
            .where(branch_flags.c.branch == branch, branch_flags.c.resolved_at.is_(None))
            .values(resolved_at=func.now())
        )
        return
    flag_id = uuid.uuid4()
    created = conn.execute(
        insert(branch_flags)
        .values(id=flag_id, branch=branch, region=region, reason=REASON)
        .on_conflict_do_nothing(index_elements=["branch"], index_where=branch_flags.c.resolved_at.is_(None))
        .returning(branch_flags.c.id)
    ).first()
    if created:
        emit(conn, branch, events_pb2.BranchFlagged(branch=branch, region=region, reason=REASON, flag_id=str(flag_id)))


def open_flags(conn: Connection, region: str) -> list[Row[Any]]:
    return list(
        conn.execute(select(branch_flags).where(branch_flags.c.region == region, branch_flags.c.resolved_at.is_(None)))
    )


class BranchFlags:
    """The open flags of a region, as its officials read them (each read audited)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def flags(self, caller: Principal) -> list[dict[str, Any]]:
        """The caller's region's open flags (officials only)."""
        if not caller.has("official") or not caller.region:
            raise forbidden("Branch flags are for regional officials.")
        with self.engine.begin() as conn:
            rows = open_flags(conn, caller.region)
            audit.record(conn, caller, "flag.list")
        return [
            {"id": str(r.id), "branch": r.branch, "reason": r.reason, "created_at": r.created_at.isoformat()}
            for r in rows
        ]
