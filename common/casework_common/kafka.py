"""Kafka producer, topic set-up and an at-least-once consumer loop.

Delivery contract: a consumer commits a record's offset only after its handler
returned (or the record went to the DLQ), so a crash redelivers work and handlers
must be idempotent. A record that still fails after ``kafka_max_attempts`` tries,
or that is not a casework envelope at all, goes to ``<topic>.dlq`` with the error
in its headers and the consumer moves on: one poison message never blocks a topic.
A handler whose own dependency is down raises :class:`RetryLater` instead: the record is
fine, so it is read again once the dependency answers rather than spent on retries.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from google.protobuf.message import Message
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError

from casework_common import events, metrics, tracing
from casework_common.settings import KafkaSettings

log = logging.getLogger(__name__)

Handler = Callable[[Any, events.Event], None]
# Called after a record went to its DLQ: (the decoded payload, or None if undecodable, and the error).
DeadLetterHook = Callable[[Any, BaseException], None]


# At most this long to leave the consumer group on close.
CLOSE_TIMEOUT_MS = 2000
# A commit is given up after COMMIT_TIMEOUT_S (kafka-python's request timeout), asked in slices of
# COMMIT_SLICE_MS so that a stopping process notices its stop event in between.
COMMIT_TIMEOUT_S = 30.0
COMMIT_SLICE_MS = 1000
# A record sent to a dead-letter topic is waited for at most SEND_TIMEOUT_S, looking at the stop
# event every SEND_SLICE_S.
SEND_TIMEOUT_S = 30.0
SEND_SLICE_S = 0.2


class CommitAbandoned(Exception):
    """The process is stopping while the broker has not taken a commit (or a record sent to a
    dead-letter topic); the batch is not committed and will be read again."""


def wait_acknowledged(future: Any, stop: threading.Event) -> None:
    """Wait for a sent record's acknowledgement (at most ``SEND_TIMEOUT_S``), giving up with
    :class:`CommitAbandoned` as soon as ``stop`` is set: with the broker gone a stopping process
    would otherwise wait out the whole timeout and be killed by its supervisor. The caller commits
    nothing after giving up, so the record that led to the send is read again."""
    deadline = time.monotonic() + SEND_TIMEOUT_S
    while True:
        remaining = deadline - time.monotonic()
        try:
            future.get(timeout=max(0.0, min(SEND_SLICE_S, remaining)))
            return
        except KafkaTimeoutError:
            # Done with a timeout of its own (delivery expired), or our time is up: a real failure.
            if future.is_done or remaining <= SEND_SLICE_S:
                raise
            if stop.is_set():
                raise CommitAbandoned("stopping before the broker acknowledged a record") from None


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    """Connection options every producer, consumer and admin client of ours uses: the brokers and,
    where configured, TLS (a CA file) and SASL (PLAIN or SCRAM)."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_ssl_cafile:
        options["ssl_cafile"] = settings.kafka_ssl_cafile
    if settings.kafka_sasl_mechanism:
        password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": password,
        }
    return options


def ensure_topics(settings: KafkaSettings, topics: Iterable[str], partitions: int | None = None) -> None:
    """Create each topic and its DLQ if missing, as the settings say (partitions, replication factor,
    min.insync.replicas; brokers' auto-create is not relied on), and grow one that has fewer
    partitions than configured. ``partitions`` is the caller's default for these topics;
    ``kafka_partitions`` overrides it per topic."""
    wanted = {}
    for topic in topics:
        count = settings.kafka_partitions.get(topic, partitions or settings.kafka_topic_partitions)
        wanted[topic] = wanted[dlq_topic(topic)] = count
    configs = {}
    if settings.kafka_min_insync_replicas:
        configs["min.insync.replicas"] = str(settings.kafka_min_insync_replicas)
    admin = KafkaAdminClient(**client_options(settings), client_id="casework-topic-setup")
    try:
        existing = set(admin.list_topics())
        for name, count in wanted.items():
            if name in existing:
                continue
            topic = NewTopic(name, count, settings.kafka_replication_factor, topic_configs=configs)
            with contextlib.suppress(TopicAlreadyExistsError):  # created concurrently by another service
                admin.create_topics([topic])
        _grow(admin, {name: count for name, count in wanted.items() if name in existing})
    finally:
        admin.close()


def _grow(admin: KafkaAdminClient, wanted: dict[str, int]) -> None:
    """Add partitions to topics that have fewer than wanted (never fewer: Kafka cannot shrink)."""
    if not wanted:
        return
    have = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(sorted(wanted))}
    for name, count in wanted.items():
        if have.get(name, count) >= count:
            continue
        try:  # only asked when needed: some brokers (the local Tansu) do not implement it
            admin.create_partitions({name: count})
            log.info("grew topic %s from %d to %d partitions", name, have[name], count)
        except KafkaError as exc:
            log.warning(
                "topic %s has %d partitions but %d are configured, and the broker refused to add them (%s): "
                "add them with the broker's own tools; until then fewer consumers than configured get work",
                name,
                have[name],
                count,
                exc,
            )


