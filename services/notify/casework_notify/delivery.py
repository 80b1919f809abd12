"""Applies the rules to each event and delivers: an inbox item always, and an email either at
once or in the recipient's daily digest (their preference per kind). Every delivery is recorded
per (event, recipient), so a redelivered event sends nothing twice."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert

from casework_common import metrics
from casework_common.directory import Directory
from casework_common.events import Event
from casework_common.runtime import Loop, periodic
from casework_notify import erasure
from casework_notify.mailer import Mailer
from casework_notify.rules import RULES, Notification, RuleContext, member_may_hear
from casework_notify.tables import deliveries, digest_items, inbox_items, preferences

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("notify")
SENT = _metrics.counter("notifications_total", "Notifications delivered.", ("kind", "channel"))
# Runs inside the delivery's transaction; False: this delivery was already made (see Deliverer.deliver).
Claim = Callable[[Connection], bool]
WITHHELD = _metrics.counter("notifications_withheld_total", "Notifications stopped by the member gate.", ("kind",))


def held_for_digest(mode: str, n: Notification) -> bool:
    """Whether the email waits for the daily digest: the recipient chose it for this kind, and
    the notification is not urgent (a deadline a day away must not wait a day)."""
    return mode == "digest" and not n.urgent


class Deliverer:
    def __init__(self, engine: Engine, mailer: Mailer, directory: Directory, context: RuleContext) -> None:
        self.engine = engine
        self.mailer = mailer
        self.directory = directory
        self.context = context
        self.templates = Environment(
            loader=PackageLoader("casework_notify"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
        )

    def handle(self, message: Message, event: Event) -> None:
        rule = RULES.get(type(message))
        if rule is None:
            return
        for notification in rule(message, self.context):
            if not member_may_hear(notification, message):
                WITHHELD.labels(notification.kind).inc()
                log.error("withheld a %s notification to a member about an unannounced referral", notification.kind)
                continue
            self.deliver(event.event_id, notification)

    def deliver(self, event_id: str, n: Notification, claim: Claim | None = None) -> bool:
        """Deliver one notification: the inbox item and either the email or a digest entry.

        Nothing is done (False) for a case whose notifications were erased. ``claim(conn)`` runs
        first in the transaction that records the inbox item and the email's delivery record; when
        it returns False (someone already claimed this delivery) nothing is
        written or sent. Returns False in that case, True otherwise. A redelivered event with the
        same ``event_id`` sends nothing twice either way.
        """
        digest = held_for_digest(self.mode(n.recipient, n.kind), n)
        with self.engine.begin() as conn:
            # Nothing about a case whose notifications were erased is written or sent again.
            if erasure.refused(conn, n.case_id):
                return False
            if claim is not None and not claim(conn):
                return False
            added = self._to_inbox(conn, event_id, n)
            if digest:
                self._to_digest(conn, event_id, n)
            else:
                key = {"event_id": event_id, "recipient": n.recipient, "channel": "email"}
                conn.execute(insert(deliveries).values(**key, status="pending").on_conflict_do_nothing())
        if added:
            SENT.labels(n.kind, "inbox").inc()
        if not digest:
            self._email(event_id, n)
        return True

    def retry_email(self, event_id: str, n: Notification, older_than_s: float) -> None:
        """Send an email whose delivery record is still pending ``older_than_s`` seconds after its
        last attempt (or its creation): that attempt failed (SMTP down, a crash) after the delivery
        was claimed. The attempt is claimed before sending, so of several replicas retrying it at
        once only one sends, and none while another's attempt is younger than ``older_than_s``."""
        self._email(event_id, n, retry_after_s=older_than_s)

    def mode(self, username: str, kind: str) -> str:
        with self.engine.connect() as conn:
            chosen = conn.execute(
                select(preferences.c.mode).where(preferences.c.username == username, preferences.c.kind == kind)
            ).scalar()
        return chosen or "immediate"

    def _render(self, template: str, recipient: str, **values: Any) -> str:
        return self.templates.get_template(template).render(recipient=recipient, **values)

    def _to_inbox(self, conn: Connection, event_id: str, n: Notification) -> bool:
        inserted = conn.execute(
            insert(inbox_items)
            .values(
                id=uuid.uuid4(),
                event_id=event_id,
                recipient=n.recipient,
                kind=n.kind,
                title=n.title,
                body=n.message,
                link=n.link,
                case_id=uuid.UUID(n.case_id) if n.case_id else None,
            )
            .on_conflict_do_nothing(constraint="inbox_items_event_recipient")
            .returning(inbox_items.c.id)
        ).first()
        return inserted is not None

    def _to_digest(self, conn: Connection, event_id: str, n: Notification) -> None:
        conn.execute(
            insert(digest_items)
            .values(
                id=uuid.uuid4(),
                event_id=event_id,
                recipient=n.recipient,
                kind=n.kind,
                title=n.title,
                message=n.message,
                link=n.link,
            )
            .on_conflict_do_nothing(constraint="digest_items_event_recipient")
        )

    def _email(self, event_id: str, n: Notification, retry_after_s: float | None = None) -> None:
        """Send the email unless its delivery is done. ``retry_after_s``: a retry, made only when
        the last attempt is older than that (and the record is not created if missing)."""
        key = {"event_id": event_id, "recipient": n.recipient, "channel": "email"}
        where = [deliveries.c[k] == v for k, v in key.items()]
        if retry_after_s is None:
            with self.engine.begin() as conn:
                conn.execute(insert(deliveries).values(**key, status="pending").on_conflict_do_nothing())
        if not self._take_attempt(where, retry_after_s):
            return  # already sent (a redelivered event), or another attempt is recent
        person = self.directory.person(n.recipient)
        if person is None or person.email is None:
            log.warning("no verified email address for %s; inbox only", n.recipient)
            outcome = "no-address"
        else:
            values = {"message": n.message, "link": n.link}
            self.mailer.send(
                person.email,
                n.title,
                self._render("notification.txt", n.recipient, **values),
                self._render("notification.html", n.recipient, **values),
                message_key=f"{event_id}.{n.recipient}",
            )
            SENT.labels(n.kind, "email").inc()
            outcome = "sent"
        with self.engine.begin() as conn:
            conn.execute(update(deliveries).where(*where).values(status=outcome, sent_at=func.now()))

    def _take_attempt(self, where: list[Any], retry_after_s: float | None) -> bool:
        """Claim one attempt at a pending email: a conditional UPDATE ... RETURNING, so when two
        replicas race for the same retry Postgres lets one update the row; the other re-reads
        the row after it and finds the attempt recent."""
        conditions = [*where, deliveries.c.status == "pending"]
        if retry_after_s is not None:
            last = func.coalesce(deliveries.c.attempted_at, deliveries.c.created_at)
            conditions.append(last < func.now() - dt.timedelta(seconds=retry_after_s))
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(deliveries)
                .where(*conditions)
                .values(attempts=deliveries.c.attempts + 1, attempted_at=func.clock_timestamp())
                .returning(deliveries.c.attempts)
            ).first()
        return taken is not None

    def send_digests(self) -> int:
        """Email each recipient with pending digest items one digest; returns how many were sent."""
        with self.engine.connect() as conn:
            recipients = list(
                conn.execute(
                    select(digest_items.c.recipient).where(digest_items.c.sent_at.is_(None)).distinct()
                ).scalars()
            )
        sent = 0
        for recipient in recipients:
            with self.engine.begin() as conn:
                items = conn.execute(
                    select(digest_items)
                    .where(digest_items.c.recipient == recipient, digest_items.c.sent_at.is_(None))
                    .order_by(digest_items.c.created_at)
                    .with_for_update(skip_locked=True)
                ).all()
                if not items:
                    continue
                person = self.directory.person(recipient)
                if person is not None and person.email is not None:
                    values = {"items": items}
                    self.mailer.send(
                        person.email,
                        f"Your casework digest: {len(items)} update(s)",
                        self._render("digest.txt", recipient, **values),
                        self._render("digest.html", recipient, **values),
                        message_key=f"digest.{items[-1].id}",
                    )
                    SENT.labels("digest", "email").inc()
                    sent += 1
                conn.execute(
                    update(digest_items).where(digest_items.c.id.in_([i.id for i in items])).values(sent_at=func.now())
                )
        return sent

    def digest_loop(self, hour_utc: int) -> Loop:
        """Send the day's digests once a day, at ``hour_utc``: a pass every minute sends them when
        that hour has come and today's have not gone (a failed pass is tried again the next minute)."""
        last_day: dt.date | None = None

        def send_if_due() -> None:
            nonlocal last_day
            now = dt.datetime.now(dt.UTC)
            if now.hour == hour_utc and now.date() != last_day:
                log.info("sent %d daily digests", self.send_digests())
                last_day = now.date()

        return periodic("daily digest", send_if_due, 60, wait_first=True)
