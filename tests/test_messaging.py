"""The shared outbox relay and consumer loop on the real Postgres and Kafka broker."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from kafka import KafkaConsumer
from prometheus_client import REGISTRY
from sqlalchemy import MetaData, create_engine, select

from casework.v1 import events_pb2
from casework_common import events, kafka, tracing
from casework_common.outbox import OutboxRelay, create_outbox_table, enqueue, outbox_table
from casework_common.settings import KafkaSettings
from harness import Platform

pytestmark = pytest.mark.stack


def settings(platform: Platform) -> KafkaSettings:
    return KafkaSettings(
        service_name="test", kafka_bootstrap=f"127.0.0.1:{platform.config.ports['kafka']}", kafka_max_attempts=2
    )


def read_topic(platform: Platform, topic: str, expected: int, timeout_s: float = 20) -> list[Any]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=settings(platform).kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    records: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        time.sleep(1)  # and nothing more arrives
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    finally:
        consumer.close()
    return records


@pytest.fixture
def outbox_db(platform: Platform) -> Iterator[Any]:
    """A scratch schema with an outbox table, owned by the superuser, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:8]}"
    ports, secrets = platform.config.ports, platform.config.secrets
    url = f"postgresql+psycopg://postgres:{secrets.postgres_password}@127.0.0.1:{ports['postgres']}/casework"
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        create_outbox_table(conn)
    yield engine, outbox_table(MetaData())
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    engine.dispose()


def status_event(n: int) -> events_pb2.EvidenceStatusChanged:
    return events_pb2.EvidenceStatusChanged(evidence_id=f"e{n}", status=events_pb2.EVIDENCE_STATUS_SCANNING)


def test_outbox_publishes_committed_events_once_in_order(platform: Platform, outbox_db: Any) -> None:
    engine, table = outbox_db
    topic = f"test.outbox.{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(settings(platform), [topic], 1)
    trace_id = tracing.new_trace_id()
    with tracing.bound(trace_id), engine.begin() as conn:
        for n in range(3):
            enqueue(conn, table, topic, "same-key", status_event(n), "test")
    with pytest.raises(RuntimeError), engine.begin() as conn:
        enqueue(conn, table, topic, "same-key", status_event(99), "test")
        raise RuntimeError("the business change failed: its event must vanish with it")

    producer = kafka.make_producer(settings(platform))
    relay = OutboxRelay(engine, table, producer, "test")
    assert relay.drain() == 3
    assert relay.drain() == 0  # published rows are not sent again
    records = read_topic(platform, topic, expected=3)
    decoded = [events.unpack(r.value) for r in records]
    assert [d.unpack(events_pb2.EvidenceStatusChanged).evidence_id for d in decoded] == ["e0", "e1", "e2"]
    assert {d.trace_id for d in decoded} == {trace_id}
    assert all(dict(r.headers)["traceparent"].decode().split("-")[1] == trace_id for r in records)
    producer.close()


