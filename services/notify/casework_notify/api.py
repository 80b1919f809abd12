"""Notify's REST API: the in-app inbox, delivery preferences, and running the digest now."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert

from casework_common.auth import Principal
from casework_common.openapi import Reply, api
from casework_common.problems import forbidden, invalid, not_found
from casework_common.web import dependency, json_body, parse_query, principal
from casework_notify.delivery import Deliverer
from casework_notify.rules import KINDS, kinds_for
from casework_notify.tables import inbox_items, preferences


class InboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unread: bool = False
    limit: int = Field(default=50, ge=1, le=200)


class InboxItem(BaseModel):
    """One in-app notification."""

    id: str
    kind: str
    title: str
    body: str
    link: str | None
    case_id: str | None
    created_at: str
    read: bool


class Inbox(BaseModel):
    """The caller's notifications, newest first."""

    items: list[InboxItem]


class KindPreference(BaseModel):
    description: str
    email: Literal["immediate", "digest"]


class Preferences(BaseModel):
    """The caller's email preference for each kind of news they can receive."""

    kinds: dict[str, KindPreference]


# The body set_preferences checks by hand: {"<kind>": "immediate" | "digest", ...}.
PREFERENCE_CHANGES = {
    "type": "object",
    "propertyNames": {"enum": sorted(KINDS)},
    "additionalProperties": {"enum": ["immediate", "digest"]},
}


def _json(row: Any) -> dict[str, Any]:
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


bp = Blueprint("inbox", __name__)


@bp.get("/v1/inbox")
@api("The caller's in-app notifications", {200: Inbox}, query=InboxQuery)
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
    with dependency(Engine).connect() as conn:
        rows = conn.execute(statement).all()
    return jsonify(items=[_json(r) for r in rows])


@bp.post("/v1/inbox/<item_id>/read")
@api("Mark a notification read", {200: InboxItem}, errors=(404,))
def mark_read(item_id: str) -> Response:
    try:
        parsed = uuid.UUID(item_id)
    except ValueError:
        raise not_found("notification") from None
    with dependency(Engine).begin() as conn:
        row = conn.execute(
            update(inbox_items)
            .where(inbox_items.c.id == parsed, inbox_items.c.recipient == principal().username)
            .values(read_at=func.coalesce(inbox_items.c.read_at, func.now()))
            .returning(inbox_items)
        ).first()
    if row is None:
        raise not_found("notification")
    return jsonify(_json(row))


def current(engine: Engine, caller: Principal) -> dict[str, Any]:
    """The caller's email preference for each kind of news they can receive."""
    with engine.connect() as conn:
        chosen = dict(
            conn.execute(
                select(preferences.c.kind, preferences.c.mode).where(preferences.c.username == caller.username)
            ).all()
        )
    return {
        kind: {"description": about, "email": chosen.get(kind, "immediate")}
        for kind, about in kinds_for(caller).items()
    }


def save_preferences(engine: Engine, caller: Principal, modes: dict[str, str]) -> None:
    """Store the caller's mode for each kind in ``modes`` (checked), in one transaction."""
    with engine.begin() as conn:
        for kind, mode in modes.items():
            conn.execute(
                insert(preferences)
                .values(username=caller.username, kind=kind, mode=mode)
                .on_conflict_do_update(index_elements=["username", "kind"], set_={"mode": mode})
            )


def preference_errors(body: dict[str, Any]) -> list[dict[str, str]]:
    """What is wrong with a preferences body: unknown kinds and modes other than immediate or digest."""
    errors = [{"field": k, "message": "Unknown notification kind."} for k in body if k not in KINDS]
    errors += [
        {"field": k, "message": "Must be 'immediate' or 'digest'."}
        for k, v in body.items()
        if k in KINDS and v not in ("immediate", "digest")
    ]
    return errors


@bp.get("/v1/preferences")
@api("The caller's email preferences", {200: Preferences})
def get_preferences() -> Response:
    return jsonify(kinds=current(dependency(Engine), principal()))


@bp.put("/v1/preferences")
@api("Change email preferences for some kinds", {200: Preferences}, body_schema=PREFERENCE_CHANGES)
def set_preferences() -> Response:
    """Body: {"<kind>": "immediate" | "digest", ...} for the kinds to change."""
    body = json_body()
    if not isinstance(body, dict):
        raise invalid([{"field": "", "message": "Send an object of kind: mode."}])
    if errors := preference_errors(body):
        raise invalid(errors)
    caller, engine = principal(), dependency(Engine)
    save_preferences(engine, caller, body)
    return jsonify(kinds=current(engine, caller))


@bp.post("/v1/digests/run")
@api("Send every pending digest now (operations)", {200: Reply("How many digests were sent.")}, errors=(403,))
def run_digests() -> Response:
    """Operations: send every pending digest now (normally sent daily)."""
    if not principal().has("admin"):
        raise forbidden("Only operations staff run the digest by hand.")
    return jsonify(sent=dependency(Deliverer).send_digests())
