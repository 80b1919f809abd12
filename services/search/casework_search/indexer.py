"""Keeps the indices current from Kafka: each ``evidence.extracted`` event becomes one
document per page (with the item's document facts), each ``EvidenceFactsChanged`` on
``evidence.status`` (a rep's correction) updates the facts on the item's pages, each
``case.events`` change with facts rewrites the case document."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from kafka import KafkaProducer
from minio import Minio

from casework.v1 import events_pb2
from casework_common import events, kafka, metrics, storage
from casework_common.events import Event
from casework_search.availability import IndexUnavailable, index_answers
from casework_search.index_documents import case_document, facts_fields, page_document
from casework_search.indices import Indices

log = logging.getLogger(__name__)
ERASED_REASON = "Not searchable: this case's search entries were erased under data protection."
_metrics = metrics.Metrics("search")


PAGES_INDEXED = _metrics.counter("pages_indexed_total", "Evidence pages written to the index.")
CASES_INDEXED = _metrics.counter("cases_indexed_total", "Case documents written to the index.")
PAGES_REFUSED = _metrics.counter(
    "pages_refused_total", "Evidence pages not indexed: their case's search documents were erased."
)
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
        # Once the case's search documents are erased (search.erasure), a late event (a slow OCR, intake's
        # reconciler sending the item again) must not bring pages back; its texts may be gone too.
        with _index_or_retry_later():
            refused = self.indices.pages_refused(ref.case_id)
        if refused:
            PAGES_REFUSED.inc(len(extracted.pages))
            self._announce(ref, extracted.notes, 0, len(extracted.pages), indexed=False)
            return
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
            indexed = self._write_unless_erased(ref, docs)
        self._announce(ref, extracted.notes, len(docs), len(docs), indexed=indexed)

    def _announce(self, ref: events_pb2.EvidenceRef, notes: str, done: int, total: int, *, indexed: bool) -> None:
        """Tell intake the item's status; a refused item ends not_indexed, so intake's reconciler
        does not send it round again."""
        status = events_pb2.EVIDENCE_STATUS_INDEXED if indexed else events_pb2.EVIDENCE_STATUS_NOT_INDEXED
        kafka.publish(
            self.producer,
            events.EVIDENCE_STATUS,
            ref.evidence_id,
            events_pb2.EvidenceStatusChanged(
                evidence_id=ref.evidence_id,
                case_id=ref.case_id,
                status=status,
                reason=notes if indexed else ERASED_REASON,
                pages_done=done if indexed else 0,
                pages_total=total,
            ),
            self.service,
        ).get(timeout=30)
        log.info("evidence %s %s (%d pages)", ref.evidence_id, "indexed" if indexed else "refused", total)

    def _write_unless_erased(self, ref: events_pb2.EvidenceRef, docs: list[dict[str, Any]]) -> bool:
        """Write the item's pages unless its case's search documents were erased (checked again:
        the texts took a while to read). True if written."""
        if self.indices.pages_refused(ref.case_id):
            PAGES_REFUSED.inc(len(docs))
            return False
        self.indices.write_pages(docs)
        # The erasure may have marked the case while these were written: it deletes what it sees
        # after its mark (refreshed), and pages written after that see the mark here and go again.
        if self.indices.pages_refused(ref.case_id):
            self.indices.delete_pages(d["doc_id"] for d in docs)
            PAGES_REFUSED.inc(len(docs))
            return False
        PAGES_INDEXED.inc(len(docs))
        return True
