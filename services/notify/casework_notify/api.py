"""The in-app inbox (``/v1/inbox``): a user's own notifications, newest first."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, func, select, update

from casework_common.problems import not_found
from casework_common.web import parse_query, principal
from casework_notify.tables import inbox_items


class InboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unread: bool = False
    limit: int = Field(default=50, ge=1, le=200)


def _json(row) -> dict:
    return {
        "id": str(row.id),
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "link": row.link,
        "case_id": str(row.case_id) if row.case_id else None,
        "created_at": row.created_at.isoformat(),
        "read": row.read_at is not None,
    }


def blueprint(engine: Engine) -> Blueprint:
    bp = Blueprint("inbox", __name__)

    @bp.get("/v1/inbox")
    def inbox() -> Response:
        query = parse_query(InboxQuery)
        statement = (
            select(inbox_items)
            .where(inbox_items.c.recipient == principal().username)
            .order_by(inbox_items.c.created_at.desc())
            .limit(query.limit)
        )
        if query.unread:
            statement = statement.where(inbox_items.c.read_at.is_(None))
        with engine.connect() as conn:
            rows = conn.execute(statement).all()
        return jsonify(items=[_json(r) for r in rows])

    @bp.post("/v1/inbox/<item_id>/read")
    def mark_read(item_id: str) -> Response:
        try:
            parsed = uuid.UUID(item_id)
        except ValueError:
            raise not_found("notification") from None
        with engine.begin() as conn:
            row = conn.execute(
                update(inbox_items)
                .where(inbox_items.c.id == parsed, inbox_items.c.recipient == principal().username)
                .values(read_at=func.coalesce(inbox_items.c.read_at, func.now()))
                .returning(inbox_items)
            ).first()
        if row is None:
            raise not_found("notification")
        return jsonify(_json(row))

    return bp
