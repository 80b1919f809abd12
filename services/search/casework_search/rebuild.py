"""Rebuilding the index from the systems of record: intake's evidence records and the page
texts in S3. Needed after mapping changes, and whenever the search cluster lost its data
(the one-machine OpenSearch stand-in keeps nothing across restarts)."""

from __future__ import annotations

import logging
import threading

import requests
from minio import Minio

from casework.v1 import events_pb2
from casework_common import storage
from casework_common.service_token import ServiceTokenProvider
from casework_search.index import EvidenceIndex
from casework_search.indexer import page_document, read_text

log = logging.getLogger(__name__)

VISIBILITY = {"member": events_pb2.VISIBILITY_MEMBER, "reps": events_pb2.VISIBILITY_REPS}


def rebuild(index: EvidenceIndex, s3: Minio, text_bucket: str, intake_url: str, tokens: ServiceTokenProvider) -> int:
    """Index every page of every indexed evidence item; returns the page count."""
    pages = 0
    cursor: str | None = None
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
            ref = events_pb2.EvidenceRef(
                evidence_id=item["id"],
                case_id=item["case_id"],
                branch=item["branch"],
                region=item["region"],
                visibility=VISIBILITY[item["visibility"]],
                filename=item["filename"],
            )
            docs = [
                page_document(ref, n, read_text(s3, text_bucket, storage.page_text_key(item["id"], n)))
                for n in range(1, item["pages_total"] + 1)
            ]
            pages += index.write_pages(docs)
        cursor = body.get("next_cursor")
        if not cursor:
            return pages


def keep_index_present(
    index: EvidenceIndex,
    s3: Minio,
    text_bucket: str,
    intake_url: str,
    tokens: ServiceTokenProvider,
    needs_rebuild: bool,
    stop: threading.Event,
) -> None:
    """Loop: if the index has gone (new or wiped cluster), create it and rebuild it."""
    while not stop.is_set():
        try:
            if not index.exists():
                index.create()
                needs_rebuild = True
            if needs_rebuild:
                count = rebuild(index, s3, text_bucket, intake_url, tokens)
                needs_rebuild = False
                log.info("index rebuilt from the systems of record: %d pages", count)
        except Exception:
            log.warning("index check/rebuild failed; retrying", exc_info=True)
        stop.wait(5.0 if needs_rebuild else 30.0)
