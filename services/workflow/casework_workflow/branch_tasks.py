"""Branch tasks: work the service hands to a branch's reps and coordinator (today: get in touch
with a member who contacted the regional office directly, enquiries.py)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update

from casework_common.auth import Principal
from casework_common.problems import forbidden, not_found
from casework_workflow import audit, scope
from casework_workflow.cases import parse_id
from casework_workflow.tables import branch_tasks


def task_json(row: Row[Any]) -> dict[str, Any]:
    """A branch task as the API answers it."""
    return {
        "id": str(row.id),
        "branch": row.branch,
        "kind": row.kind,
        "description": row.description,
        "case_id": str(row.case_id) if row.case_id else None,
        "status": row.status,
        "done_by": row.done_by,
        "created_at": row.created_at.isoformat(),
    }


def open_task(
    conn: Connection,
    *,
    branch: str,
    region: str,
    kind: str,
    description: str,
    case_id: uuid.UUID | None = None,
    enquiry_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Give ``branch`` a task, in the caller's transaction (the caller audits and announces it)."""
    task_id = uuid.uuid4()
    conn.execute(
        branch_tasks.insert().values(
            id=task_id,
            branch=branch,
            region=region,
            kind=kind,
            case_id=case_id,
            enquiry_id=enquiry_id,
            description=description,
        )
    )
    return task_id


class BranchTasks:
    """A branch's tasks as its reps and coordinator see and finish them (each read and change audited)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def tasks(self, caller: Principal, status: str | None) -> list[dict[str, Any]]:
        """The caller's branch's tasks, oldest first, optionally of one status."""
        if not scope.is_branch_staff(caller) or not caller.branch:
            raise forbidden("Branch tasks are for the branch's reps and coordinator.")
        query = select(branch_tasks).where(branch_tasks.c.branch == caller.branch).order_by(branch_tasks.c.created_at)
        if status:
            query = query.where(branch_tasks.c.status == status)
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            audit.record(conn, caller, "task.list", detail={"tasks": [str(r.id) for r in rows]})
        return [task_json(r) for r in rows]

    def complete_task(self, caller: Principal, task_id: str) -> dict[str, Any]:
        """Mark an open task of the caller's branch done (404 for any other)."""
        parsed = parse_id(task_id)
        with self.engine.begin() as conn:
            row = (
                conn.execute(
                    update(branch_tasks)
                    .where(
                        branch_tasks.c.id == parsed,
                        branch_tasks.c.branch == (caller.branch if scope.is_branch_staff(caller) else None),
                        branch_tasks.c.status == "open",
                    )
                    .values(status="done", done_by=caller.username, done_at=func.now())
                    .returning(branch_tasks)
                ).first()
                if parsed
                else None
            )
            if row is None:
                raise not_found("open task")
            audit.record(conn, caller, "task.done", row.case_id, f"task:{row.id}")
        return task_json(row)