class _SlowSender:
    """A real producer behind a pause before each send, as when a relay is descheduled between
    claiming its rows and handing them to the broker (a loaded two-core machine does this)."""

    def __init__(self, producer: Any, delay_s: float) -> None:
        self.producer, self.delay_s = producer, delay_s

    def send(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(self.delay_s)
        return self.producer.send(*args, **kwargs)

    def partitions_for(self, topic: str) -> Any:
        return self.producer.partitions_for(topic)


def test_two_relays_on_one_outbox_keep_a_keys_order(platform: Platform, outbox_db: Any) -> None:
    """A service's replicas (or worker processes) each run a relay on the same outbox: one key's
    events must still reach the topic in the order they were written."""
    engine, table = outbox_db
    topic = f"test.outbox.{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(settings(platform), [topic], 1)
    with engine.begin() as conn:
        for n in range(6):
            enqueue(conn, table, topic, "same-key", status_event(n), "test")
    producer = kafka.make_producer(settings(platform))
    slow = OutboxRelay(engine, table, _SlowSender(producer, 0.5), "test", batch=2)  # type: ignore[arg-type]
    quick = OutboxRelay(engine, table, producer, "test", batch=2)
    first = threading.Thread(target=slow.drain, daemon=True)
    first.start()
    time.sleep(0.3)  # the slow relay has claimed rows e0, e1 and not yet sent them
    quick.drain()
    first.join(30)
    records = read_topic(platform, topic, expected=6)
    order = [events.unpack(r.value).unpack(events_pb2.EvidenceStatusChanged).evidence_id for r in records]
    assert order == [f"e{n}" for n in range(6)]
    producer.close()


class _BrokerDown:
    """Stands in for a producer whose broker refuses every send (a unit-level failure)."""

    def send(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("broker unavailable")


def test_outbox_keeps_events_while_the_broker_is_down(platform: Platform, outbox_db: Any) -> None:
    engine, table = outbox_db
    topic = f"test.outbox.{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(settings(platform), [topic], 1)
    with engine.begin() as conn:
        enqueue(conn, table, topic, "k", status_event(1), "test")
    with pytest.raises(ConnectionError):
        OutboxRelay(engine, table, _BrokerDown(), "test").drain()  # type: ignore[arg-type]
    with engine.connect() as conn:
        assert conn.execute(select(table.c.published_at)).scalar_one() is None
    # What the backlog alert reads: the waiting row, while the broker is down.
    assert REGISTRY.get_sample_value("casework_test_outbox_pending") == 1
    producer = kafka.make_producer(settings(platform))
    assert OutboxRelay(engine, table, producer, "test").drain() == 1
    assert REGISTRY.get_sample_value("casework_test_outbox_pending") == 0
    assert len(read_topic(platform, topic, expected=1)) == 1
    producer.close()


def test_relay_wakes_on_notify(platform: Platform, outbox_db: Any) -> None:
    engine, table = outbox_db
    topic = f"test.outbox.{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(settings(platform), [topic], 1)
    producer = kafka.make_producer(settings(platform))
    stop = threading.Event()
    thread = threading.Thread(target=OutboxRelay(engine, table, producer, "test").run, args=(stop,), daemon=True)
    thread.start()
    try:
        time.sleep(1)
        with engine.begin() as conn:
            enqueue(conn, table, topic, "k", status_event(7), "test")
        assert len(read_topic(platform, topic, expected=1)) == 1
    finally:
        stop.set()
        thread.join(10)
        producer.close()


def test_consumer_dead_letters_poison_and_failing_records(platform: Platform) -> None:
    config = settings(platform)
    topic = f"test.consume.{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(config, [topic], 1)
    producer = kafka.make_producer(config)
    producer.send(topic, key=b"poison", value=b"\xff\x00 not an envelope")
    kafka.publish(producer, topic, "fails", status_event(1), "test")
    kafka.publish(producer, topic, "works", status_event(2), "test")
    producer.flush()

    handled: list[str] = []

    def handler(message: events_pb2.EvidenceStatusChanged, _event: events.Event) -> None:
        if message.evidence_id == "e1":
            raise ValueError("this one always fails")
        handled.append(message.evidence_id)

    def consume_until(predicate: Any) -> None:
        stop = threading.Event()
        consumer = kafka.EventConsumer(
            config, "test-group", [topic], {events_pb2.EvidenceStatusChanged: handler}, producer
        )
        thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not predicate() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        stop.set()
        thread.join(15)

    consume_until(lambda: handled == ["e2"])
    assert handled == ["e2"]
    dead = read_topic(platform, kafka.dlq_topic(topic), expected=2)
    assert sorted(r.key for r in dead) == [b"fails", b"poison"]
    for record in dead:
        headers = dict(record.headers)
        assert headers["casework-source"].decode().startswith(f"{topic}/0/")
        assert headers["casework-error"]
    assert dict(next(r for r in dead if r.key == b"fails").headers)["casework-attempts"] == b"2"

    # Offsets were committed: the same group starting again sees only what is new.
    kafka.publish(producer, topic, "later", status_event(3), "test").get(timeout=10)
    consume_until(lambda: "e3" in handled)
    assert handled == ["e2", "e3"]
    assert len(read_topic(platform, kafka.dlq_topic(topic), expected=3, timeout_s=3)) == 2
    producer.close()


def test_service_schemas_are_private(platform: Platform) -> None:
    """Each service's database role can reach its own schema and no other."""
    ports, secrets = platform.config.ports, platform.config.secrets
    with psycopg.connect(
        host="127.0.0.1",
        port=ports["postgres"],
        dbname="casework",
        user="intake",
        password=secrets.db_passwords["intake"],
    ) as conn:
        conn.execute("SELECT count(*) FROM intake.evidence")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM workflow.cases")
