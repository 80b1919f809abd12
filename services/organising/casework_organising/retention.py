"""Retention: a campaign keeps people's details only for its own period after it ends.

Once ``ends_on + retention_days`` has passed, one transaction per campaign
- deletes its target-list entries (the lists stay, marked removed, with their row and member counts);
- empties the contacts' names, contact details and free text (issue_text), and help requests' messages;
- closes its open follow-ups (nobody is reminded about a person whose details are gone);
- marks the contacts and the campaign ``details_removed_at``.
Outcomes, categories, workplaces, petition and card ticks and every count of conversations stay,
so the results read the same afterwards (but for "follow-ups open", now none). A campaign is done
once (``details_removed_at``). ``forget_people`` is the one way people are forgotten: removing a
target list by hand (api/targets.py) uses it for the list's people before the campaign's period ends.

The loop uses the real date in Europe/London, never ``CASEWORK_ORGANISING_TODAY`` (a drill's date
for the follow-up loop must not remove anything early); the command takes ``--as-of``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, literal_column, select, update

from casework_common import db, metrics, runtime
from casework_common.typed_dates import london_today
from casework_organising.settings import OrganisingSettings
from casework_organising.tables import campaigns, contacts, follow_ups, help_requests, target_entries, target_lists

log = logging.getLogger(__name__)

_metrics = metrics.Metrics("organising")
PASSES = _metrics.counter("retention_passes_total", "Passes of the retention loop, by outcome.", ("outcome",))
CAMPAIGNS_DONE = _metrics.counter(
    "retention_campaigns_total", "Campaigns whose people's details and target lists were removed."
)


@dataclass(frozen=True)
class Removed:
    """What one campaign's removal took away (counts only)."""

    campaign_id: uuid.UUID
    name: str
    region: str
    ends_on: dt.date
    retention_days: int
    target_entries: int
    contacts: int


def due_campaigns(engine: Engine, as_of: dt.date) -> list[uuid.UUID]:
    """Campaigns whose retention ended before ``as_of`` and still hold details."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(campaigns.c.id)
                .where(
                    campaigns.c.details_removed_at.is_(None),
                    # date + integer is a date in Postgres: the last day the details are kept.
                    literal_column("campaigns.ends_on + campaigns.retention_days") < as_of,
                )
                .order_by(campaigns.c.ends_on)
            ).scalars()
        )


def forget_people(conn: Connection, which_contacts: ColumnElement[bool], which_follow_ups: ColumnElement[bool]) -> int:
    """In the caller's transaction: empty the names, contact details and free text of the contacts
    ``which_contacts`` selects, mark them ``details_removed_at``, and close the open follow-ups
    ``which_follow_ups`` selects (nobody is reminded about a person whose details are gone); how many
    contacts lost their details. The campaign's retention pass and the removal of a target list by
    hand (api/targets.py) both forget people this one way."""
    people = conn.execute(
        update(contacts)
        .where(which_contacts, contacts.c.details_removed_at.is_(None))
        .values(person_name=None, person_contact=None, issue_text="", details_removed_at=func.now())
    ).rowcount
    conn.execute(
        update(follow_ups)
        .where(which_follow_ups, follow_ups.c.state == "open")
        .values(state="closed", closed_at=func.now())
    )
    return people


def remove_campaign(engine: Engine, campaign_id: uuid.UUID, as_of: dt.date) -> Removed | None:
    """Remove one campaign's details in one transaction, the campaign row locked (another replica's
    pass skips it); None if it is not (or no longer) due."""
    with engine.begin() as conn:
        campaign = conn.execute(
            select(campaigns)
            .where(
                campaigns.c.id == campaign_id,
                campaigns.c.details_removed_at.is_(None),
                literal_column("campaigns.ends_on + campaigns.retention_days") < as_of,
            )
            .with_for_update(skip_locked=True)
        ).first()
        if campaign is None:
            return None
        entries = conn.execute(delete(target_entries).where(target_entries.c.campaign_id == campaign_id)).rowcount
        conn.execute(
            update(target_lists)
            .where(target_lists.c.campaign_id == campaign_id, target_lists.c.removed_at.is_(None))
            .values(removed_at=func.now())
        )
        people = forget_people(conn, contacts.c.campaign_id == campaign_id, follow_ups.c.campaign_id == campaign_id)
        conn.execute(update(help_requests).where(help_requests.c.campaign_id == campaign_id).values(message=""))
        conn.execute(update(campaigns).where(campaigns.c.id == campaign_id).values(details_removed_at=func.now()))
    CAMPAIGNS_DONE.inc()
    removed = Removed(
        campaign.id, campaign.name, campaign.region, campaign.ends_on, campaign.retention_days, entries, people
    )
    log.info(
        "retention: campaign %s (%s, ended %s, kept %d days): %d target-list entries deleted, "
        "details of %d contacts removed",
        removed.campaign_id,
        removed.region,
        removed.ends_on.isoformat(),
        removed.retention_days,
        removed.target_entries,
        removed.contacts,
    )
    return removed


def run(engine: Engine, as_of: dt.date) -> list[Removed]:
    """One pass: every due campaign, each in its own transaction."""
    return [done for cid in due_campaigns(engine, as_of) if (done := remove_campaign(engine, cid, as_of))]


def retention_loop(engine: Engine, settings: OrganisingSettings) -> Callable[[threading.Event], None]:
    """The service's loop: a pass at start, then every ``organising_retention_interval_s`` seconds."""
    return runtime.periodic(
        "retention", lambda: run(engine, london_today()), settings.organising_retention_interval_s, PASSES
    )


def run_command(settings: OrganisingSettings, as_of: dt.date | None) -> int:
    """``python -m casework_organising retention [--as-of DATE]``: remove what is due and print it."""
    day = as_of or london_today()
    removed = run(db.make_engine(settings), day)
    for r in removed:
        print(
            f"campaign {r.campaign_id} {r.name!r} ({r.region}) ended {r.ends_on.isoformat()}, kept "
            f"{r.retention_days} days: {r.target_entries} target-list entries deleted, "
            f"details of {r.contacts} contacts removed"
        )
    print(f"organising retention as of {day.isoformat()}: {len(removed)} campaign(s) done")
    return 0
