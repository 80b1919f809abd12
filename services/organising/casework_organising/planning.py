"""Campaigns, branch plans, sessions, the region's highlights and material orders: who may see and
change which (casework_organising.access decides), and how they are read and stored.

An official runs campaigns of their own region (opens and changes them, reads every branch plan,
highlights plans, fulfils orders); a branch's reps and coordinator plan their own branch's part and
order materials. A record outside the caller's scope is a 404, the same as one that does not
exist; a record in scope the caller may only read is a 403 when they try to change it. The API
(api/campaigns.py) has already refused, with 403, anyone who may not use organising at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Connection, Engine, Row, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from casework.v1 import organising_pb2
from casework_common import outbox as event_outbox
from casework_common.auth import Principal
from casework_common.directory import Directory, Person
from casework_common.events import ORGANISING_EVENTS
from casework_common.problems import Problem, forbidden, invalid, not_found, unavailable
from casework_common.typed_dates import LONDON, long_date
from casework_common.vocabulary import BRANCH_STAFF_ROLES
from casework_organising import access
from casework_organising.api.campaign_models import (
    MAX_CAMPAIGN_DAYS,
    MAX_SESSION_HOURS,
    CampaignChange,
    HighlightIn,
    NewCampaign,
    NewMaterialOrder,
    NewSession,
    PlanIn,
    SessionChange,
)
from casework_organising.api.lookup import parse_id
from casework_organising.settings import OrganisingSettings
from casework_organising.tables import campaigns, contacts, help_requests, material_orders, outbox, plans, sessions
from casework_organising.text import iso

log = logging.getLogger(__name__)


def parse_uuid(value: str, what: str) -> uuid.UUID:
    """An id from the path; anything that is not one names nothing (404)."""
    parsed = parse_id(value)
    if parsed is None:
        raise not_found(what)
    return parsed


def field_error(name: str, message: str) -> Problem:
    """A 422 naming one field."""
    return invalid([{"field": name, "message": message}])


def conflict(kind: str, detail: str) -> Problem:
    """A 409: the request does not fit the record's current state (``kind`` says how)."""
    return Problem(409, kind, "Conflict", detail)


# -- JSON ------------------------------------------------------------------------------------------


def _london(value: dt.datetime) -> str:
    return value.astimezone(LONDON).isoformat()


def campaign_json(row: Row | Mapping[str, Any]) -> dict[str, Any]:
    """A campaign as the API shows it (CampaignOut)."""
    r = row._mapping if isinstance(row, Row) else row
    return {
        "id": str(r["id"]),
        "region": r["region"],
        "name": r["name"],
        "starts_on": r["starts_on"].isoformat(),
        "ends_on": r["ends_on"].isoformat(),
        "notes": r["notes"],
        "retention_days": r["retention_days"],
        "details_removed_at": iso(r["details_removed_at"]),
        "created_by": r["created_by"],
        "created_at": iso(r["created_at"]),
        "updated_at": iso(r["updated_at"]),
    }


def session_json(row: Row, contacts_count: int) -> dict[str, Any]:
    """A session as the API shows it (SessionOut): times in London time."""
    r = row._mapping
    return {
        "id": str(r["id"]),
        "plan_id": str(r["plan_id"]),
        "campaign_id": str(r["campaign_id"]),
        "branch": r["branch"],
        "place": r["place"],
        "workplace": r["workplace"],
        "department": r["department"],
        "kind": r["kind"],
        "starts_at": _london(r["starts_at"]),
        "ends_at": _london(r["ends_at"]),
        "target_contacts": r["target_contacts"],
        "approach": r["approach"],
        "opening": r["opening"],
        "backup_plan": r["backup_plan"],
        "team": list(r["team"]),
        "helpers": list(r["helpers"]),
        "contacts": contacts_count,
        "created_by": r["created_by"],
        "created_at": iso(r["created_at"]),
        "updated_at": iso(r["updated_at"]),
    }


def order_json(row: Row) -> dict[str, Any]:
    """A material order as the API shows it (MaterialOrderOut)."""
    r = row._mapping
    return {
        "id": str(r["id"]),
        "campaign_id": str(r["campaign_id"]),
        "branch": r["branch"],
        "items": r["items"],
        "needed_by": iso(r["needed_by"]),
        "deliver_to": r["deliver_to"],
        "ordered_by": r["ordered_by"],
        "ordered_at": iso(r["ordered_at"]),
        "state": r["state"],
        "fulfilled_by": r["fulfilled_by"],
        "fulfilled_at": iso(r["fulfilled_at"]),
    }


