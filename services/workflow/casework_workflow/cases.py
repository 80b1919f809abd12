"""Case records: creation, lookup and listing, always through the scope rules."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, and_, select, tuple_

from casework.v1 import events_pb2, workflow_pb2
from casework_common import events
from casework_common.auth import Principal
from casework_common.outbox import enqueue
from casework_common.problems import bad_request
from casework_workflow import scope
from casework_workflow.schemas import CaseListQuery, NewCase
from casework_workflow.tables import case_reference_seq, case_reps, cases, outbox

SERVICE = "workflow"


@dataclass(frozen=True)
class CaseView:
    row: Row[Any]
    reps: list[str]
    access: scope.Access

    def to_json(self) -> dict[str, Any]:
        r = self.row
        return {
            "id": str(r.id),
            "reference": r.reference,
            "status": r.status,
            "case_type": r.case_type,
            "branch": r.branch,
            "region": r.region,
            "member": {
                "name": r.member_name,
                "membership_number": r.membership_number,
                "email": r.member_email,
                "employer": r.employer,
                "workplace": r.workplace,
                "job_role": r.job_role,
            },
            "reps": self.reps,
            "summary": r.summary,
            "created_by": r.created_by,
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
            "your_access": self.access.name.lower(),
        }

    def summary_proto(self) -> workflow_pb2.CaseSummary:
        r = self.row
        return workflow_pb2.CaseSummary(
            case_id=str(r.id),
            reference=r.reference,
            branch=r.branch,
            region=r.region,
            membership_number=r.membership_number,
            reps=self.reps,
            status=r.status,
        )


def _encode_cursor(row: Row[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([row.created_at.isoformat(), str(row.id)]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        created, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return dt.datetime.fromisoformat(created), uuid.UUID(case_id)
    except (ValueError, TypeError) as exc:
        raise bad_request("The cursor is not one this API issued.") from exc


def _parse_id(case_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(case_id)
    except ValueError:
        return None


class CaseStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _reps(self, conn: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        reps: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
        if ids:
            for case_id, username in conn.execute(
                select(case_reps.c.case_id, case_reps.c.username)
                .where(case_reps.c.case_id.in_(ids))
                .order_by(case_reps.c.assigned_at)
            ):
                reps[case_id].append(username)
        return reps

    def create(self, p: Principal, data: NewCase) -> CaseView:
        case_id = uuid.uuid4()
        with self.engine.begin() as conn:
            number = conn.execute(case_reference_seq.next_value()).scalar_one()
            reference = f"CW-{dt.date.today().year}-{number:06d}"
            conn.execute(
                cases.insert().values(
                    id=case_id,
                    reference=reference,
                    status="open",
                    case_type=data.case_type.value,
                    branch=p.branch,
                    region=p.region,
                    member_name=data.member.name,
                    membership_number=data.member.membership_number.upper(),
                    member_email=str(data.member.email) if data.member.email else None,
                    employer=data.member.employer,
                    workplace=data.member.workplace,
                    job_role=data.member.job_role,
                    summary=data.summary,
                    created_by=p.username,
                )
            )
            reps = []
            if p.has("rep"):
                conn.execute(case_reps.insert().values(case_id=case_id, username=p.username, assigned_by=p.username))
                reps = [p.username]
            enqueue(
                conn,
                outbox,
                events.CASE_EVENTS,
                str(case_id),
                events_pb2.CaseChanged(
                    case_id=str(case_id),
                    kind="created",
                    reference=reference,
                    branch=p.branch,
                    region=p.region,
                    actor=p.username,
                    reps=reps,
                ),
                SERVICE,
            )
        found = self.get(p, str(case_id))
        assert found is not None  # the creator can always see what they created
        return found

    def get(self, p: Principal, case_id: str) -> CaseView | None:
        """The case if ``p`` can see it; None both when it does not exist and when it is out of scope."""
        parsed = _parse_id(case_id)
        if parsed is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(cases, scope.access_column(p).label("access")).where(cases.c.id == parsed, scope.visible(p))
            ).first()
            if row is None:
                return None
            return CaseView(row, self._reps(conn, [parsed])[parsed], scope.Access(row.access))

    def list(self, p: Principal, query: CaseListQuery) -> tuple[list[CaseView], str | None]:
        """Visible cases, newest first, keyset-paginated."""
        conditions = [scope.visible(p)]
        if query.status:
            conditions.append(cases.c.status == query.status)
        if query.case_type:
            conditions.append(cases.c.case_type == query.case_type.value)
        if query.cursor:
            created, last_id = _decode_cursor(query.cursor)
            conditions.append(tuple_(cases.c.created_at, cases.c.id) < tuple_(created, last_id))
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(cases, scope.access_column(p).label("access"))
                .where(and_(*conditions))
                .order_by(cases.c.created_at.desc(), cases.c.id.desc())
                .limit(query.limit + 1)
            ).all()
            page = rows[: query.limit]
            reps = self._reps(conn, [r.id for r in page])
        views = [CaseView(r, reps[r.id], scope.Access(r.access)) for r in page]
        return views, (_encode_cursor(page[-1]) if len(rows) > query.limit else None)

    def scope_of(self, p: Principal) -> workflow_pb2.Scope:
        with self.engine.connect() as conn:
            rows = conn.execute(scope.visible_cases_query(p)).all()
        return workflow_pb2.Scope(
            case_ids=[str(r.id) for r in rows if r.access == scope.Access.FULL],
            member_case_ids=[str(r.id) for r in rows if r.access == scope.Access.MEMBER],
        )
