"""Keeps the index current: each ``evidence.extracted`` event becomes one document per page."""

from __future__ import annotations

import logging
from typing import Any

from kafka import KafkaProducer
from minio import Minio

from casework.v1 import events_pb2
from casework_common import events, kafka, metrics
from casework_common.events import Event
from casework_search.index import EvidenceIndex

log = logging.getLogger(__name__)
PAGES_INDEXED = metrics.Metrics("search").counter("pages_indexed_total", "Evidence pages written to the index.")

VISIBILITY = {events_pb2.VISIBILITY_MEMBER: "member", events_pb2.VISIBILITY_REPS: "reps"}


def page_document(ref: events_pb2.EvidenceRef, page: int, text: str) -> dict[str, Any]:
    return {
        "evidence_id": ref.evidence_id,
        "case_id": ref.case_id,
        "branch": ref.branch,
        "region": ref.region,
        "visibility": VISIBILITY.get(ref.visibility, "reps"),  # unknown: the narrower audience
        "page": page,
        "filename": ref.filename,
        "text": text,
    }


def read_text(s3: Minio, bucket: str, key: str) -> str:
    response = s3.get_object(bucket, key)
    try:
        return response.read().decode("utf-8", "replace")
    finally:
        response.close()
        response.release_conn()


class Indexer:
    def __init__(self, index: EvidenceIndex, s3: Minio, producer: KafkaProducer, service: str) -> None:
        self.index = index
        self.s3 = s3
        self.producer = producer
        self.service = service

    def handle(self, extracted: events_pb2.EvidenceExtracted, _event: Event) -> None:
        ref = extracted.evidence
        docs = [
            page_document(ref, p.number, read_text(self.s3, extracted.text_bucket, p.text_key)) for p in extracted.pages
        ]
        self.index.write_pages(docs)
        PAGES_INDEXED.inc(len(docs))
        kafka.publish(
            self.producer,
            events.EVIDENCE_STATUS,
            ref.evidence_id,
            events_pb2.EvidenceStatusChanged(
                evidence_id=ref.evidence_id,
                case_id=ref.case_id,
                status=events_pb2.EVIDENCE_STATUS_INDEXED,
                reason=extracted.notes,
                pages_done=len(docs),
                pages_total=len(docs),
            ),
            self.service,
        ).get(timeout=30)
        log.info("evidence %s indexed (%d pages)", ref.evidence_id, len(docs))