def make_producer(settings: KafkaSettings) -> KafkaProducer:
    """An idempotent producer that waits for all in-sync replicas. It sends at once (no linger):
    every sender of ours waits for the acknowledgement (the outbox relay, a published status), and
    records sent while a request is in flight are still batched."""
    return KafkaProducer(
        **client_options(settings),
        client_id=settings.service_name,
        acks="all",
        linger_ms=0,
    )


class BrokerCheck:
    """Readiness: can this process fetch cluster metadata from the broker right now?"""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self._client: KafkaConsumer | None = None
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        with self._lock:
            if self._client is None:
                self._client = KafkaConsumer(
                    **client_options(self.settings),
                    request_timeout_ms=5000,
                    enable_auto_commit=False,
                    client_id="casework-readiness",
                )
            return isinstance(self._client.topics(), set)


def record_headers(type_name: str, trace_id: str | None = None) -> list[tuple[str, bytes]]:
    """Headers every casework record carries: the trace and the payload type."""
    return [
        (tracing.HEADER, tracing.format_traceparent(trace_id).encode()),
        ("casework-type", type_name.encode()),
    ]


def publish(producer: KafkaProducer, topic: str, key: str, payload: Message, service: str) -> Any:
    """Send ``payload`` in an envelope; returns the send future (call ``.get()`` to wait)."""
    return producer.send(
        topic,
        key=key.encode(),
        value=events.pack(payload, service),
        headers=record_headers(payload.DESCRIPTOR.full_name),
    )


class RetryLater(Exception):
    """A dependency the handler needs cannot answer now; the record itself is fine.

    The consumer stops the batch without committing, waits and reconnects, so the record is
    delivered again from the last commit instead of being dead-lettered during an outage.
    """


