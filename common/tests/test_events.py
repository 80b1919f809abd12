"""The Kafka envelope: typed payloads in, the same payloads out, garbage refused."""

import pytest

from casework.v1 import events_pb2
from casework_common import events, tracing


def test_envelope_round_trip_keeps_payload_and_trace() -> None:
    payload = events_pb2.EvidenceStatusChanged(evidence_id="e1", status=events_pb2.EVIDENCE_STATUS_INDEXED)
    with tracing.bound("b" * 32):
        data = events.pack(payload, "search")
    event = events.unpack(data)
    assert event.trace_id == "b" * 32 and event.producer == "search" and event.event_id
    assert event.type_name == "casework.v1.EvidenceStatusChanged"
    assert event.unpack(events_pb2.EvidenceStatusChanged) == payload
    assert event.occurred_at > 1_700_000_000


def test_unpacking_the_wrong_type_is_an_envelope_error() -> None:
    event = events.unpack(events.pack(events_pb2.CaseChanged(kind="created"), "workflow"))
    with pytest.raises(events.EnvelopeError):
        event.unpack(events_pb2.EvidenceUploaded)


@pytest.mark.parametrize(
    "data", [b"", b"\xff\xfe\xfd garbage", events_pb2.EventEnvelope(event_id="x").SerializeToString()]
)
def test_non_envelopes_are_refused(data: bytes) -> None:
    with pytest.raises(events.EnvelopeError):
        events.unpack(data)
