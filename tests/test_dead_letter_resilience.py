"""A record whose envelope decodes but whose payload bytes are corrupt, on the real broker: it goes
to the DLQ exactly once, its offset is committed, and the records behind it on the partition flow on
(the dead-letter path once decoded the payload again, raised, and looped for ever)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

import testdocs
from casework.v1 import events_pb2
from casework_common import events, kafka
from casework_common.settings import KafkaSettings
from harness import Platform

pytestmark = pytest.mark.stack

CORRUPT = b"\x0a\xff\x01 truncated field"  # a length-delimited field claiming more bytes than follow


def kafka_settings(platform: Platform, **changes: Any) -> KafkaSettings:
    return KafkaSettings(
        service_name="test",
        kafka_bootstrap=f"127.0.0.1:{platform.config.ports['kafka']}",
        kafka_max_attempts=2,
        **changes,
    )


def corrupt_envelope(payload_type: type[events_pb2.EvidenceUploaded] | type[events_pb2.EvidenceStatusChanged]) -> bytes:
    """A valid envelope whose ``Any`` names ``payload_type`` but carries bytes that do not parse."""
    envelope = events_pb2.EventEnvelope()
    envelope.ParseFromString(events.pack(payload_type(), "test"))
    envelope.payload.value = CORRUPT
    return envelope.SerializeToString()


def send_corrupt(producer: KafkaProducer, topic: str, key: str, partition: int | None = None) -> int:
    """Produce one corrupt-payload record; returns its offset."""
    payload_type = (
        events_pb2.EvidenceUploaded if topic == events.EVIDENCE_UPLOADED else events_pb2.EvidenceStatusChanged
    )
    future = producer.send(
        topic,
        key=key.encode(),
        value=corrupt_envelope(payload_type),
        headers=kafka.record_headers(payload_type.DESCRIPTOR.full_name),
        partition=partition,
    )
    return future.get(timeout=10).offset


def dlq_counts(bootstrap: str, topic: str) -> Counter[tuple[bytes, bytes]]:
    """How often each (key, dead-lettering consumer group) occurs on ``topic``'s DLQ, read from
    the start to its current end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(kafka.dlq_topic(topic), p) for p in consumer.partitions_for_topic(kafka.dlq_topic(topic))
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        counts: Counter[tuple[bytes, bytes]] = Counter()
        deadline = time.monotonic() + 30
        while any(consumer.position(p) < ends[p] for p in partitions) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                counts.update((record.key, dict(record.headers).get("casework-group", b"")) for record in batch)
        return counts
    finally:
        consumer.close()


