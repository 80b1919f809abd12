"""Typed event envelopes for Kafka: every record value is a ``casework.v1.EventEnvelope``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf import any_pb2, timestamp_pb2
from google.protobuf.message import DecodeError, Message

from casework.v1 import events_pb2
from casework_common import tracing

# Topic names. Each has a sibling "<topic>.dlq" for messages that could not be handled.
EVIDENCE_UPLOADED = "evidence.uploaded"
EVIDENCE_EXTRACTED = "evidence.extracted"
EVIDENCE_STATUS = "evidence.status"
CASE_EVENTS = "case.events"
OCR_PAGES = "ocr.pages"
AUDIT_REFUSALS = "audit.refusals"  # refused requests, from every API service to workflow's audit log
BUNDLE_JOBS = "bundle.jobs"  # bundles to build, from the bundle API (outbox) to its workers
AUDIT_SHARES = "audit.shares"  # accesses to bundles shared by link, from the bundle API (outbox) to the audit log
DATA_ERASURES = "dataprotection.erasures"  # a case's data to remove, from workflow (outbox) to every holder
DATA_RECEIPTS = "dataprotection.receipts"  # one kind removed by one holder, back to workflow's audit log
ORGANISING_EVENTS = "organising.events"  # follow-ups due, help asked, materials ordered: organising (outbox) to notify
ALL_TOPICS = (
    EVIDENCE_UPLOADED,
    EVIDENCE_EXTRACTED,
    EVIDENCE_STATUS,
    CASE_EVENTS,
    OCR_PAGES,
    AUDIT_REFUSALS,
    BUNDLE_JOBS,
    AUDIT_SHARES,
    DATA_ERASURES,
    DATA_RECEIPTS,
    ORGANISING_EVENTS,
)

M = TypeVar("M", bound=Message)


class EnvelopeError(ValueError):
    """A record that is not a decodable casework envelope (a poison message)."""


@dataclass(frozen=True)
class Event:
    """A decoded envelope: metadata plus the payload still packed in ``Any``."""

    event_id: str
    trace_id: str
    producer: str
    occurred_at: float
    payload: any_pb2.Any

    @property
    def type_name(self) -> str:
        """Full protobuf name of the payload, e.g. ``casework.v1.EvidenceUploaded``."""
        return self.payload.TypeName()

    def unpack(self, cls: type[M]) -> M:
        """The payload as ``cls``; EnvelopeError if it is another type or its bytes do not decode."""
        message = cls()
        try:
            unpacked = self.payload.Unpack(message)
        except DecodeError as exc:
            raise EnvelopeError(f"corrupt {self.type_name} payload: {exc}") from exc
        if not unpacked:
            raise EnvelopeError(f"payload is {self.type_name}, not {cls.DESCRIPTOR.full_name}")
        return message


def pack(payload: Message, producer: str, event_id: str | None = None) -> bytes:
    """Serialise ``payload`` in an envelope stamped with the current trace id."""
    envelope = events_pb2.EventEnvelope(
        event_id=event_id or str(uuid.uuid4()),
        trace_id=tracing.current_trace_id() or tracing.new_trace_id(),
        producer=producer,
    )
    envelope.occurred_at.GetCurrentTime()
    envelope.payload.Pack(payload)
    return envelope.SerializeToString()


def unpack(data: bytes) -> Event:
    """Decode a record value; EnvelopeError if it is not an envelope."""
    envelope = events_pb2.EventEnvelope()
    try:
        envelope.ParseFromString(data)
    except DecodeError as exc:
        raise EnvelopeError(f"not an EventEnvelope: {exc}") from exc
    if not envelope.event_id or not envelope.payload.type_url:
        raise EnvelopeError("envelope without event_id or payload")
    occurred: timestamp_pb2.Timestamp = envelope.occurred_at
    return Event(
        event_id=envelope.event_id,
        trace_id=envelope.trace_id,
        producer=envelope.producer,
        occurred_at=occurred.seconds + occurred.nanos / 1e9,
        payload=envelope.payload,
    )
