"""Rebuilding the indices from the systems of record: workflow's cases (over gRPC) and
intake's evidence records with the page texts in S3. Needed after a mapping change, and
whenever the search cluster lost its data (the one-machine OpenSearch stand-in keeps
nothing across restarts). Each rebuild fills fresh indices and swaps the aliases."""

from __future__ import annotations

import logging
import threading

import requests
from minio import Minio
from minio.error import S3Error

from casework.v1 import events_pb2
from casework_common import storage
from casework_common.service_token import ServiceTokenProvider
from casework_common.workflow_client import WorkflowClient
from casework_search.documents import case_document, facts_from_record, page_document
from casework_search.indices import CASES, PAGES, SPECS, Indices

log = logging.getLogger(__name__)

VISIBILITY = {"member": events_pb2.VISIBILITY_MEMBER, "reps": events_pb2.VISIBILITY_REPS}


def _fill_cases(indices: Indices, workflow: WorkflowClient, tokens: ServiceTokenProvider, target: str) -> int:
    count, page_token = 0, ""
    while True:
        page = workflow.list_case_facts(tokens.token(), page_token)
        for facts in page.cases:
            indices.write_case(case_document(facts), facts.version, target=target)
        count += len(page.cases)
        page_token = page.next_page_token
        if not page_token:
            return count


def _fill_pages(
    indices: Indices,
    s3: Minio,
    text_bucket: str,
    intake_url: str,
    tokens: ServiceTokenProvider,
    target: str,
    refused: frozenset[str] = frozenset(),
) -> int:
    pages, cursor = 0, None
    while True:
        params = {"status": "indexed", "limit": 200, **({"cursor": cursor} if cursor else {})}
        response = requests.get(
            f"{intake_url}/v1/evidence",
            params=params,
            timeout=30,
            headers={"Authorization": f"Bearer {tokens.token()}"},
        )
        response.raise_for_status()
        body = response.json()
        for item in body["items"]:
            if item["case_id"] in refused:  # its case's search documents were erased
                continue
            ref = events_pb2.EvidenceRef(
                evidence_id=item["id"],
                case_id=item["case_id"],
                branch=item["branch"],
                region=item["region"],
                visibility=VISIBILITY[item["visibility"]],
                filename=item["filename"],
                content_type=item["content_type"],
            )
            ref.uploaded_at.FromJsonString(item["uploaded_at"])
            texts = _page_texts(s3, text_bucket, item["id"], item["pages_total"])
            if texts is None:
                continue
            docs = [
                page_document(ref, n, text, item.get("metadata"), facts_from_record(item.get("facts")))
                for n, text in enumerate(texts, start=1)
            ]
            pages += indices.write_pages(docs, target=target)
        cursor = body.get("next_cursor")
        if not cursor:
            return pages


def _page_texts(s3: Minio, text_bucket: str, evidence_id: str, pages_total: int) -> list[str] | None:
    """The item's page texts, or None when they are gone: a retention schedule may erase page texts
    before search documents (issue 19), and one such item must not stop the whole rebuild."""
    try:
        return [
            storage.read_text(s3, text_bucket, storage.page_text_key(evidence_id, n)) for n in range(1, pages_total + 1)
        ]
    except S3Error as exc:
        if exc.code != "NoSuchKey":
            raise
        log.warning("evidence %s has no page texts any more; not indexed by this rebuild", evidence_id)
        return None


class Rebuilder:
    """Rebuilds both indices on demand, or by itself whenever one is missing or outdated."""

    def __init__(
        self,
        indices: Indices,
        workflow: WorkflowClient,
        s3: Minio,
        text_bucket: str,
        intake_url: str,
        tokens: ServiceTokenProvider,
    ) -> None:
        self.indices = indices
        self.workflow = workflow
        self.s3 = s3
        self.text_bucket = text_bucket
        self.intake_url = intake_url
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
            new = self._pending or {spec.name: self.indices.begin_rebuild(spec) for spec in SPECS}
            self._pending = None
            # Erased cases (issue 19) stay erased: their anonymised documents go over first, with a
            # version no case facts from workflow can beat, and their pages are not read back.
            erased = self.indices.erased_cases(self.indices.alias(CASES))
            for doc in erased.values():
                self.indices.write_erased_case(doc, target=self.indices.building_alias(CASES))
            cases = _fill_cases(self.indices, self.workflow, self.tokens, self.indices.building_alias(CASES))
            pages = _fill_pages(
                self.indices,
                self.s3,
                self.text_bucket,
                self.intake_url,
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
            log.info("indices rebuilt from the systems of record: %d cases, %d pages", cases, pages)
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
            self.requested.wait(5.0)
