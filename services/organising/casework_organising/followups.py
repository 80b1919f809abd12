"""Follow-up reminders: when an open follow-up falls due, one ``FollowUpDue`` goes through the
outbox to notify, which tells each member of its team (the session's team and whoever logged it).

Exactly once, even with several replicas: each pass locks the due rows it takes (``FOR UPDATE
SKIP LOCKED``: another replica's pass takes the others, never the same), and marks them reminded
in the same transaction that queues their events. A crash before commit leaves them due; after
commit, the outbox relays the events.

"Today" is the union's day (Europe/London), or ``CASEWORK_ORGANISING_TODAY`` for drills and tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine, func, select, update

from casework.v1 import organising_pb2
from casework_common import events, metrics, runtime
from casework_common.outbox import enqueue
from casework_common.typed_dates import london_today
from casework_common.vocabulary import CONTACT_OUTCOMES
from casework_organising.settings import OrganisingSettings
from casework_organising.tables import campaigns, follow_ups, outbox

log = logging.getLogger(__name__)

_metrics = metrics.Metrics("organising")
PASSES = _metrics.counter("reminder_passes_total", "Passes of the follow-up reminder loop, by outcome.", ("outcome",))
REMINDED = _metrics.counter("follow_ups_reminded_total", "Follow-ups whose reminder was queued for notify.")
BATCH = 200  # follow-ups per transaction; a pass takes batches until none is due


def today(settings: OrganisingSettings) -> dt.date:
    """The day follow-ups fall due against: the drill's or test's date if set, else London's today."""
    return settings.organising_today or london_today()


def remind_due(engine: Engine, on: dt.date, service: str = "organising", batch: int = BATCH) -> int:
    """Queue one ``FollowUpDue`` for each open follow-up due on or before ``on`` not yet reminded,
    marking it reminded in the same transaction; how many."""
    total = 0
    while True:
        with engine.begin() as conn:
            due = conn.execute(
                select(follow_ups, campaigns.c.region)
                .join(campaigns, campaigns.c.id == follow_ups.c.campaign_id)
                .where(follow_ups.c.state == "open", follow_ups.c.reminded_at.is_(None), follow_ups.c.due_on <= on)
                .order_by(follow_ups.c.due_on, follow_ups.c.created_at)
                .limit(batch)
                .with_for_update(of=follow_ups, skip_locked=True)
            ).all()
            for row in due:
                event = organising_pb2.FollowUpDue(
                    follow_up_id=str(row.id),
                    session_id=str(row.session_id),
                    campaign_id=str(row.campaign_id),
                    branch=row.branch,
                    region=row.region,
                    team=list(row.team),
                    due_on=row.due_on.isoformat(),
                    outcome=CONTACT_OUTCOMES[row.outcome],  # type: ignore[arg-type]
                )
                event.at.GetCurrentTime()
                enqueue(conn, outbox, events.ORGANISING_EVENTS, str(row.id), event, service)
            if due:
                conn.execute(
                    update(follow_ups)
                    .where(follow_ups.c.id.in_([row.id for row in due]))
                    .values(reminded_at=func.now())
                )
        total += len(due)
        REMINDED.inc(len(due))
        if len(due) < batch:
            return total


def reminder_loop(engine: Engine, settings: OrganisingSettings) -> Callable[[threading.Event], None]:
    """The service's loop: a pass at start, then every ``organising_followup_interval_s`` seconds."""

    def one_pass() -> None:
        if sent := remind_due(engine, today(settings), settings.service_name):
            log.info("queued %d follow-up reminder(s)", sent)

    return runtime.periodic("follow-up reminder", one_pass, settings.organising_followup_interval_s, PASSES)
