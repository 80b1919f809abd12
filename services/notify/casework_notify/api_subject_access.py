"""Everything notify holds for one person, for workflow's subject-access exports
(``GET /v1/subject-access/notifications``): in-app inbox items, daily-digest items and e-mail delivery
records. Service accounts only: a person reads their own inbox through ``/v1/inbox``, and nobody reads
another person's notifications here.

Each item carries the case it is about (digest and e-mail records take it from the inbox item of the
same event), so workflow keeps only the ones about the member's own cases.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, and_, select

from casework_common.openapi import api
from casework_common.problems import forbidden
from casework_common.web import dependency, parse_query, principal
from casework_notify.tables import deliveries, digest_items, inbox_items


class NotificationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._@+-]+$", description="The person's login name."
    )


class NotificationRecord(BaseModel):
    id: str = Field(description="Stable across calls (e-mail records: derived from event, recipient and channel).")
    channel: Literal["in-app", "digest", "email"]
    kind: str | None
    title: str | None
    body: str | None
    link: str | None
    case_id: str | None
    created_at: str
    read_at: str | None = None
    sent_at: str | None = None
    status: str | None = Field(default=None, description="E-mail records: pending, sent or no-address.")


class NotificationRecords(BaseModel):
    """Every notification held for the person, oldest first."""

    items: list[NotificationRecord]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


bp = Blueprint("subject_access", __name__)


@bp.get("/v1/subject-access/notifications")
@api(
    "Every notification held for a person (service accounts: subject access)",
    {200: NotificationRecords},
    query=NotificationsQuery,
    errors=(403,),
)
def notifications() -> Response:
    """In-app items, digest items and e-mail delivery records addressed to ``username``, for the
    data-protection officer's export and the member's own download (workflow asks, as a service)."""
    query = parse_query(NotificationsQuery)
    if not principal().is_service:
        raise forbidden("Only casework services read another person's notifications.")
    with dependency(Engine).connect() as conn:
        return jsonify(items=held_for(conn, query.username))


def held_for(conn: Connection, username: str) -> list[dict[str, Any]]:
    """Every notification held for ``username`` (in-app, digest and e-mail records), oldest first."""
    twin = inbox_items.alias("twin")  # the inbox item of the same event: its kind, title and case
    same_event = lambda table: and_(twin.c.event_id == table.c.event_id, twin.c.recipient == username)  # noqa: E731
    items: list[dict[str, Any]] = []
    for row in conn.execute(select(inbox_items).where(inbox_items.c.recipient == username)):
        items.append(
            {
                "id": str(row.id),
                "channel": "in-app",
                "kind": row.kind,
                "title": row.title,
                "body": row.body,
                "link": row.link,
                "case_id": str(row.case_id) if row.case_id else None,
                "created_at": row.created_at.isoformat(),
                "read_at": _iso(row.read_at),
            }
        )
    digest = (
        select(digest_items, twin.c.case_id.label("twin_case"))
        .select_from(digest_items.outerjoin(twin, same_event(digest_items)))
        .where(digest_items.c.recipient == username)
    )
    for row in conn.execute(digest):
        items.append(
            {
                "id": str(row.id),
                "channel": "digest",
                "kind": row.kind,
                "title": row.title,
                "body": row.message,
                "link": row.link,
                "case_id": str(row.twin_case) if row.twin_case else None,
                "created_at": row.created_at.isoformat(),
                "sent_at": _iso(row.sent_at),
            }
        )
    mail = (
        select(deliveries, twin.c.case_id.label("twin_case"), twin.c.kind.label("twin_kind"), twin.c.title)
        .select_from(deliveries.outerjoin(twin, same_event(deliveries)))
        .where(deliveries.c.recipient == username)
    )
    for row in conn.execute(mail):
        key = f"{row.event_id}/{row.recipient}/{row.channel}"
        items.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
                "channel": "email",
                "kind": row.twin_kind,
                "title": row.title,
                "body": None,
                "link": None,
                "case_id": str(row.twin_case) if row.twin_case else None,
                "created_at": row.created_at.isoformat(),
                "sent_at": _iso(row.sent_at),
                "status": row.status,
            }
        )
    items.sort(key=lambda item: (item["created_at"], item["id"]))
    return items
