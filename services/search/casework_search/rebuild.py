"""Rebuilding the indices from the systems of record: workflow's cases (over gRPC) and
intake's evidence records with the page texts in S3. Needed after a mapping change, and
whenever the search cluster lost its data (the one-machine OpenSearch stand-in keeps
nothing across restarts). Each rebuild fills fresh indices and swaps the aliases.

A rebuild is bound by round trips, not by work: cases go to the index one bulk request per page
of workflow's list, and page texts are read from S3 several at a time, then written in bulk
requests of many items' pages together."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from minio import Minio
from minio.error import S3Error

from casework.v1 import events_pb2
from casework_common import storage
from casework_common.intake_client import IntakeClient
from casework_common.service_token import ServiceTokenProvider
from casework_common.vocabulary import VISIBILITIES
from casework_common.workflow_client import WorkflowClient
from casework_search.index_documents import case_document, facts_from_record, page_document
from casework_search.indices import CASES, PAGES, SPECS, Indices

log = logging.getLogger(__name__)

# Page texts read from S3 at once: each read is one small object, so a rebuild waits on round
# trips; a few in flight keep the object store busy without crowding out live traffic.
TEXT_READERS = 8
# Pages read, then written in one go (a bound on the texts held in memory; an item with more
# pages than this is still read whole, as its own batch).
PAGE_BATCH = 500
# How often the rebuilder looks whether an index is missing (the search server lost its data) or
# outdated: two alias lookups per index, and until it looks every search answers 503.
CHECK_INTERVAL_S = 1.0


def _fill_cases(indices: Indices, workflow: WorkflowClient, tokens: ServiceTokenProvider, target: str) -> int:
    count, page_token = 0, ""
    while True:
        page = workflow.list_case_facts(tokens.token(), page_token)
        indices.write_cases(((case_document(facts), facts.version) for facts in page.cases), target)
        count += len(page.cases)
        page_token = page.next_page_token
        if not page_token:
            return count


def _indexed_items(intake: IntakeClient, tokens: ServiceTokenProvider) -> Iterator[dict[str, Any]]:
    """Every indexed evidence record intake holds, page by page of its list."""
    cursor = None
    while True:
        body = intake.list_evidence(tokens.token(), "indexed", 200, cursor)
        yield from body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return


def _batches(items: Iterable[dict[str, Any]], pages: int = PAGE_BATCH) -> Iterator[list[dict[str, Any]]]:
    """Items grouped so that each group has about ``pages`` pages (an item is never split)."""
    batch: list[dict[str, Any]] = []
    held = 0
    for item in items:
        batch.append(item)
        held += item["pages_total"]
        if held >= pages:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _evidence_ref(item: dict[str, Any]) -> events_pb2.EvidenceRef:
    ref = events_pb2.EvidenceRef(
        evidence_id=item["id"],
        case_id=item["case_id"],
        branch=item["branch"],
        region=item["region"],
        visibility=VISIBILITIES[item["visibility"]],
        filename=item["filename"],
        content_type=item["content_type"],
    )
    ref.uploaded_at.FromJsonString(item["uploaded_at"])
    return ref


def _fill_pages(
    indices: Indices,
    s3: Minio,
    text_bucket: str,
    intake: IntakeClient,
    tokens: ServiceTokenProvider,
    target: str,
    refused: frozenset[str] = frozenset(),
) -> int:
    pages = 0
    wanted = (item for item in _indexed_items(intake, tokens) if item["case_id"] not in refused)
    with ThreadPoolExecutor(TEXT_READERS, thread_name_prefix="rebuild-texts") as readers:
        for batch in _batches(wanted):
            docs = []
            for item, texts in zip(batch, _page_texts(readers, s3, text_bucket, batch), strict=True):
                if texts is None:
                    continue
                ref, facts = _evidence_ref(item), facts_from_record(item.get("facts"))
                docs += [
                    page_document(ref, n, text, item.get("metadata"), facts) for n, text in enumerate(texts, start=1)
                ]
            pages += indices.write_pages(docs, target=target)
    return pages


def _read_text(s3: Minio, text_bucket: str, key: str) -> str | None:
    """A page's text, or None when it is gone."""
    try:
        return storage.read_text(s3, text_bucket, key)
    except S3Error as exc:
        if exc.code != "NoSuchKey":
            raise
        return None


