"""Keeps the indices current from Kafka: each ``evidence.extracted`` event becomes one
document per page (with the item's document facts), each ``EvidenceFactsChanged`` on
``evidence.status`` (a rep's correction) updates the facts on the item's pages, each
``case.events`` change with facts rewrites the case document."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from kafka import KafkaProducer
from minio import Minio

from casework.v1 import events_pb2
from casework_common import events, kafka, metrics, storage
from casework_common.events import Event
from casework_search.availability import IndexUnavailable, index_answers
from casework_search.documents import case_document, facts_fields, page_document
from casework_search.indices import Indices

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("search")


PAGES_INDEXED = _metrics.counter("pages_indexed_total", "Evidence pages written to the index.")
CASES_INDEXED = _metrics.counter("cases_indexed_total", "Case documents written to the index.")
FACTS_UPDATED = _metrics.counter("facts_updates_total", "Corrections of an item's document facts applied to its pages.")


@contextlib.contextmanager
def _index_or_retry_later() -> Iterator[None]:
    # A search-server outage must not spend the record's attempts and dead-letter it: the item
    # would stay 'extracting' for good (the fault suite's kill-opensearch case).
    try:
        with index_answers():
            yield
    except IndexUnavailable as exc:
        raise kafka.RetryLater(exc.detail) from exc


class Indexer:
    def __init__(self, indices: Indices, s3: Minio, producer: KafkaProducer, service: str) -> None:
        self.indices = indices
        self.s3 = s3
        self.producer = producer
        self.service = service

    def handle_case(self, changed: events_pb2.CaseChanged, _event: Event) -> None:
        if not changed.HasField("facts"):  # published before case events carried facts
            return
        with _index_or_retry_later():
            written = self.indices.write_case(case_document(changed.facts), changed.facts.version)
        if written:
            CASES_INDEXED.inc()

    def handle_facts_changed(self, changed: events_pb2.EvidenceFactsChanged, _event: Event) -> None:
        """A rep corrected an item's date, title or kind: the event carries the whole set after the
        change, written over the facts of each of the item's pages. An item not indexed yet has no
        pages to change; intake announces its facts again once search says it is indexed."""
        # The set always has a date (intake sends the upload day when nothing dated the item).
        fields = facts_fields(changed.facts, None)
        with _index_or_retry_later():
            pages = self.indices.update_item_facts(changed.evidence_id, fields)
        FACTS_UPDATED.inc()
        log.info("evidence %s: document facts updated on %d pages", changed.evidence_id, pages)

    def handle_evidence(self, extracted: events_pb2.EvidenceExtracted, _event: Event) -> None:
        ref = extracted.evidence
        facts = extracted.facts if extracted.HasField("facts") else None
        docs = [
            page_document(
                ref,
                p.number,
                storage.read_text(self.s3, extracted.text_bucket, p.text_key),
                dict(extracted.metadata),
                facts,
            )
            for p in extracted.pages
        ]
        with _index_or_retry_later():
            self.indices.write_pages(docs)
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