# -- queries ---------------------------------------------------------------------------------------

# A plan, session or order with the scope of its campaign (the region lives on the campaign).
_PLAN = select(
    plans, campaigns.c.region, campaigns.c.name.label("campaign_name"), campaigns.c.starts_on, campaigns.c.ends_on
).join(campaigns, campaigns.c.id == plans.c.campaign_id)
_SESSION = select(sessions, campaigns.c.region, campaigns.c.starts_on, campaigns.c.ends_on).join(
    campaigns, campaigns.c.id == sessions.c.campaign_id
)
_ORDER = select(material_orders, campaigns.c.region).join(campaigns, campaigns.c.id == material_orders.c.campaign_id)


def contact_counts(conn: Connection, session_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Conversations logged per session (sessions with none are left out)."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = conn.execute(
        select(contacts.c.session_id, func.count())
        .where(contacts.c.session_id.in_(ids))
        .group_by(contacts.c.session_id)
    )
    return {session_id: count for session_id, count in rows}


def plan_sessions(conn: Connection, plan_id: uuid.UUID) -> list[dict[str, Any]]:
    """A plan's sessions, earliest first."""
    rows = conn.execute(
        select(sessions).where(sessions.c.plan_id == plan_id).order_by(sessions.c.starts_at, sessions.c.id)
    ).all()
    counts = contact_counts(conn, (r.id for r in rows))
    return [session_json(r, counts.get(r.id, 0)) for r in rows]


def plan_json(conn: Connection, row: Row) -> dict[str, Any]:
    """A plan (a row of _PLAN) with its sessions, as the API shows it (PlanOut)."""
    r = row._mapping
    listed = plan_sessions(conn, r["id"])
    return {
        "id": str(r["id"]),
        "campaign_id": str(r["campaign_id"]),
        "campaign_name": r["campaign_name"],
        "region": r["region"],
        "branch": r["branch"],
        "link_official": r["link_official"],
        "backup_plan": r["backup_plan"],
        "notes": r["notes"],
        "highlighted": r["highlighted"],
        "highlight_note": r["highlight_note"],
        "highlighted_by": r["highlighted_by"],
        "created_by": r["created_by"],
        "created_at": iso(r["created_at"]),
        "updated_at": iso(r["updated_at"]),
        "sessions": listed,
        "target_total": sum(s["target_contacts"] for s in listed),
    }