def _page_texts(
    readers: ThreadPoolExecutor, s3: Minio, text_bucket: str, items: list[dict[str, Any]]
) -> list[list[str] | None]:
    """Each item's page texts (read concurrently), or None for an item whose texts are gone: a
    retention schedule may erase page texts before search documents (docs/design.md, 'Retention,
    legal holds and erasure'), and one such item must not stop the whole rebuild."""
    keys = [storage.page_text_key(item["id"], n) for item in items for n in range(1, item["pages_total"] + 1)]
    texts = iter(list(readers.map(lambda key: _read_text(s3, text_bucket, key), keys)))
    result: list[list[str] | None] = []
    for item in items:
        mine = [next(texts) for _ in range(item["pages_total"])]
        if any(text is None for text in mine):
            log.warning("evidence %s has no page texts any more; not indexed by this rebuild", item["id"])
            result.append(None)
        else:
            result.append([text for text in mine if text is not None])
    return result


class Rebuilder:
    """Rebuilds both indices on demand, or by itself whenever one is missing or outdated."""

    def __init__(
        self,
        indices: Indices,
        workflow: WorkflowClient,
        s3: Minio,
        text_bucket: str,
        intake: IntakeClient,
        tokens: ServiceTokenProvider,
    ) -> None:
        self.indices = indices
        self.workflow = workflow
        self.s3 = s3
        self.text_bucket = text_bucket
        self.intake = intake
        self.tokens = tokens
        self.requested = threading.Event()
        self.lock = threading.Lock()
        self.completed = 0  # rebuilds finished since start-up, reported by the admin API
        self._pending: dict[str, str] | None = None

    def prepare(self) -> None:
        """At start-up: if an index is missing or outdated, create its replacement now, so
        live writes have somewhere to go from the first event; ``run`` then fills it."""
        if not all(self.indices.is_current(spec) for spec in SPECS):
            self._pending = {spec.name: self.indices.begin_rebuild(spec) for spec in SPECS}
            self.requested.set()

    def rebuild(self) -> tuple[int, int]:
        """Fill fresh indices from the records, then swap both aliases; returns (cases, pages)."""
        with self.lock:
            started = time.monotonic()
            new = self._pending or {spec.name: self.indices.begin_rebuild(spec) for spec in SPECS}
            self._pending = None
            # Erased cases (search.erasure) stay erased: their anonymised documents go over first,
            # with a version no case facts from workflow can beat, and their pages are not read back.
            erased = self.indices.erased_cases(self.indices.alias(CASES))
            self.indices.write_erased_cases(erased.values(), self.indices.building_alias(CASES))
            cases = _fill_cases(self.indices, self.workflow, self.tokens, self.indices.building_alias(CASES))
            cases_done = time.monotonic()
            pages = _fill_pages(
                self.indices,
                self.s3,
                self.text_bucket,
                self.intake,
                self.tokens,
                self.indices.building_alias(PAGES),
                frozenset(k for k, doc in erased.items() if "search_documents" in doc.get("erased_kinds", [])),
            )
            # A case erased while this rebuild ran was marked in the new index too; pages of it read
            # before that go now, before the new index answers.
            swept = self.indices.sweep_erased_pages(
                self.indices.building_alias(CASES), self.indices.building_alias(PAGES)
            )
            if swept:
                log.info("rebuild: %d pages of cases erased meanwhile left out", swept)
            for spec in SPECS:
                self.indices.finish_rebuild(spec, new[spec.name])
            self.completed += 1
            log.info(
                "indices rebuilt from the systems of record: %d cases (%.1f s), %d pages (%.1f s)",
                cases,
                cases_done - started,
                pages,
                time.monotonic() - cases_done,
            )
            return cases, pages

    def run(self, stop: threading.Event) -> None:
        """Loop: rebuild when asked to, or when an index is missing or of an older mapping."""
        while not stop.is_set():
            try:
                if self.requested.is_set() or not all(self.indices.is_current(spec) for spec in SPECS):
                    self.requested.clear()
                    self.rebuild()
            except Exception:
                log.warning("index rebuild failed; retrying in 5 s", exc_info=True)
                self.requested.set()
                stop.wait(5.0)
                continue
            self.requested.wait(CHECK_INTERVAL_S)
