"""Transactional outbox: events are rows written with the state change, then relayed.

A service calls :func:`enqueue` inside the same transaction as its own change, so
an acknowledged change always has its event, even if Kafka is down. The
:class:`OutboxRelay` sends pending rows in id order, waits for the broker's
acknowledgement, and only then marks them published. A crash between send and mark
re-sends: consumers are idempotent.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from datetime import timedelta

import psycopg
from google.protobuf.message import Message
from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError
from kafka.producer.future import FutureRecordMetadata
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Identity,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    select,
    text,
    update,
)

from casework_common import events, metrics
from casework_common.kafka import record_headers

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "casework_outbox"
RETENTION = timedelta(days=7)


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table definition; each service's first migration creates it."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("payload_type", Text, nullable=False),
        Column("payload", LargeBinary, nullable=False),  # serialised EventEnvelope
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), index=True),
    )


def create_outbox_table(bind: Connection) -> None:
    """Create the outbox table; called from each service's first Alembic migration."""
    outbox_table(MetaData()).create(bind)


def enqueue(conn: Connection, table: Table, topic: str, key: str, payload: Message, service: str) -> None:
    """Record an event in the caller's transaction; it is relayed after commit."""
    conn.execute(
        table.insert().values(
            topic=topic,
            key=key,
            payload_type=payload.DESCRIPTOR.full_name,
            payload=events.pack(payload, service),
        )
    )
    # Delivered to listeners only when the transaction commits.
    conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


def resend_last(conn: Connection, table: Table, key: str, topics: tuple[str, ...]) -> str | None:
    """Queue again, byte for byte, the last event recorded for ``key`` on one of ``topics``: for a
    stage asked again about work it finished, whose outcome may have been lost after it was sent.
    The copy keeps the original's event id, so consumers that remember event ids see it as the same
    event. Returns its topic, or None if there is none (never sent, or older than the retention)."""
    last = conn.execute(
        select(table.c.topic, table.c.key, table.c.payload_type, table.c.payload)
        .where(table.c.key == key, table.c.topic.in_(topics))
        .order_by(table.c.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    conn.execute(table.insert().values(**last._asdict()))
    conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
    return last.topic


# How long a sent row may wait for the broker's acknowledgement before the batch is retried.
SEND_TIMEOUT_S = 30.0
# How often a relay waiting for acknowledgements looks at its stop event.
STOP_CHECK_S = 0.2


class RelayStopped(Exception):
    """The process is stopping while a batch waits for the broker: it is left pending, to be sent again."""


def wait_sent(future: FutureRecordMetadata, stop: threading.Event | None) -> None:
    """Wait for a record's acknowledgement (at most ``SEND_TIMEOUT_S``), giving up at once when ``stop``
    is set: with the broker gone a stopping process would otherwise wait out the whole timeout and be
    killed by its supervisor (Kubernetes after terminationGracePeriodSeconds)."""
    deadline = time.monotonic() + SEND_TIMEOUT_S
    while True:
        remaining = deadline - time.monotonic()
        try:
            future.get(timeout=max(0.0, min(STOP_CHECK_S, remaining)))
            return
        except KafkaTimeoutError:
            # Done with a timeout of its own (delivery expired), or our time is up: a real failure.
            if future.is_done or remaining <= STOP_CHECK_S:
                raise
            if stop is not None and stop.is_set():
                raise RelayStopped("stopping while the broker has not acknowledged a batch") from None


class OutboxRelay:
    """Moves committed outbox rows to Kafka."""

    def __init__(
        self,
        engine: Engine,
        table: Table,
        producer: KafkaProducer,
        service: str,
        batch: int = 200,
        spread: frozenset[str] = frozenset(),
    ) -> None:
        """Topics in ``spread`` are sent round-robin over their partitions instead of by key: for
        work items whose order does not matter, so that every consumer gets an equal share."""
        self.engine = engine
        self.table = table
        self.producer = producer
        self.batch = batch
        self.spread = spread
        self._turn = itertools.count()
        factory = metrics.Metrics(service)
        self._relayed = factory.counter("outbox_relayed_total", "Outbox rows published to Kafka.", ("topic",))
        self._pending = factory.gauge("outbox_pending", "Outbox rows not yet published.")

    def drain(self, stop: threading.Event | None = None) -> int:
        """Publish every pending row; returns how many were sent. When ``stop`` is set while a batch
        waits for the broker, raises ``RelayStopped`` and the batch stays pending (it is marked
        published only once every record in it is acknowledged)."""
        try:
            return self._send_pending(stop)
        except Exception:
            # The broker is down or refusing: count what waits, so the backlog alert can fire. Only
            # here, not on every pass, so a healthy relay adds no query to its once-a-second loop.
            with self.engine.connect() as conn:
                waiting = conn.execute(
                    select(func.count()).select_from(self.table).where(self.table.c.published_at.is_(None))
                ).scalar_one()
            self._pending.set(waiting)
            raise

    def _send_pending(self, stop: threading.Event | None) -> int:
        sent = 0
        while True:
            with self.engine.begin() as conn:
                # One relay at a time per outbox (a service's replicas and worker processes each run
                # one): with several sending at once, one key's events could overtake each other
                # (an item's "3 of 3 pages" before its "0 of 3"). A relay waits for the one sending
                # (a batch: milliseconds), then sends what is still pending, in id order.
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.' || :table))"),
                    {"table": self.table.name},
                )
                rows = conn.execute(
                    select(
                        self.table.c.id,
                        self.table.c.topic,
                        self.table.c.key,
                        self.table.c.payload_type,
                        self.table.c.payload,
                    )
                    .where(self.table.c.published_at.is_(None))
                    .order_by(self.table.c.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                ).all()
                if not rows:
                    self._pending.set(0)
                    return sent
                futures = []
                for row in rows:
                    headers = record_headers(row.payload_type, events.unpack(row.payload).trace_id)
                    futures.append(
                        (
                            row.topic,
                            self.producer.send(
                                row.topic,
                                key=row.key.encode(),
                                value=row.payload,
                                headers=headers,
                                partition=self._partition(row.topic),
                            ),
                        )
                    )
                for topic, future in futures:
                    wait_sent(future, stop)  # raises: the transaction rolls back, rows stay pending
                    self._relayed.labels(topic).inc()
                conn.execute(
                    update(self.table)
                    .where(self.table.c.id.in_([row.id for row in rows]))
                    .values(published_at=func.now())
                )
                sent += len(rows)

    def _partition(self, topic: str) -> int | None:
        if topic not in self.spread:
            return None  # by key: per-key order is kept
        partitions = sorted(self.producer.partitions_for(topic) or [0])
        return partitions[next(self._turn) % len(partitions)]

    def purge(self) -> None:
        """Forget rows published longer ago than the retention period."""
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.published_at < func.now() - RETENTION))

    def run(self, stop: threading.Event) -> None:
        """Relay until ``stop`` is set, woken by NOTIFY and at least once a second."""
        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        passes = 0
        while not stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as listener:
                    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    while not stop.is_set():
                        self.drain(stop)
                        passes += 1
                        if passes % 3600 == 0:
                            self.purge()
                        for _ in listener.notifies(timeout=1.0, stop_after=1):
                            pass
            except RelayStopped:
                log.info("outbox relay stopped with a batch unacknowledged; it stays pending")
            except Exception:
                log.exception("outbox relay failed; retrying")
                stop.wait(2)