class Campaigns:
    """The campaigns API's work: each method checks the caller's scope, then reads or writes."""

    def __init__(self, engine: Engine, directory: Directory, settings: OrganisingSettings) -> None:
        self.engine = engine
        self.directory = directory
        self.settings = settings

    # -- people (Keycloak) ---------------------------------------------------------------------

    def _people(self, roles: Iterable[str], region: str, branch: str | None = None) -> list[Person]:
        try:
            return [
                person
                for role in roles
                for person in self.directory.with_role(role, region=region, branch=branch)
                if person.enabled
            ]
        except Exception as exc:  # Keycloak down or refusing: the caller can retry
            log.warning("directory lookup failed: %s", exc)
            raise unavailable("The directory of people cannot be reached; try again shortly.") from exc

    def officials(self, region: str) -> list[str]:
        """Usernames of the region's officials (the regional office)."""
        return sorted({p.username for p in self._people(["official"], region)})

    def branch_staff(self, region: str, branch: str) -> set[str]:
        """Usernames of the branch's reps and coordinators."""
        return {p.username for p in self._people(BRANCH_STAFF_ROLES, region, branch)}

    def region_branches(self, region: str) -> set[str]:
        """The region's branches: those its reps and coordinators belong to."""
        return {p.branch for p in self._people(BRANCH_STAFF_ROLES, region) if p.branch}

    # -- loading in scope ----------------------------------------------------------------------

    def _campaign(self, conn: Connection, caller: Principal, campaign_id: str, *, lock: bool = False) -> Row:
        query = select(campaigns).where(campaigns.c.id == parse_uuid(campaign_id, "campaign"))
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None or not access.sees_region(caller, row.region):
            raise not_found("campaign")
        return row

    def _plan(self, conn: Connection, caller: Principal, plan_id: str | uuid.UUID) -> Row:
        parsed = plan_id if isinstance(plan_id, uuid.UUID) else parse_uuid(plan_id, "plan")
        row = conn.execute(_PLAN.where(plans.c.id == parsed)).first()
        if row is None or not access.reads_branch(caller, row.region, row.branch):
            raise not_found("plan")
        return row

    def _session(self, conn: Connection, caller: Principal, session_id: str, *, lock: bool = False) -> Row:
        query = _SESSION.where(sessions.c.id == parse_uuid(session_id, "session"))
        row = conn.execute(query.with_for_update(of=sessions) if lock else query).first()
        if row is None or not access.reads_branch(caller, row.region, row.branch):
            raise not_found("session")
        return row

    def _order(self, conn: Connection, caller: Principal, order_id: str) -> Row:
        row = conn.execute(_ORDER.where(material_orders.c.id == parse_uuid(order_id, "material order"))).first()
        if row is None or not access.reads_branch(caller, row.region, row.branch):
            raise not_found("material order")
        return row

    # -- campaigns -----------------------------------------------------------------------------

    def list_campaigns(self, caller: Principal) -> list[dict[str, Any]]:
        """The campaigns of the caller's region, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(campaigns)
                .where(campaigns.c.region == caller.region)
                .order_by(campaigns.c.created_at.desc(), campaigns.c.id)
            )
            return [campaign_json(r) for r in rows]

    def default_retention_days(self) -> int:
        """The retention a campaign gets when none is given (never more than the maximum)."""
        return min(self.settings.organising_default_retention_days, self.settings.organising_max_retention_days)

    def _check_campaign(self, starts_on: dt.date, ends_on: dt.date, retention_days: int | None) -> None:
        if ends_on < starts_on:
            raise field_error("ends_on", "The campaign cannot end before it starts.")
        if (ends_on - starts_on).days > MAX_CAMPAIGN_DAYS:
            raise field_error("ends_on", f"A campaign lasts at most {MAX_CAMPAIGN_DAYS} days.")
        limit = self.settings.organising_max_retention_days
        if retention_days is not None and retention_days > limit:
            raise field_error("retention_days", f"At most {limit} days.")

    def open_campaign(self, caller: Principal, body: NewCampaign) -> dict[str, Any]:
        """A new campaign of the official's region."""
        if not access.is_official(caller):
            raise forbidden("Only the region's officials open campaigns.")
        self._check_campaign(body.starts_on, body.ends_on, body.retention_days)
        retention = body.retention_days if body.retention_days is not None else self.default_retention_days()
        with self.engine.begin() as conn:
            row = conn.execute(
                campaigns.insert()
                .values(
                    id=uuid.uuid4(),
                    region=caller.region,
                    name=body.name,
                    starts_on=body.starts_on,
                    ends_on=body.ends_on,
                    notes=body.notes,
                    retention_days=retention,
                    created_by=caller.username,
                )
                .returning(*campaigns.c)
            ).one()
        log.info("campaign %s opened in %s by %s", row.id, row.region, caller.username)
        return campaign_json(row)

    def campaign(self, caller: Principal, campaign_id: str) -> dict[str, Any]:
        """A campaign with what the caller's role needs (see CampaignDetail)."""
        with self.engine.connect() as conn:
            row = self._campaign(conn, caller, campaign_id)
            body = campaign_json(row)
            if access.runs_region(caller, row.region):
                summaries = conn.execute(
                    select(
                        plans.c.id,
                        plans.c.branch,
                        plans.c.highlighted,
                        plans.c.highlight_note,
                        func.count(sessions.c.id).label("sessions"),
                        func.coalesce(func.sum(sessions.c.target_contacts), 0).label("target_total"),
                    )
                    .select_from(plans.outerjoin(sessions, sessions.c.plan_id == plans.c.id))
                    .where(plans.c.campaign_id == row.id)
                    .group_by(plans.c.id)
                    .order_by(plans.c.branch)
                ).all()
                body["plans"] = [
                    {
                        "id": str(p.id),
                        "branch": p.branch,
                        "highlighted": p.highlighted,
                        "highlight_note": p.highlight_note,
                        "sessions": p.sessions,
                        "target_total": int(p.target_total),
                    }
                    for p in summaries
                ]
                planned = {p.branch for p in summaries}
                body["branches_without_plan"] = sorted(self.region_branches(row.region) - planned)
            else:
                mine = conn.execute(
                    select(plans.c.id).where(plans.c.campaign_id == row.id, plans.c.branch == caller.branch)
                ).scalar()
                body["my_plan"] = str(mine) if mine else None
                # What the plan and session forms offer: a link official, and the team.
                body["officials"] = self.officials(row.region)
                body["team_choices"] = sorted(self.branch_staff(row.region, caller.branch or ""))
            return body

    def change_campaign(self, caller: Principal, campaign_id: str, change: CampaignChange) -> dict[str, Any]:
        """Change the fields given; new dates may not leave a planned session outside (409)."""
        with self.engine.begin() as conn:
            row = self._campaign(conn, caller, campaign_id, lock=True)
            if not access.runs_region(caller, row.region):
                raise forbidden("Only the region's officials change a campaign.")
            given = change.model_dump(exclude_unset=True)
            for name in ("name", "starts_on", "ends_on", "notes"):
                if name in given and given[name] is None:
                    raise field_error(name, "Cannot be null; leave it out to keep it.")
            starts_on = given.get("starts_on") or row.starts_on
            ends_on = given.get("ends_on") or row.ends_on
            self._check_campaign(starts_on, ends_on, given.get("retention_days"))
            if given.get("retention_days", 0) is None:
                given["retention_days"] = self.default_retention_days()
            if "starts_on" in given or "ends_on" in given:
                outside = conn.execute(
                    select(func.count())
                    .select_from(sessions)
                    .where(
                        sessions.c.campaign_id == row.id,
                        ~func.date(func.timezone("Europe/London", sessions.c.starts_at)).between(starts_on, ends_on),
                    )
                ).scalar_one()
                if outside:
                    raise conflict(
                        "sessions-outside-dates",
                        f"{outside} planned session(s) would fall outside {long_date(starts_on)} to "
                        f"{long_date(ends_on)}; move them first.",
                    )
            if given:
                row = conn.execute(
                    campaigns.update()
                    .where(campaigns.c.id == row.id)
                    .values(**given, updated_at=func.now())
                    .returning(*campaigns.c)
                ).one()
            return campaign_json(row)

    # -- plans ---------------------------------------------------------------------------------

    def put_plan(self, caller: Principal, campaign_id: str, branch: str, body: PlanIn) -> tuple[dict[str, Any], bool]:
        """Create or replace the branch's plan; True when it was created."""
        with self.engine.connect() as conn:
            campaign = self._campaign(conn, caller, campaign_id)
        if not access.works_branch(caller, campaign.region, branch):
            raise forbidden("Only the branch's own reps and coordinator plan for it.")
        if body.link_official is not None and body.link_official not in self.officials(campaign.region):
            raise field_error("link_official", f"{body.link_official} is not an official of the region.")
        values = {"link_official": body.link_official, "backup_plan": body.backup_plan, "notes": body.notes}
        with self.engine.begin() as conn:
            stored = conn.execute(
                insert(plans)
                .values(id=uuid.uuid4(), campaign_id=campaign.id, branch=branch, created_by=caller.username, **values)
                .on_conflict_do_update(constraint="plans_campaign_branch", set_={**values, "updated_at": func.now()})
                # xmax is 0 on a row this statement inserted (Postgres): tells created from updated.
                .returning(plans.c.id, literal_column("xmax = 0").label("created"))
            ).one()
            return plan_json(conn, self._plan(conn, caller, stored.id)), bool(stored.created)

    def plan(self, caller: Principal, plan_id: str) -> dict[str, Any]:
        """A plan with its sessions, for the branch's staff and the region's officials."""
        with self.engine.connect() as conn:
            return plan_json(conn, self._plan(conn, caller, plan_id))

    def highlight(self, caller: Principal, plan_id: str, body: HighlightIn | None) -> dict[str, Any]:
        """Mark (body given) or unmark (None) a plan for the region's highlights page."""
        with self.engine.begin() as conn:
            row = self._plan(conn, caller, plan_id)
            if not access.runs_region(caller, row.region):
                raise forbidden("Only the region's officials highlight plans.")
            marked = body is not None
            conn.execute(
                plans.update()
                .where(plans.c.id == row.id)
                .values(
                    highlighted=marked,
                    highlight_note=body.note if body is not None else "",
                    highlighted_by=caller.username if marked else None,
                )
            )
            return plan_json(conn, self._plan(conn, caller, row.id))

    def highlights(self, caller: Principal, campaign_id: str) -> dict[str, Any]:
        """The highlighted plans of a campaign with their sessions (no people, no counts)."""
        with self.engine.connect() as conn:
            campaign = self._campaign(conn, caller, campaign_id)
            chosen = conn.execute(
                select(plans).where(plans.c.campaign_id == campaign.id, plans.c.highlighted).order_by(plans.c.branch)
            ).all()
            items = []
            for plan in chosen:
                listed = conn.execute(
                    select(sessions).where(sessions.c.plan_id == plan.id).order_by(sessions.c.starts_at, sessions.c.id)
                ).all()
                items.append(
                    {
                        "plan_id": str(plan.id),
                        "branch": plan.branch,
                        "note": plan.highlight_note,
                        "sessions": [
                            {
                                "id": str(s.id),
                                "place": s.place,
                                "workplace": s.workplace,
                                "kind": s.kind,
                                "starts_at": _london(s.starts_at),
                                "ends_at": _london(s.ends_at),
                                "target_contacts": s.target_contacts,
                            }
                            for s in listed
                        ],
                    }
                )
            return {"campaign_id": str(campaign.id), "campaign_name": campaign.name, "items": items}

    # -- sessions ------------------------------------------------------------------------------

    def _check_session(
        self,
        values: Mapping[str, Any],
        starts_on: dt.date,
        ends_on: dt.date,
        region: str,
        branch: str,
        team_changed: bool,
    ) -> None:
        errors = []
        starts_at, ends_at = values["starts_at"], values["ends_at"]
        day = starts_at.astimezone(LONDON).date()
        if not starts_on <= day <= ends_on:
            errors.append(
                {
                    "field": "starts_at",
                    "message": f"The session must fall within the campaign, {long_date(starts_on)} to "
                    f"{long_date(ends_on)}.",
                }
            )
        if ends_at <= starts_at:
            errors.append({"field": "ends_at", "message": "The session must end after it starts."})
        elif ends_at - starts_at > dt.timedelta(hours=MAX_SESSION_HOURS):
            errors.append({"field": "ends_at", "message": f"A session lasts at most {MAX_SESSION_HOURS} hours."})
        if team_changed:
            staff = self.branch_staff(region, branch)
            seen: set[str] = set()
            for i, username in enumerate(values["team"]):
                if username in seen:
                    errors.append({"field": f"team.{i}", "message": f"{username} is listed twice."})
                elif username not in staff:
                    errors.append(
                        {"field": f"team.{i}", "message": f"{username} is not a rep or coordinator of {branch}."}
                    )
                seen.add(username)
        if errors:
            raise invalid(errors)

    def add_session(self, caller: Principal, plan_id: str, body: NewSession) -> dict[str, Any]:
        """A new session of the branch's plan (its team checked against the directory)."""
        with self.engine.connect() as conn:
            plan = self._plan(conn, caller, plan_id)
        if not access.works_branch(caller, plan.region, plan.branch):
            raise forbidden("Only the branch's own reps and coordinator plan its sessions.")
        values = body.model_dump()
        self._check_session(values, plan.starts_on, plan.ends_on, plan.region, plan.branch, team_changed=True)
        with self.engine.begin() as conn:
            row = conn.execute(
                sessions.insert()
                .values(
                    id=uuid.uuid4(),
                    plan_id=plan.id,
                    campaign_id=plan.campaign_id,
                    branch=plan.branch,
                    created_by=caller.username,
                    **values,
                )
                .returning(*sessions.c)
            ).one()
        return session_json(row, 0)

    def session(self, caller: Principal, session_id: str) -> dict[str, Any]:
        """A session with its count of conversations."""
        with self.engine.connect() as conn:
            row = self._session(conn, caller, session_id)
            return session_json(row, contact_counts(conn, [row.id]).get(row.id, 0))

    def change_session(self, caller: Principal, session_id: str, change: SessionChange) -> dict[str, Any]:
        """Change the fields given, checked together with those kept."""
        given = change.model_dump(exclude_unset=True)
        for name, value in given.items():
            if value is None:
                raise field_error(name, "Cannot be null; leave it out to keep it.")
        with self.engine.begin() as conn:
            row = self._session(conn, caller, session_id, lock=True)
            if not access.works_branch(caller, row.region, row.branch):
                raise forbidden("Only the branch's own reps and coordinator change its sessions.")
            merged = {**row._mapping, **given}
            self._check_session(merged, row.starts_on, row.ends_on, row.region, row.branch, "team" in given)
            if given:
                conn.execute(sessions.update().where(sessions.c.id == row.id).values(**given, updated_at=func.now()))
            updated = conn.execute(select(sessions).where(sessions.c.id == row.id)).one()
            return session_json(updated, contact_counts(conn, [row.id]).get(row.id, 0))

    def delete_session(self, caller: Principal, session_id: str) -> dict[str, Any]:
        """Remove a session nothing was recorded for (409 otherwise); the session as it was."""
        try:
            with self.engine.begin() as conn:
                row = self._session(conn, caller, session_id, lock=True)
                if not access.works_branch(caller, row.region, row.branch):
                    raise forbidden("Only the branch's own reps and coordinator remove its sessions.")
                logged = contact_counts(conn, [row.id]).get(row.id, 0)
                asked = conn.execute(
                    select(func.count()).select_from(help_requests).where(help_requests.c.session_id == row.id)
                ).scalar_one()
                if logged or asked:
                    raise conflict(
                        "session-has-contacts",
                        "Conversations or help requests are recorded for this session, so it stays; change it instead.",
                    )
                body = session_json(row, 0)
                conn.execute(sessions.delete().where(sessions.c.id == row.id))
                return body
        except IntegrityError as exc:  # a conversation logged at the same moment
            raise conflict("session-has-contacts", "A conversation was just logged for this session.") from exc

    # -- material orders -----------------------------------------------------------------------

    def order_materials(self, caller: Principal, campaign_id: str, body: NewMaterialOrder) -> dict[str, Any]:
        """Record the branch's order and, in the same transaction, MaterialsOrdered for the region's officials."""
        with self.engine.connect() as conn:
            campaign = self._campaign(conn, caller, campaign_id)
        if not access.works_branch(caller, campaign.region, caller.branch or ""):
            raise forbidden("Branch reps and coordinators order materials; the regional office fulfils them.")
        recipients = self.officials(campaign.region)
        with self.engine.begin() as conn:
            row = conn.execute(
                material_orders.insert()
                .values(
                    id=uuid.uuid4(),
                    campaign_id=campaign.id,
                    branch=caller.branch,
                    items=body.items,
                    needed_by=body.needed_by,
                    deliver_to=body.deliver_to,
                    ordered_by=caller.username,
                )
                .returning(*material_orders.c)
            ).one()
            at = Timestamp()
            at.FromDatetime(row.ordered_at)
            event = organising_pb2.MaterialsOrdered(
                order_id=str(row.id),
                campaign_id=str(campaign.id),
                branch=row.branch,
                region=campaign.region,
                ordered_by=caller.username,
                recipients=recipients,
                at=at,
            )
            event_outbox.enqueue(conn, outbox, ORGANISING_EVENTS, str(row.id), event, self.settings.service_name)
        return order_json(row)

    def orders(self, caller: Principal, campaign_id: str) -> list[dict[str, Any]]:
        """A campaign's orders, newest first: the region's for officials, the own branch's for its staff."""
        with self.engine.connect() as conn:
            campaign = self._campaign(conn, caller, campaign_id)
            query = select(material_orders).where(material_orders.c.campaign_id == campaign.id)
            if not access.runs_region(caller, campaign.region):
                query = query.where(material_orders.c.branch == caller.branch)
            rows = conn.execute(query.order_by(material_orders.c.ordered_at.desc(), material_orders.c.id))
            return [order_json(r) for r in rows]

    def fulfil(self, caller: Principal, order_id: str) -> dict[str, Any]:
        """Mark an order fulfilled (once: 409 after that)."""
        with self.engine.begin() as conn:
            row = self._order(conn, caller, order_id)
            if not access.runs_region(caller, row.region):
                raise forbidden("The regional office (the region's officials) fulfils orders.")
            done = conn.execute(
                material_orders.update()
                .where(material_orders.c.id == row.id, material_orders.c.state == "requested")
                .values(state="fulfilled", fulfilled_by=caller.username, fulfilled_at=func.now())
                .returning(*material_orders.c)
            ).first()
            if done is None:
                raise conflict("already-fulfilled", f"This order was already fulfilled by {row.fulfilled_by}.")
            return order_json(done)
