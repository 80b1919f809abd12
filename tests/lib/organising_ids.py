"""Organising records the scope rules let rachel (rep, north-london) and olive (official, london)
reach, for the tests that send every documented operation real ids (hostile input, fuzzing)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from harness import Platform


def reachable_ids(platform: Platform) -> dict[str, str]:
    """A campaign of rachel's region with her branch's plan, a session, a follow-up and an order."""

    def made(user: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = platform.call(user, method, "organising", path, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    week = {"name": "Hostile week", "starts_on": "2026-01-12", "ends_on": "2026-01-16"}
    campaign = made("olive", "POST", "/v1/campaigns", week)
    plan = made("rachel", "PUT", f"/v1/campaigns/{campaign['id']}/plans/north-london", {})
    session = made(
        "rachel",
        "POST",
        f"/v1/plans/{plan['id']}/sessions",
        {
            "place": "Canteen",
            "workplace": "Depot",
            "kind": "stall",
            "starts_at": "2026-01-15T09:00:00Z",
            "ends_at": "2026-01-15T11:00:00Z",
            "target_contacts": 10,
            "approach": "survey",
            "team": ["rachel"],
        },
    )
    contact = made(
        "rachel",
        "POST",
        f"/v1/sessions/{session['id']}/contacts",
        {
            "client_id": str(uuid.uuid4()),
            "is_member": False,
            "outcome": "call_again",
            "call_again_on": str(dt.date.today() + dt.timedelta(days=7)),
        },
    )
    order = made("rachel", "POST", f"/v1/campaigns/{campaign['id']}/material-orders", {"items": "Calling cards"})
    return {
        "campaign_id": campaign["id"],
        "branch": "north-london",
        "plan_id": plan["id"],
        "session_id": session["id"],
        "follow_up_id": contact["follow_up"]["id"],
        "order_id": order["id"],
    }
