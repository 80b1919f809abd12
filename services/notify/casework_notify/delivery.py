"""Applies the rules to each event and delivers: an inbox item and an email per notification,
each at most once per (event, recipient) however often the event is redelivered."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from google.protobuf.message import Message
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert

from casework_common import metrics
from casework_common.events import Event
from casework_notify.directory import Directory
from casework_notify.mailer import Mailer
from casework_notify.rules import RULES, Notification, RuleContext
from casework_notify.tables import deliveries, inbox_items

log = logging.getLogger(__name__)
SENT = metrics.Metrics("notify").counter("notifications_total", "Notifications delivered.", ("kind", "channel"))


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
            self._to_inbox(event.event_id, notification)
            self._email(event.event_id, notification)

    def _render(self, notification: Notification, extension: str) -> str:
        values: dict[str, Any] = {
            "recipient": notification.recipient,
            "link": notification.link,
            **notification.context,
        }
        return self.templates.get_template(f"{notification.kind}.{extension}").render(**values)

    def _to_inbox(self, event_id: str, n: Notification) -> None:
        with self.engine.begin() as conn:
            inserted = conn.execute(
                insert(inbox_items)
                .values(
                    id=uuid.uuid4(),
                    event_id=event_id,
                    recipient=n.recipient,
                    kind=n.kind,
                    title=n.title,
                    body=self._render(n, "txt"),
                    link=n.link,
                    case_id=uuid.UUID(n.case_id) if n.case_id else None,
                )
                .on_conflict_do_nothing(constraint="inbox_items_event_recipient")
            ).rowcount
        if inserted:
            SENT.labels(n.kind, "inbox").inc()

    def _email(self, event_id: str, n: Notification) -> None:
        key = {"event_id": event_id, "recipient": n.recipient, "channel": "email"}
        with self.engine.begin() as conn:
            conn.execute(insert(deliveries).values(**key, status="pending").on_conflict_do_nothing())
            status = conn.execute(
                select(deliveries.c.status).where(*(deliveries.c[k] == v for k, v in key.items()))
            ).scalar_one()
        if status != "pending":
            return  # a redelivered event: already handled
        address = self.directory.email(n.recipient)
        if address is None:
            log.warning("no verified email address for %s; inbox only", n.recipient)
            status_value = "no-address"
        else:
            self.mailer.send(
                address,
                n.title,
                self._render(n, "txt"),
                self._render(n, "html"),
                message_key=f"{event_id}.{n.recipient}",
            )
            SENT.labels(n.kind, "email").inc()
            status_value = "sent"
        with self.engine.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(*(deliveries.c[k] == v for k, v in key.items()))
                .values(status=status_value, sent_at=func.now())
            )
