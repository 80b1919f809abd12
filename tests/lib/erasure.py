"""What the erasure tests (docs/design.md, "Retention, legal holds and erasure") share: the
platform's broker as workflow's outbox and the pipeline would use it (a ``CaseDataDue`` published
straight to ``dataprotection.erasures``, late events), whether a consumer group has handled a
record, and the receipts that come back on ``dataprotection.receipts``; and the ordinary S3 identity
every service has."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from minio import Minio

from casework.v1 import events_pb2
from casework_common import events, kafka
from casework_common.vocabulary import DATA_KINDS
from harness import Platform


def wait_until(check: Callable[[], Any], timeout_s: float = 120.0) -> Any:
    """Poll ``check`` until it returns something true, and return that (or the last false answer
    after ``timeout_s``: a bound on a hang, not a speed check)."""
    deadline = time.monotonic() + timeout_s
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.3)
    return result


def ordinary_s3(platform: Platform) -> Minio:
    """The platform's object store with the ordinary identity, as every service has it (it cannot
    bypass object locks)."""
    secrets = platform.config.secrets
    return Minio(
        f"127.0.0.1:{platform.config.ports['s3']}",
        access_key=secrets.s3_access_key,
        secret_key=secrets.s3_secret_key,
        secure=False,
    )


def bootstrap(platform: Platform) -> str:
    """The platform's Kafka, as a client's bootstrap address."""
    return f"127.0.0.1:{platform.config.ports['kafka']}"


class Broker:
    """The test's own producer and readers on the platform's Kafka."""

    def __init__(self, platform: Platform) -> None:
        self.bootstrap = bootstrap(platform)
        self.producer = KafkaProducer(bootstrap_servers=self.bootstrap)

    def publish(self, topic: str, key: str, payload: Message, service: str = "test") -> tuple[int, int]:
        """Send ``payload`` in a casework envelope, as ``service`` would; returns (partition, offset)."""
        sent = kafka.publish(self.producer, topic, key, payload, service).get(timeout=30)
        return sent.partition, sent.offset

    def publish_due(self, case_id: str, request_id: str, kinds: tuple[str, ...]) -> events_pb2.CaseDataDue:
        """A request to erase ``kinds`` (short names) of the case, as workflow's outbox sends it
        (a data-protection officer's granted request); returns it, to be sent again."""
        due = events_pb2.CaseDataDue(
            case_id=case_id,
            kinds=[DATA_KINDS[kind] for kind in kinds],
            reason=events_pb2.ERASURE_REASON_REQUEST,
            request_id=request_id,
            requested_by="dana",
        )
        self.publish(events.DATA_ERASURES, case_id, due, "workflow")
        return due

    def handled(self, group: str, topic: str, partition: int, offset: int, timeout_s: float = 120.0) -> bool:
        """True once ``group`` committed past ``offset``: its handler has returned for that record."""
        tp = TopicPartition(topic, partition)

        def past() -> bool:
            consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=group, enable_auto_commit=False)
            try:
                return (consumer.committed(tp) or -1) > offset
            finally:
                consumer.close()

        return bool(wait_until(past, timeout_s))

    def close(self) -> None:
        self.producer.close()

    def __enter__(self) -> Broker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Receipts:
    """Reads every ``CaseDataErased`` on ``dataprotection.receipts`` from the topic's start, and
    keeps what it read across calls (request ids are unique per test, so the start is safe)."""

    def __init__(self, platform: Platform) -> None:
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap(platform), group_id=None, enable_auto_commit=False)
        partitions = [
            TopicPartition(events.DATA_RECEIPTS, p) for p in self.consumer.partitions_for_topic(events.DATA_RECEIPTS)
        ]
        self.consumer.assign(partitions)
        self.consumer.seek_to_beginning(*partitions)
        self.seen: list[events_pb2.CaseDataErased] = []

    def wait_for(
        self, case_id: str, request_id: str, count: int, *, service: str | None = None, timeout_s: float = 120.0
    ) -> list[events_pb2.CaseDataErased]:
        """The receipts for the case and request (from ``service``, if named), in the order they
        came, once ``count`` arrived (or what came in time)."""

        def mine() -> list[events_pb2.CaseDataErased]:
            return [
                r
                for r in self.seen
                if (r.case_id, r.request_id) == (case_id, request_id) and (service is None or r.service == service)
            ]

        deadline = time.monotonic() + timeout_s
        while len(mine()) < count and time.monotonic() < deadline:
            for batch in self.consumer.poll(timeout_ms=500).values():
                for record in batch:
                    event = events.unpack(record.value)
                    if event.type_name == events_pb2.CaseDataErased.DESCRIPTOR.full_name:
                        self.seen.append(event.unpack(events_pb2.CaseDataErased))
        return mine()

    def close(self) -> None:
        self.consumer.close()


def receipts(
    platform: Platform,
    case_id: str,
    request_id: str,
    count: int,
    *,
    service: str | None = None,
    timeout_s: float = 120.0,
) -> list[events_pb2.CaseDataErased]:
    """The receipts for the case and request (from ``service``, if named) on
    ``dataprotection.receipts``, once ``count`` arrived (or what came in time), read by a reader of
    its own."""
    reader = Receipts(platform)
    try:
        return reader.wait_for(case_id, request_id, count, service=service, timeout_s=timeout_s)
    finally:
        reader.close()
