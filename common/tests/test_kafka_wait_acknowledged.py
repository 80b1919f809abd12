"""kafka.wait_acknowledged: how a consumer waits for a record it sent to a dead-letter topic (pure
logic, on kafka-python's own future objects, no broker; consumers against a real and a dead broker
are tested in tests/test_messaging.py and tests/test_faults.py)."""

from __future__ import annotations

import threading

import pytest
from kafka.errors import KafkaTimeoutError, NotLeaderForPartitionError
from kafka.producer.future import FutureProduceResult, FutureRecordMetadata
from kafka.structs import TopicPartition

from casework_common import kafka


def record_future() -> tuple[FutureProduceResult, FutureRecordMetadata]:
    """A batch's future and one record's future in it, as KafkaProducer.send makes them."""
    batch = FutureProduceResult(TopicPartition("t.dlq", 0))
    return batch, FutureRecordMetadata(batch, 0, 0, None, 1, 1, 0)


def stopped() -> threading.Event:
    stop = threading.Event()
    stop.set()
    return stop


def test_an_acknowledged_record_returns_even_when_stopping() -> None:
    batch, record = record_future()
    batch.success((7, -1, None))
    kafka.wait_acknowledged(record, stopped())


def test_a_refused_record_raises_the_brokers_error() -> None:
    batch, record = record_future()
    batch.failure(NotLeaderForPartitionError())
    with pytest.raises(NotLeaderForPartitionError):
        kafka.wait_acknowledged(record, threading.Event())


def test_a_record_whose_delivery_expired_raises_its_timeout_not_abandoned() -> None:
    batch, record = record_future()
    batch.failure(KafkaTimeoutError("expired"))
    with pytest.raises(KafkaTimeoutError):
        kafka.wait_acknowledged(record, stopped())


def test_a_stopping_process_abandons_the_wait_so_nothing_is_committed() -> None:
    _batch, record = record_future()  # never acknowledged: the broker is gone
    with pytest.raises(kafka.CommitAbandoned):
        kafka.wait_acknowledged(record, stopped())


def test_without_a_stop_the_wait_ends_at_the_send_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafka, "SEND_TIMEOUT_S", 0.5)
    _batch, record = record_future()
    with pytest.raises(KafkaTimeoutError):
        kafka.wait_acknowledged(record, threading.Event())