class EventConsumer:
    """Consumes casework envelopes and dispatches them by payload type.

    ``handlers`` maps a payload message class to ``handler(message, event)``.
    Payload types with no handler are skipped (other consumers may want them).
    """

    def __init__(
        self,
        settings: KafkaSettings,
        group_id: str,
        topics: list[str],
        handlers: dict[type[Message], Handler],
        producer: KafkaProducer,
        max_poll_records: int = 50,
        on_dead_letter: DeadLetterHook | None = None,
        prompt: bool = False,
    ) -> None:
        """``prompt``: someone is waiting for these records (an upload on its way to being
        searchable), so fetches wait at most ``kafka_prompt_fetch_wait_ms`` at the broker."""
        self.settings = settings
        self.group_id = group_id
        self.topics = topics
        self.handlers = {cls.DESCRIPTOR.full_name: (cls, fn) for cls, fn in handlers.items()}
        self.producer = producer
        self.max_poll_records = max_poll_records
        self.on_dead_letter = on_dead_letter
        self.prompt = prompt
        self._stop = threading.Event()  # run()'s, once it runs
        factory = metrics.Metrics(settings.service_name)
        self._consumed = factory.counter(
            "events_consumed_total", "Kafka records handled, by outcome.", ("topic", "outcome")
        )
        self._handling = factory.histogram("event_handling_seconds", "Time to handle one record.", ("topic",))
        self._dead = factory.counter("dlq_messages_total", "Records sent to a dead-letter topic.", ("topic",))
        self._lag = factory.gauge(
            "consumer_lag_messages", "Records not yet consumed on this member's partitions.", ("topic", "group")
        )

    def _consumer(self) -> KafkaConsumer:
        wait = {"fetch_max_wait_ms": self.settings.kafka_prompt_fetch_wait_ms} if self.prompt else {}
        return KafkaConsumer(
            *self.topics,
            **client_options(self.settings),
            group_id=self.group_id,
            client_id=f"{self.settings.service_name}-{self.group_id}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=self.settings.kafka_heartbeat_interval_ms,
            max_poll_interval_ms=self.settings.kafka_max_poll_interval_ms,
            max_poll_records=self.max_poll_records,
            **wait,
        )

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set; reconnects after broker errors."""
        self._stop = stop
        while not stop.is_set():
            consumer = None
            try:
                consumer = self._consumer()
                log.info("consuming %s as group %s", self.topics, self.group_id)
                while not stop.is_set():
                    batches = consumer.poll(timeout_ms=500)
                    for records in batches.values():
                        for record in records:
                            self._handle(record)
                    if batches:
                        self._commit(consumer, stop)
                    self._report_lag(consumer)
            except CommitAbandoned:
                log.info("consumer %s stopped before its last commit; the batch will be read again", self.group_id)
            except RetryLater as exc:
                log.warning("consumer %s waits for a dependency (%s); reading again shortly", self.group_id, exc)
                stop.wait(2)
            except Exception:
                log.exception("consumer %s failed; reconnecting", self.group_id)
                stop.wait(2)
            finally:
                if consumer is not None:
                    try:
                        # Offsets are committed after each handled batch, never on close; and leaving
                        # the group is bounded, so a broker that is gone cannot hold up a stopping
                        # process (the group notices after session_timeout_ms anyway).
                        consumer.close(autocommit=False, timeout_ms=CLOSE_TIMEOUT_MS)
                    except Exception:
                        log.warning("consumer close failed", exc_info=True)

    def _commit(self, consumer: KafkaConsumer, stop: threading.Event) -> None:
        """Commit what the last poll returned. A commit waits for the group coordinator, for up to
        ``request_timeout_ms`` when the broker is gone; asked in short slices instead, so that a
        stopping process does not wait that out (an uncommitted batch is read again: at least once)."""
        deadline = time.monotonic() + COMMIT_TIMEOUT_S
        while True:
            try:
                consumer.commit(timeout_ms=COMMIT_SLICE_MS)
                return
            except KafkaTimeoutError:
                if stop.is_set():
                    raise CommitAbandoned from None
                if time.monotonic() >= deadline:
                    raise

    def _report_lag(self, consumer: KafkaConsumer) -> None:
        # The high-water marks come back with every fetch: no extra request to the broker.
        # position() without a timeout waits for whatever it still has to ask the broker (a committed
        # offset after a rebalance, a leader-epoch check), for ever when the broker is gone: a
        # partition whose position is not known yet is left out of this report instead.
        lag = dict.fromkeys(self.topics, 0)
        for partition in consumer.assignment():
            highwater = consumer.highwater(partition)
            position = consumer.position(partition, timeout_ms=0) if highwater is not None else None
            if highwater is not None and position is not None:
                lag[partition.topic] += max(0, highwater - position)
        for topic, behind in lag.items():
            self._lag.labels(topic, self.group_id).set(behind)

    def _handle(self, record: ConsumerRecord) -> None:
        started = time.perf_counter()
        try:
            event = events.unpack(record.value)
        except events.EnvelopeError as exc:
            self._to_dlq(record, exc, attempts=0)
            return
        entry = self.handlers.get(event.type_name)
        if entry is None:
            self._consumed.labels(record.topic, "skipped").inc()
            return
        cls, handler = entry
        with tracing.bound(event.trace_id or None):
            for attempt in range(1, self.settings.kafka_max_attempts + 1):
                try:
                    handler(event.unpack(cls), event)
                    self._consumed.labels(record.topic, "ok").inc()
                    break
                except events.EnvelopeError as exc:  # wrong payload type or corrupt bytes: retrying cannot help
                    self._to_dlq(record, exc, attempt)
                    break
                except RetryLater:
                    self._consumed.labels(record.topic, "deferred").inc()
                    raise
                except Exception as exc:
                    # A stopping process neither retries nor dead-letters: the failure may be the
                    # stop itself (a subprocess the stop signal ended), and the uncommitted record
                    # is read again after the restart.
                    if self._stop.is_set():
                        raise CommitAbandoned("stopping while a record's handler failed") from exc
                    if attempt == self.settings.kafka_max_attempts:
                        self._to_dlq(record, exc, attempt)
                        break
                    log.warning("handler failed (attempt %d), retrying", attempt, exc_info=True)
                    time.sleep(min(0.5 * 2 ** (attempt - 1), 10))
        self._handling.labels(record.topic).observe(time.perf_counter() - started)

    def _to_dlq(self, record: ConsumerRecord, exc: BaseException, attempts: int) -> None:
        log.error(
            "record %s/%d@%d dead-lettered after %d attempts: %s",
            record.topic,
            record.partition,
            record.offset,
            attempts,
            exc,
        )
        headers = [
            *(record.headers or []),
            ("casework-error", f"{type(exc).__name__}: {exc}"[:1000].encode()),
            ("casework-source", f"{record.topic}/{record.partition}/{record.offset}".encode()),
            ("casework-attempts", str(attempts).encode()),
            # Every group that handles the topic dead-letters a poison record once: say which one.
            ("casework-group", self.group_id.encode()),
        ]
        sent = self.producer.send(dlq_topic(record.topic), key=record.key, value=record.value, headers=headers)
        wait_acknowledged(sent, self._stop)
        self._dead.labels(record.topic).inc()
        self._consumed.labels(record.topic, "dead-lettered").inc()
        self._notify_dead_letter(record, exc)

    def _notify_dead_letter(self, record: ConsumerRecord, exc: BaseException) -> None:
        """Run the dead-letter hook, if any. Whatever it raises is logged and swallowed: the record
        is already on the DLQ, and letting the error escape would skip the commit and redeliver
        (and dead-letter) the same record for ever, blocking its partition."""
        if self.on_dead_letter is None:
            return
        try:
            self.on_dead_letter(self._decoded_payload(record), exc)
        except Exception:
            log.exception("dead-letter hook failed for %s/%d@%d", record.topic, record.partition, record.offset)

    def _decoded_payload(self, record: ConsumerRecord) -> Message | None:
        """The record's payload as its handler's message type, or None if it does not decode."""
        try:
            event = events.unpack(record.value)
            entry = self.handlers.get(event.type_name)
            return event.unpack(entry[0]) if entry else None
        except events.EnvelopeError:
            return None
