"""Erasure of a case's data from the search indices, from workflow's ``CaseDataDue`` on
``dataprotection.erasures``; one ``CaseDataErased`` receipt per kind search holds (docs/design.md,
'Erasure in search and notify').

- ``search_documents``: every page document of the case goes from the pages index (the alias and
  any index being built), and the case is marked so its pages are never indexed again (a late
  ``evidence.extracted``, intake's reconciler, a rebuild: see the indexer and the rebuilder).
- ``case_record``: the case's document keeps only anonymised structured facts
  (:func:`casework_search.index_documents.erased_case_document`), so trends and comparators still count
  the case, never show anything that identifies it, and never link to it.

Either kind reduces the case document so: what remains of the case in search is a count, not a
document about a person. The erased document is written with a version above any case event's,
so a replayed or late ``CaseChanged``, or a rebuild from workflow, cannot write personal data back.

A receipt goes only after the removal is confirmed by reading the indices again (refreshed);
anything else raises, and the record is tried again (a search-server outage waits without spending
attempts). A repeat finds nothing more to remove and answers again with ``items_removed`` 0.
"""

from __future__ import annotations

import logging

from kafka import KafkaProducer

from casework.v1 import events_pb2
from casework_common import erasure, metrics
from casework_common.events import Event
from casework_search.index_documents import erased_case_document, personal_fields
from casework_search.indexer import _index_or_retry_later
from casework_search.indices import CASES, Indices

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("search")
ERASED = _metrics.counter("erasures_total", "Kinds of a case's data erased from the indices.", ("kind",))

SERVICE = "search"
GROUP = "search-erasure"


class SearchErasure:
    """The ``search-erasure`` consumer's handler."""

    def __init__(self, indices: Indices, producer: KafkaProducer, service: str = SERVICE) -> None:
        self.indices = indices
        self.producer = producer
        self.service = service

    def handle(self, due: events_pb2.CaseDataDue, _event: Event) -> None:
        kinds = erasure.kinds_held(SERVICE, due)  # those this service holds a copy of
        if not due.case_id or not kinds:
            return  # nothing this service holds
        with _index_or_retry_later():
            removed = self.erase(due.case_id, kinds)
        for kind in kinds:
            pages, case_docs = removed[kind]
            if kind == "search_documents":
                detail = f"{pages} evidence page documents deleted; the case's pages are refused from now on"
            else:
                detail = "case document reduced to anonymised facts" + ("" if case_docs else " (already, or absent)")
            receipt = erasure.receipt(due.case_id, kind, self.service, due.request_id, pages + case_docs, detail)
            erasure.send_receipt(self.producer, receipt)  # waits for the broker; unsent, it raises
            ERASED.labels(kind).inc()
        log.info("case %s: %s erased from the search indices (request %s)", due.case_id, kinds, due.request_id)

    def erase(self, case_id: str, kinds: list[str]) -> dict[str, tuple[int, int]]:
        """Remove ``kinds`` of the case from the indices and confirm it; returns, per kind,
        (page documents deleted, case documents anonymised)."""
        # The mark first: from here on the indexer refuses the case's pages, so a page written by a
        # late event either sees the mark (and deletes itself) or was written before it, and the
        # deletion below (after a refresh) removes it.
        copies = self.indices.case_copies(case_id)
        alias_doc = copies.get(self.indices.alias(CASES))
        changed = 1 if alias_doc is not None and not alias_doc.get("erased") else 0
        source = alias_doc or next((d for d in copies.values() if d), None)
        for target, doc in copies.items():
            self.indices.write_erased_case(erased_case_document(case_id, doc or source, kinds), target=target)
        pages = self.indices.delete_case_pages(case_id) if "search_documents" in kinds else 0
        self._confirm(case_id, kinds)
        # One case document: counted once, under the case record when both kinds are asked for.
        counted = "case_record" if "case_record" in kinds else kinds[0]
        return {kind: (pages if kind == "search_documents" else 0, changed if kind == counted else 0) for kind in kinds}

    def _confirm(self, case_id: str, kinds: list[str]) -> None:
        """Read the indices again: RuntimeError unless every copy of the case document is erased
        (with these kinds, nothing personal left) and, for search documents, no page is left."""
        for target, doc in self.indices.case_copies(case_id).items():
            if doc is None or not doc.get("erased") or not set(kinds) <= set(doc.get("erased_kinds") or []):
                raise RuntimeError(f"case {case_id}: the erased document is not in {target}")
            if personal_fields(doc):
                raise RuntimeError(f"case {case_id}: {target} still has {personal_fields(doc)}")
        if "search_documents" in kinds and self.indices.case_pages_left(case_id):
            raise RuntimeError(f"case {case_id}: pages still indexed")
