"""Finding a campaign or target list for the caller, with casework_organising.access deciding.

Callers who may not use organising at all get 403; an id outside their scope (or not an id) is 404,
the same as one that does not exist, so its existence is not revealed.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, select

from casework_common.auth import Principal
from casework_common.problems import forbidden, not_found
from casework_common.web import principal
from casework_organising import access
from casework_organising.tables import campaigns, target_lists


def parse_id(value: str) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def require_use(caller: Principal) -> None:
    """403 for members, caseworkers, the dpo, admin and anyone else outside organising."""
    if not access.may_use(caller):
        raise forbidden("Recruitment campaigns are for branch reps, coordinators and the region's officials.")


def organiser() -> Principal:
    """The caller, if they may use organising at all (else 403)."""
    caller = principal()
    require_use(caller)
    return caller


def campaign(conn: Connection, caller: Principal, campaign_id: str) -> Any:
    """The campaign row, if the caller's region runs it (404 otherwise)."""
    require_use(caller)
    wanted = parse_id(campaign_id)
    row = None if wanted is None else conn.execute(select(campaigns).where(campaigns.c.id == wanted)).first()
    if row is None or not access.sees_region(caller, row.region):
        raise not_found("campaign")
    return row


def branch_campaign(conn: Connection, caller: Principal, campaign_id: str) -> Any:
    """The campaign row, for its region's branch staff only: officials get 403 (lists never leave the branch)."""
    row = campaign(conn, caller, campaign_id)
    if not access.is_branch_staff(caller):
        raise forbidden("Target lists stay with the branch: only its reps and coordinator use them.")
    return row


def target_list(conn: Connection, caller: Principal, list_id: str) -> Any:
    """The target list (with its campaign's region), if the caller works that branch (404 for anyone
    else in organising, officials included: a list's existence is the branch's business)."""
    require_use(caller)
    wanted = parse_id(list_id)
    found = (
        None
        if wanted is None
        else conn.execute(
            select(target_lists, campaigns.c.region)
            .join(campaigns, campaigns.c.id == target_lists.c.campaign_id)
            .where(target_lists.c.id == wanted)
        ).first()
    )
    if found is None or not access.sees_people(caller, found.region, found.branch):
        raise not_found("target list")
    return found
