"""outbox.wait_sent: how a relay waits for the broker's acknowledgement of a record (pure logic, on
kafka-python's own future objects, no broker; the relay against a real and a dead broker is tested in
tests/test_messaging.py and tests/test_faults.py)."""

from __future__ import annotations

import threading

import pytest
from kafka.errors import KafkaTimeoutError, NotLeaderForPartitionError
from kafka.producer.future import FutureProduceResult, FutureRecordMetadata
from kafka.structs import TopicPartition

from casework_common import outbox


def record_future() -> tuple[FutureProduceResult, FutureRecordMetadata]:
    """A batch's future and one record's future in it, as KafkaProducer.send makes them."""
    batch = FutureProduceResult(TopicPartition("t", 0))
    return batch, FutureRecordMetadata(batch, 0, 0, None, 1, 1, 0)


def test_an_acknowledged_record_returns() -> None:
    batch, record = record_future()
    batch.success((41, -1, None))
    outbox.wait_sent(record, threading.Event())


def test_a_refused_record_raises_the_brokers_error() -> None:
    batch, record = record_future()
    batch.failure(NotLeaderForPartitionError())
    with pytest.raises(NotLeaderForPartitionError):
        outbox.wait_sent(record, threading.Event())


def test_a_record_whose_delivery_expired_raises_its_timeout_not_stopped() -> None:
    batch, record = record_future()
    batch.failure(KafkaTimeoutError("expired"))
    stop = threading.Event()
    stop.set()
    with pytest.raises(KafkaTimeoutError):
        outbox.wait_sent(record, stop)


def test_a_stopping_process_does_not_wait_for_a_broker_that_is_gone() -> None:
    _batch, record = record_future()  # never acknowledged
    stop = threading.Event()
    stop.set()
    with pytest.raises(outbox.RelayStopped):
        outbox.wait_sent(record, stop)


def test_without_a_stop_the_wait_ends_at_the_send_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "SEND_TIMEOUT_S", 0.5)
    _batch, record = record_future()
    with pytest.raises(KafkaTimeoutError):
        outbox.wait_sent(record, None)
