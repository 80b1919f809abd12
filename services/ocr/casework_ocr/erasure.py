"""Erasure of a case's page texts (docs/design.md, 'Erasure in intake, ocr and bundle').

Workflow publishes ``CaseDataDue`` on ``dataprotection.erasures`` when a closed case's data is due
for removal. OCR holds the kind ``page_texts``: for it, this consumer (one, in the supervisor
process, never one per worker) removes, for every evidence item of the case that OCR read,

- every version of every object under ``<evidence_id>/`` in the text bucket: page texts and word
  boxes (storage.page_text_key / page_words_key) and PDF conversions (``converted.pdf``);
- its rows: the document (state, e-mail header metadata, facts read from the file), its pages,
  page attempts and claims, the page-cache entries that point at its texts (an identical page of
  another case is then read again rather than copied from a text that is gone), and its published
  outbox events (which carry its metadata);
- the workers' local copies of its original and conversion (the source cache in ``work_dir``).

The case's items are found in OCR's own rows: each document keeps the item's EvidenceRef, which
names its case. First the case and each of its items are marked erased (``erased_cases``,
``erased_evidence``), under the case's erasure lock taken exclusively (store.lock_case): from then
on the workers record nothing of them and remove what they wrote for them (store.Extractions.erased),
and whatever a worker recorded before the mark is stored already, so the sweep of the text bucket
that follows finds it. Objects go next and rows last, so a failure in between leaves the marks and
rows that say what is left to remove; one ``CaseDataErased`` receipt is written to OCR's outbox in
the same transaction as the rows' deletion. A redelivered request sweeps the marked items' prefixes
again, finds nothing and answers again.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert

from casework.v1 import events_pb2
from casework_common import erasure, storage
from casework_ocr.settings import OcrSettings
from casework_ocr.store import lock_case
from casework_ocr.tables import (
    documents,
    erased_cases,
    erased_evidence,
    outbox,
    page_attempts,
    page_cache,
    page_claims,
    pages,
)

SERVICE = "ocr"
GROUP = "ocr-erasure"
KIND = erasure.held_kind(SERVICE, "page_texts")


@dataclass
class Removed:
    """What one erasure removed, counted for the receipt (no names, no content)."""

    documents: int = 0
    versions: int = 0
    rows: int = 0
    cached_files: int = 0

    @property
    def items(self) -> int:
        return self.versions + self.rows + self.cached_files

    def detail(self) -> str:
        return (
            f"{self.documents} document(s) read by OCR: {self.versions} stored text, word-box and conversion "
            f"version(s), {self.rows} record(s) and {self.cached_files} local cached file(s) removed"
        )


def case_documents(conn: Connection, case_id: str) -> list[tuple[uuid.UUID, events_pb2.EvidenceRef]]:
    """OCR's documents of one case, with their EvidenceRef: found by their case_id column (indexed),
    and each ref then read to be sure. A row without it (none since migration 0005 filled it in)
    is looked for in the serialised refs whose bytes contain the case id."""
    contains_case = text("position(convert_to(:case_id, 'UTF8') in ref) > 0").bindparams(case_id=case_id)
    of_case = or_(documents.c.case_id == uuid.UUID(case_id), documents.c.case_id.is_(None) & contains_case)
    found = []
    for evidence_id, raw in conn.execute(select(documents.c.evidence_id, documents.c.ref).where(of_case)):
        ref = events_pb2.EvidenceRef.FromString(raw)
        if ref.case_id == case_id:
            found.append((evidence_id, ref))
    return found


class PageTextEraser(erasure.RetentionEraser[OcrSettings]):
    """Consumes ``CaseDataDue``: removes the case's page texts and answers with a receipt."""

    service = SERVICE
    kind = KIND

    def erase(self, case_id: uuid.UUID, request_id: str = "") -> Removed:
        """Remove the case's page texts everywhere OCR keeps them; send the receipt."""
        case = str(case_id)  # as the EvidenceRefs in OCR's rows name it
        with self.engine.begin() as conn:
            found, ids = self._mark(conn, case)
        removed = Removed(documents=len(found))
        if ids:
            prefixes = [f"{evidence_id}/" for evidence_id in ids]
            removed.versions = storage.delete_all_versions(self.s3, self.settings.text_bucket, prefixes=prefixes)
        if found:
            removed.cached_files = self._forget_cached(found)
        with self.engine.begin() as conn:
            if ids:
                removed.rows = self._forget_rows(conn, ids)
            erasure.enqueue_receipt(conn, outbox, SERVICE, KIND, case, request_id, removed)
        return removed

    @staticmethod
    def _mark(conn: Connection, case_id: str) -> tuple[list[tuple[uuid.UUID, events_pb2.EvidenceRef]], list[uuid.UUID]]:
        """Mark the case and its items erased, under the case's erasure lock taken exclusively (no
        worker is between its check and its commit for this case meanwhile). Returns the documents
        still held and every item ever marked for the case (a retry, or a redelivered request, sweeps
        their prefixes again)."""
        lock_case(conn, case_id, exclusive=True)
        conn.execute(insert(erased_cases).values(case_id=uuid.UUID(case_id)).on_conflict_do_nothing())
        found = case_documents(conn, case_id)
        if found:
            rows = [{"evidence_id": evidence_id, "case_id": uuid.UUID(case_id)} for evidence_id, _ref in found]
            conn.execute(insert(erased_evidence).values(rows).on_conflict_do_nothing())
        marked = conn.execute(
            select(erased_evidence.c.evidence_id).where(erased_evidence.c.case_id == uuid.UUID(case_id))
        ).scalars()
        return found, sorted(set(marked))

    @staticmethod
    def _forget_rows(conn: Connection, ids: list[uuid.UUID]) -> int:
        keys = [str(evidence_id) for evidence_id in ids]
        count = 0
        for table in (pages, page_attempts, page_claims):
            count += conn.execute(table.delete().where(table.c.evidence_id.in_(ids))).rowcount
        # Cache entries pointing at these texts (keys "<evidence_id>/pages/...").
        owner = func.split_part(page_cache.c.text_key, "/", 1)
        count += conn.execute(page_cache.delete().where(owner.in_(keys))).rowcount
        count += conn.execute(documents.delete().where(documents.c.evidence_id.in_(ids))).rowcount
        # Published events about these items carry their metadata; pending ones are left to be sent,
        # except page tasks (keys "<evidence_id>:<page>"), sent or not: nobody will read those pages.
        page_tasks = or_(*(outbox.c.key.startswith(f"{key}:", autoescape=True) for key in keys))
        count += conn.execute(
            outbox.delete().where(
                or_(outbox.c.key.in_(keys) & outbox.c.published_at.is_not(None), page_tasks),
            )
        ).rowcount
        return count

    def _forget_cached(self, found: list[tuple[uuid.UUID, events_pb2.EvidenceRef]]) -> int:
        """The workers' source caches (``work_dir/sources-<n>/``, named by a hash of bucket, key and
        version; see sources.py): the originals and conversions of these items."""
        names = set()
        for evidence_id, ref in found:
            for bucket, key, version in (
                (ref.bucket, ref.object_key, ref.version_id),
                (self.settings.text_bucket, f"{evidence_id}/converted.pdf", ""),
            ):
                names.add(hashlib.sha256(f"{bucket}/{key}@{version}".encode()).hexdigest())
        removed = 0
        for directory in Path(self.settings.work_dir).glob("sources-*"):
            for name in names:
                with contextlib.suppress(FileNotFoundError):
                    (directory / name).unlink()
                    removed += 1
        return removed