def wait_until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Poll ``predicate`` until it holds or ``timeout_s`` passes (a bound on a hang, not a speed check)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def committed(bootstrap: str, group: str, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    """The group's committed offset per partition (-1 where none)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return {p: consumer.committed(p) or -1 for p in partitions}
    finally:
        consumer.close()


def test_a_corrupt_payload_with_a_failing_hook_is_dead_lettered_once(platform: Platform) -> None:
    """The shared loop with a dead-letter hook that raises: the record is dead-lettered once with
    its error, its offset is committed, and the good record behind it is handled."""
    config = kafka_settings(platform)
    topic = f"test.corrupt.{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(config, [topic], 1)
    producer = kafka.make_producer(config)
    send_corrupt(producer, topic, "corrupt")
    good = kafka.publish(producer, topic, "good", events_pb2.EvidenceStatusChanged(evidence_id="good"), "test")
    good_offset = good.get(timeout=10).offset

    handled: list[str] = []
    hook_calls: list[tuple[object, BaseException]] = []

    def hook(payload: object, error: BaseException) -> None:
        hook_calls.append((payload, error))
        raise RuntimeError("the dead-letter hook is broken too")

    group = f"test-corrupt-{uuid.uuid4().hex[:8]}"
    consumer = kafka.EventConsumer(
        config,
        group,
        [topic],
        {events_pb2.EvidenceStatusChanged: lambda message, _event: handled.append(message.evidence_id)},
        producer,
        on_dead_letter=hook,
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    partition = TopicPartition(topic, 0)
    try:
        wait_until(lambda: committed(config.kafka_bootstrap, group, [partition])[partition] > good_offset, 60)
    finally:
        stop.set()
        thread.join(15)
    producer.close()

    assert handled == ["good"]
    assert committed(config.kafka_bootstrap, group, [partition])[partition] == good_offset + 1
    assert dlq_counts(config.kafka_bootstrap, topic) == Counter({(b"corrupt", group.encode()): 1})
    assert len(hook_calls) == 1 and hook_calls[0][0] is None  # the payload did not decode


def test_a_corrupt_upload_record_does_not_block_the_next_upload(platform: Platform) -> None:
    """On the running platform: a corrupt-payload record on every partition of evidence.uploaded,
    then a real upload, which lands behind one of them and still becomes indexed; each corrupt
    record is on the DLQ exactly once per consumer group that handles uploads (OCR, workflow,
    notify), and the OCR consumer group committed past it."""
    config = kafka_settings(platform)
    producer = kafka.make_producer(config)
    run = uuid.uuid4().hex[:8]
    partitions = sorted(producer.partitions_for(events.EVIDENCE_UPLOADED))
    offsets = {
        TopicPartition(events.EVIDENCE_UPLOADED, p): send_corrupt(
            producer, events.EVIDENCE_UPLOADED, f"corrupt-{run}-{p}", partition=p
        )
        for p in partitions
    }
    producer.close()

    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    item_id = platform.upload(
        "rachel", case["id"], [("after.pdf", testdocs.text_pdf(["after the corrupt record"]), "application/pdf")]
    ).json()["items"][0]["id"]
    assert platform.wait_for_status("rachel", item_id, timeout_s=90)["status"] == "indexed"

    def past_every_corrupt_record() -> bool:
        done = committed(config.kafka_bootstrap, "ocr-documents", list(offsets))
        return all(done[p] > offset for p, offset in offsets.items())

    assert wait_until(past_every_corrupt_record, 60)
    counts = dlq_counts(config.kafka_bootstrap, events.EVIDENCE_UPLOADED)
    mine = {(key, group): n for (key, group), n in counts.items() if key.startswith(f"corrupt-{run}-".encode())}
    assert set(mine.values()) == {1}
    assert {(key, group) for key, group in mine if group == b"ocr-documents"} == {
        (f"corrupt-{run}-{p}".encode(), b"ocr-documents") for p in partitions
    }


def test_a_record_whose_dependency_is_down_waits_instead_of_being_dead_lettered(platform: Platform) -> None:
    """A handler that raises RetryLater (its own dependency is down) more times than the record's
    attempts: the record is read again until the handler succeeds, and nothing is dead-lettered
    (search's indexer dead-lettered records during a search-server outage before)."""
    # The consumer leaves its group at every RetryLater and joins again, and the broker holds each
    # join for half the session timeout: this test's own consumer uses a shorter session (3 s
    # instead of the services' 6 s, heartbeats every 0.5 s) so the five joins take half as long.
    config = kafka_settings(platform, kafka_session_timeout_ms=3000, kafka_heartbeat_interval_ms=500)
    topic = f"test.outage.{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(config, [topic, kafka.dlq_topic(topic)], 1)
    producer = kafka.make_producer(config)
    sent = kafka.publish(producer, topic, "waits", events_pb2.EvidenceStatusChanged(evidence_id="waits"), "test")
    offset = sent.get(timeout=10).offset
    outage_left = [config.kafka_max_attempts + 2]
    handled: list[str] = []

    def handler(message: events_pb2.EvidenceStatusChanged, _event: events.Event) -> None:
        if outage_left[0] > 0:
            outage_left[0] -= 1
            raise kafka.RetryLater("the search server is down")
        handled.append(message.evidence_id)

    group = f"test-outage-{uuid.uuid4().hex[:8]}"
    consumer = kafka.EventConsumer(config, group, [topic], {events_pb2.EvidenceStatusChanged: handler}, producer)
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    partition = TopicPartition(topic, 0)
    try:
        wait_until(lambda: committed(config.kafka_bootstrap, group, [partition])[partition] > offset, 90)
    finally:
        stop.set()
        thread.join(15)
    producer.close()

    assert handled == ["waits"]
    assert outage_left == [0]
    assert committed(config.kafka_bootstrap, group, [partition])[partition] == offset + 1
    assert dlq_counts(config.kafka_bootstrap, topic) == Counter()
