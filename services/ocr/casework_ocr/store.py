"""OCR's own records: document progress, page results and the page cache, and the events that
follow from them, written through the outbox in the same transactions.

Completion is exactly once: every page result takes the document's row lock, so the page that
completes it is unambiguous, and that transaction alone writes ``evidence.extracted``.

Erased cases (erasure.py) stay erased: every transaction that records something of an
item first takes its case's erasure lock (shared; the erasure takes it exclusively while it marks
the case) and checks the marks. A late or redelivered event of an erased item records nothing, and
the objects a worker wrote for it before that check are removed (:meth:`Extractions.discard`): either
the check comes after the mark and sees it, or the transaction commits before the mark and the
erasure's sweep of the text bucket, which comes after the mark, removes them.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from minio import Minio
from minio.deleteobjects import DeleteObject
from sqlalchemy import Connection, Engine, Row, delete, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert

from casework.v1 import events_pb2
from casework_common import events, metrics
from casework_common.outbox import enqueue, resend_last
from casework_common.vocabulary import EVIDENCE_FINISHED, EVIDENCE_STATUSES
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
IN_PROGRESS = ("scanning", "extracting")
# The outcomes a document can end in here, by status name (casework_common.vocabulary); "indexed"
# is not one: a document gets there through its pages being read, not by _finish.
OUTCOMES = {name: EVIDENCE_STATUSES[name] for name in EVIDENCE_FINISHED if name != "indexed"}
log = logging.getLogger(__name__)
REPLAYED = metrics.Metrics("ocr").counter(
    "reconciler_replays_total",
    "Outcomes of finished documents sent again because their item was handed back unfinished.",
    ("state",),
)


def lock_case(conn: Connection, case_id: str, exclusive: bool = False) -> None:
    """Take a case's erasure lock for the rest of the transaction: shared to record something of one
    of its items, exclusive (erasure.py) to mark it erased."""
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    conn.execute(text(f"SELECT {function}(hashtextextended(:key, 0))").bindparams(key=f"ocr-erasure:{case_id}"))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class PageResult:
    page: int
    method: str
    text_key: str
    words_key: str | None
    char_count: int
    image_sha256: str | None = None


@dataclass(frozen=True)
class Progress:
    """How often a document being read reports its page count: at most once per ``interval_s``
    or per ``step_percent`` of its pages (so a short document reports every page, a long one
    does not flood the status topic)."""

    interval_s: float = 5.0
    step_percent: int = 10

    def due(self, done: int, total: int, last_done: int, seconds_since: float | None) -> bool:
        if seconds_since is None or seconds_since >= self.interval_s:
            return True
        return done - last_done >= max(1, math.ceil(total * self.step_percent / 100))


def status_event(
    ref: events_pb2.EvidenceRef,
    status: int,
    reason: str = "",
    done: int = 0,
    total: int = 0,
    uploaded_by: str = "",
    detected_type: str = "",
    metadata: dict[str, str] | None = None,
    facts: events_pb2.DocumentFacts | None = None,
) -> events_pb2.EvidenceStatusChanged:
    return events_pb2.EvidenceStatusChanged(
        evidence_id=ref.evidence_id,
        case_id=ref.case_id,
        status=status,
        reason=reason,
        pages_done=done,
        pages_total=total,
        uploaded_by=uploaded_by,
        filename=ref.filename,
        detected_type=detected_type,
        metadata=metadata or {},
        facts=facts,
    )


#: Works out a finished document's facts: (detected type, metadata, file facts, its pages' text keys
#: in page order) -> the facts, or None when there are none to tell (see facts_reader.py).
FactsReader = Callable[[str, dict[str, str], dict[str, Any], list[str]], events_pb2.DocumentFacts | None]


def may_mention(earlier: events_pb2.EvidenceRef, ref: events_pb2.EvidenceRef) -> bool:
    """May ``ref``'s status say that it is identical to ``earlier``? Only if those who read it may
    know ``earlier`` exists: the same case (the uploader may not know of other cases), and, for an
    item members see, an item members see too (a member must not learn that a reps-only file
    exists; intake's ``duplicate_of`` follows the same rule)."""
    if earlier.case_id != ref.case_id:
        return False
    return ref.visibility == events_pb2.VISIBILITY_REPS or earlier.visibility == events_pb2.VISIBILITY_MEMBER


class Extractions:
    """The documents and pages OCR reads, as the service handles them: records each one's progress
    and results, publishes the events that follow through the outbox, and removes what a worker
    wrote for an item erased meanwhile."""

    def __init__(
        self,
        engine: Engine,
        text_bucket: str,
        max_attempts: int,
        progress: Progress | None = None,
        facts: FactsReader | None = None,
        s3: Minio | None = None,
    ) -> None:
        """``facts``, if given, is asked for a document's facts when its last page is recorded;
        they go out on ``evidence.extracted`` and on a status change just before it. ``s3`` (the
        ordinary identity) removes what was written for an item erased meanwhile (:meth:`discard`)."""
        self.engine = engine
        self.s3 = s3
        self.text_bucket = text_bucket
        self.max_attempts = max_attempts
        self.progress = progress or Progress()
        self.facts = facts

    def _emit(self, conn: Connection, topic: str, key: str, payload: Any) -> None:
        enqueue(conn, outbox, topic, key, payload, SERVICE)

    def _lock(self, conn: Connection, evidence_id: str) -> Row[Any] | None:
        return conn.execute(
            select(documents).where(documents.c.evidence_id == uuid.UUID(evidence_id)).with_for_update()
        ).first()

    def erased(self, conn: Connection, ref: events_pb2.EvidenceRef) -> bool:
        """Has this item, or its case, been erased? Takes the case's erasure lock (shared) first, so
        an erasure cannot mark the case between this answer and the caller's commit."""
        lock_case(conn, ref.case_id)
        marks = [exists().where(erased_evidence.c.evidence_id == uuid.UUID(ref.evidence_id))]
        case_id = _uuid(ref.case_id)
        if case_id is not None:  # also items of the case OCR had not seen when it was erased
            marks.append(exists().where(erased_cases.c.case_id == case_id))
        return bool(conn.execute(select(or_(*marks))).scalar())

    def discard(self, ref: events_pb2.EvidenceRef) -> int:
        """Remove every object (every version) under an erased item's prefix in the text bucket:
        texts, word boxes or a conversion a worker wrote before it found the item erased. The text
        bucket is not locked, so the ordinary identity may; returns how many were removed."""
        log.warning("evidence %s: erased meanwhile; what was written for it is removed", ref.evidence_id)
        if self.s3 is None:
            return 0
        victims = [
            DeleteObject(o.object_name, o.version_id)
            for o in self.s3.list_objects(
                self.text_bucket, prefix=f"{uuid.UUID(ref.evidence_id)}/", recursive=True, include_version=True
            )
        ]
        errors = list(self.s3.remove_objects(self.text_bucket, victims)) if victims else []
        if errors:  # raised: the event is retried, and removes them then
            raise RuntimeError(f"{len(errors)} of {len(victims)} objects of an erased item not removed")
        return len(victims)

    def _replay(self, conn: Connection, document: Row[Any]) -> None:
        """Send a finished document's outcome (``evidence.extracted`` or its terminal status) again.
        Intake hands an item back only when it has not heard the end of it: the outcome, or what
        followed from it, was lost. Ignoring it would leave the item unfinished for good; every
        consumer of the outcome is idempotent, so sending it again duplicates nothing."""
        key = str(document.evidence_id)
        outcome: tuple[str, ...] = (events.EVIDENCE_EXTRACTED, events.EVIDENCE_STATUS)
        if document.state == "complete":
            # First the status sent with the extraction, which carries the document's facts (intake
            # hears only evidence.status), then evidence.extracted itself, as first sent.
            resend_last(conn, outbox, key, (events.EVIDENCE_STATUS,))
            outcome = (events.EVIDENCE_EXTRACTED,)
        if resend_last(conn, outbox, key, outcome) is not None:
            REPLAYED.labels(document.state).inc()

    # -- documents -------------------------------------------------------------------

    def start_document(self, uploaded: events_pb2.EvidenceUploaded) -> bool:
        """Count this attempt; False when the document is already finished (its outcome is sent
        again) or has failed too often (a file that crashes its worker must not be retried for ever)."""
        ref = uploaded.evidence
        with self.engine.begin() as conn:
            erased = self.erased(conn, ref)  # a late or redelivered upload event: nothing is read again
            started = not erased and self._start_document(conn, ref)
        if erased:
            self.discard(ref)
        return started

    def _start_document(self, conn: Connection, ref: events_pb2.EvidenceRef) -> bool:
        row = self._lock(conn, ref.evidence_id)
        if row is not None and row.state not in IN_PROGRESS:
            self._replay(conn, row)
            return False
        if row is None:
            conn.execute(
                insert(documents).values(
                    evidence_id=uuid.UUID(ref.evidence_id),
                    sha256=ref.sha256,
                    ref=ref.SerializeToString(),
                    case_id=_uuid(ref.case_id),
                    state="scanning",
                    attempts=1,
                )
            )
            attempts = 1
        else:
            attempts = row.attempts + 1
            conn.execute(update(documents).where(documents.c.evidence_id == row.evidence_id).values(attempts=attempts))
        if attempts > self.max_attempts:
            self._finish(conn, ref, "failed", f"Processing did not succeed after {self.max_attempts} attempts.")
            return False
        self._emit(
            conn, events.EVIDENCE_STATUS, ref.evidence_id, status_event(ref, events_pb2.EVIDENCE_STATUS_SCANNING)
        )
        return True

    def finish(
        self, ref: events_pb2.EvidenceRef, outcome: str, reason: str, uploaded_by: str = "", detected_type: str = ""
    ) -> None:
        """End a document with a terminal outcome other than extraction (quarantined, unreadable...);
        ``detected_type`` when the content was sniffed before it ended."""
        with self.engine.begin() as conn:
            erased = self.erased(conn, ref)
            if not erased:
                self._finish_document(conn, ref, outcome, reason, uploaded_by, detected_type)
        if erased:
            self.discard(ref)

    def _finish_document(
        self, conn: Connection, ref: events_pb2.EvidenceRef, outcome: str, reason: str, uploaded_by: str, detected: str
    ) -> None:
        if self._lock(conn, ref.evidence_id) is None:
            conn.execute(
                insert(documents).values(
                    evidence_id=uuid.UUID(ref.evidence_id),
                    sha256=ref.sha256,
                    ref=ref.SerializeToString(),
                    case_id=_uuid(ref.case_id),
                    state="scanning",
                )
            )
        self._finish(conn, ref, outcome, reason, uploaded_by, detected)

    def _finish(
        self,
        conn: Connection,
        ref: events_pb2.EvidenceRef,
        outcome: str,
        reason: str,
        uploaded_by: str = "",
        detected_type: str = "",
    ) -> None:
        conn.execute(
            update(documents)
            .where(documents.c.evidence_id == uuid.UUID(ref.evidence_id))
            .values(
                state=outcome,
                reason=reason,
                completed_at=func.now(),
                detected_type=func.coalesce(detected_type or None, documents.c.detected_type),
            )
        )
        self._emit(
            conn,
            events.EVIDENCE_STATUS,
            ref.evidence_id,
            status_event(ref, OUTCOMES[outcome], reason, uploaded_by=uploaded_by, detected_type=detected_type),
        )

    def identical_known(self, ref: events_pb2.EvidenceRef) -> bool:
        """Is an identical file (same sha256) that ``ref``'s readers may know of being read, or has it
        just been read? (Asked after ``earlier_result`` found none: the other one may have completed
        since.) See :func:`may_mention` for which files count."""
        with self.engine.connect() as conn:
            refs = conn.execute(
                select(documents.c.ref).where(
                    documents.c.sha256 == ref.sha256,
                    documents.c.state.in_((*IN_PROGRESS, "complete")),
                    documents.c.evidence_id != uuid.UUID(ref.evidence_id),
                )
            ).scalars()
            return any(may_mention(events_pb2.EvidenceRef.FromString(earlier), ref) for earlier in refs)

    def earlier_result(self, sha256: str, evidence_id: str) -> tuple[Row[Any], list[Row[Any]]] | None:
        """An identical file (same sha256) extracted before, if any: its document and its pages."""
        with self.engine.connect() as conn:
            earlier = conn.execute(
                select(documents)
                .where(
                    documents.c.sha256 == sha256,
                    documents.c.state == "complete",
                    documents.c.evidence_id != uuid.UUID(evidence_id),
                )
                .order_by(documents.c.completed_at)
                .limit(1)
            ).first()
            if earlier is None:
                return None
            query = select(pages).where(pages.c.evidence_id == earlier.evidence_id).order_by(pages.c.page)
            return earlier, list(conn.execute(query))

    def plan(
        self,
        ref: events_pb2.EvidenceRef,
        detected_type: str,
        text_results: list[PageResult],
        tasks: list[events_pb2.OcrPageTask],
        notes: list[str],
        metadata: dict[str, str] | None = None,
        queue: bool = True,
        file_facts: dict[str, Any] | None = None,
    ) -> None:
        """Record the document's pages: text pages are done already; OCR pages go out as tasks
        (unless ``queue`` is False: the caller reads them itself). The item shows ``extracting``
        from here on, a one-page scan waiting for OCR too, and learns its detected type and metadata.
        ``file_facts`` (PDF information, EXIF date) wait here for the facts read at completion."""
        with self.engine.begin() as conn:
            erased = self.erased(conn, ref)  # during the analysis: its texts and conversion go again
            if not erased:
                self._plan(conn, ref, detected_type, text_results, tasks, notes, metadata, queue, file_facts)
        if erased:
            self.discard(ref)

    def _plan(
        self,
        conn: Connection,
        ref: events_pb2.EvidenceRef,
        detected_type: str,
        text_results: list[PageResult],
        tasks: list[events_pb2.OcrPageTask],
        notes: list[str],
        metadata: dict[str, str] | None,
        queue: bool,
        file_facts: dict[str, Any] | None,
    ) -> None:
        total = len(text_results) + len(tasks)
        conn.execute(
            update(documents)
            .where(documents.c.evidence_id == uuid.UUID(ref.evidence_id))
            .values(
                detected_type=detected_type,
                pages_total=total,
                state="extracting",
                reason="; ".join(notes) or None,
                metadata=metadata or {},
                file_facts=file_facts or {},
                progress_at=func.now(),
                progress_done=len(text_results),
            )
        )
        for result in text_results:
            self._insert_page(conn, ref.evidence_id, result)
        for task in tasks if queue else []:
            self._emit(conn, events.OCR_PAGES, f"{ref.evidence_id}:{task.page}", task)
        extracting = status_event(
            ref,
            events_pb2.EVIDENCE_STATUS_EXTRACTING,
            done=len(text_results),
            total=total,
            detected_type=detected_type,
            metadata=metadata,
        )
        self._emit(conn, events.EVIDENCE_STATUS, ref.evidence_id, extracting)
        self._progress(conn, ref.evidence_id)

    # -- pages -------------------------------------------------------------------------

    def start_page(self, ref: events_pb2.EvidenceRef, page: int) -> bool:
        """False when the page is already done, its document finished, or it failed too often."""
        evidence_id = uuid.UUID(ref.evidence_id)
        with self.engine.begin() as conn:
            document = conn.execute(select(documents.c.state).where(documents.c.evidence_id == evidence_id)).scalar()
            if document != "extracting":
                return False
            if conn.execute(
                select(pages.c.page).where(pages.c.evidence_id == evidence_id, pages.c.page == page)
            ).first():
                return False
            attempts = conn.execute(
                insert(page_attempts)
                .values(evidence_id=evidence_id, page=page, attempts=1)
                .on_conflict_do_update(
                    index_elements=["evidence_id", "page"], set_={"attempts": page_attempts.c.attempts + 1}
                )
                .returning(page_attempts.c.attempts)
            ).scalar_one()
        if attempts > self.max_attempts:
            self.finish(ref, "failed", f"Page {page} could not be processed after {self.max_attempts} attempts.")
            return False
        return True

    def claim(self, image_sha256: str, ref: events_pb2.EvidenceRef, page: int, ttl_s: int) -> bool:
        """May this task read this page image? No while another page with the same image is being read
        (its result will be reused). The same page's own claim (a task redelivered after its worker
        died) and claims older than ``ttl_s`` are taken over."""
        evidence_id = uuid.UUID(ref.evidence_id)
        with self.engine.begin() as conn:
            mine = conn.execute(
                insert(page_claims)
                .values(image_sha256=image_sha256, evidence_id=evidence_id, page=page)
                .on_conflict_do_update(
                    index_elements=["image_sha256"],
                    set_={"evidence_id": evidence_id, "page": page, "claimed_at": func.now()},
                    where=((page_claims.c.evidence_id == evidence_id) & (page_claims.c.page == page))
                    | (page_claims.c.claimed_at < func.now() - text(f"interval '{int(ttl_s)} seconds'")),
                )
                .returning(page_claims.c.image_sha256)
            ).first()
        return mine is not None

    def claimed(self, image_sha256: str, ttl_s: int) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(page_claims.c.image_sha256).where(
                        page_claims.c.image_sha256 == image_sha256,
                        page_claims.c.claimed_at >= func.now() - text(f"interval '{int(ttl_s)} seconds'"),
                    )
                ).first()
                is not None
            )

    def reading_pages(self, ttl_s: int) -> bool:
        """Is any worker reading a page right now (a live claim)? The claims table holds only pages
        in flight, so this is one small lookup."""
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(page_claims.c.image_sha256)
                    .where(page_claims.c.claimed_at >= func.now() - text(f"interval '{int(ttl_s)} seconds'"))
                    .limit(1)
                ).first()
                is not None
            )

    def defer(self, task: events_pb2.OcrPageTask, image_sha256: str, counted: bool) -> None:
        """Put a page task back (it waits for an identical page being read); a ``counted`` attempt is
        taken back: waiting is not failing."""
        again = events_pb2.OcrPageTask()
        again.CopyFrom(task)
        again.image_sha256 = image_sha256
        again.deferrals = task.deferrals + 1
        with self.engine.begin() as conn:
            if self.erased(conn, task.evidence):
                return
            if counted:
                conn.execute(
                    update(page_attempts)
                    .where(
                        page_attempts.c.evidence_id == uuid.UUID(task.evidence.evidence_id),
                        page_attempts.c.page == task.page,
                    )
                    .values(attempts=page_attempts.c.attempts - 1)
                )
            self._emit(conn, events.OCR_PAGES, f"{task.evidence.evidence_id}:{task.page}", again)

    def cached(self, image_sha256: str) -> Row[Any] | None:
        with self.engine.connect() as conn:
            return conn.execute(select(page_cache).where(page_cache.c.image_sha256 == image_sha256)).first()

    def record_page(self, ref: events_pb2.EvidenceRef, result: PageResult, cache: bool) -> None:
        """Record a page read (its text and word boxes are stored already); for an item erased
        meanwhile, remove them instead."""
        with self.engine.begin() as conn:
            erased = self.erased(conn, ref)
            if not erased:
                self._record_page(conn, ref, result, cache)
        if erased:
            self.discard(ref)

    def _record_page(self, conn: Connection, ref: events_pb2.EvidenceRef, result: PageResult, cache: bool) -> None:
        document = self._lock(conn, ref.evidence_id)
        if document is None or document.state != "extracting":
            return  # finished meanwhile (a redelivered task): nothing more to say
        self._insert_page(conn, ref.evidence_id, result)
        if cache and result.image_sha256:
            conn.execute(
                insert(page_cache)
                .values(
                    image_sha256=result.image_sha256,
                    text_key=result.text_key,
                    words_key=result.words_key,
                    char_count=result.char_count,
                )
                .on_conflict_do_nothing()
            )
        if result.image_sha256:
            conn.execute(delete(page_claims).where(page_claims.c.image_sha256 == result.image_sha256))
        self._progress(conn, ref.evidence_id)

    def _insert_page(self, conn: Connection, evidence_id: str, result: PageResult) -> None:
        conn.execute(
            insert(pages)
            .values(
                evidence_id=uuid.UUID(evidence_id),
                page=result.page,
                method=result.method,
                text_key=result.text_key,
                words_key=result.words_key,
                char_count=result.char_count,
                image_sha256=result.image_sha256,
            )
            .on_conflict_do_nothing()
        )

    def _progress(self, conn: Connection, evidence_id: str) -> None:
        """Report pages done (throttled: ``self.progress``); if that was the last page, complete the
        document (the caller holds its lock)."""
        since = func.extract("epoch", func.now() - documents.c.progress_at).label("since")
        document = conn.execute(select(documents, since).where(documents.c.evidence_id == uuid.UUID(evidence_id))).one()
        ref = events_pb2.EvidenceRef.FromString(document.ref)
        done = conn.execute(
            select(func.count()).select_from(pages).where(pages.c.evidence_id == document.evidence_id)
        ).scalar_one()
        if done < document.pages_total:
            since_s = None if document.since is None else float(document.since)
            if self.progress.due(done, document.pages_total, document.progress_done, since_s):
                progress = status_event(
                    ref, events_pb2.EVIDENCE_STATUS_EXTRACTING, done=done, total=document.pages_total
                )
                self._emit(conn, events.EVIDENCE_STATUS, evidence_id, progress)
                conn.execute(
                    update(documents)
                    .where(documents.c.evidence_id == document.evidence_id)
                    .values(progress_at=func.now(), progress_done=done)
                )
            return
        done_pages = list(
            conn.execute(select(pages).where(pages.c.evidence_id == document.evidence_id).order_by(pages.c.page))
        )
        timeouts = [str(p.page) for p in done_pages if p.method == "ocr-timeout"]
        notes = [document.reason] if document.reason else []
        if timeouts:
            notes.append(f"page(s) {', '.join(timeouts)} could not be read in time")
        conn.execute(
            update(documents)
            .where(documents.c.evidence_id == document.evidence_id)
            .values(state="complete", completed_at=func.now(), reason="; ".join(notes) or None)
        )
        facts = self._read_facts(document, done_pages)
        if facts is not None:
            # Intake, which keeps the facts, hears only evidence.status. Sent before evidence.extracted:
            # it comes first from the outbox, and a resend of the outcome (resend_last) stays the
            # extracted event, which is what leads to indexing.
            with_facts = status_event(
                ref,
                events_pb2.EVIDENCE_STATUS_EXTRACTING,
                done=done,
                total=document.pages_total,
                detected_type=document.detected_type or "",
                metadata=document.metadata,
                facts=facts,
            )
            self._emit(conn, events.EVIDENCE_STATUS, evidence_id, with_facts)
        self._emit(
            conn,
            events.EVIDENCE_EXTRACTED,
            evidence_id,
            events_pb2.EvidenceExtracted(
                evidence=ref,
                detected_type=document.detected_type or "",
                text_bucket=self.text_bucket,
                notes="; ".join(notes),
                metadata=document.metadata or {},
                facts=facts,
                pages=[
                    events_pb2.ExtractedPage(
                        number=p.page,
                        method=p.method,
                        text_key=p.text_key,
                        char_count=p.char_count,
                        words_key=p.words_key or "",
                    )
                    for p in done_pages
                ],
            ),
        )

    def _read_facts(self, document: Row[Any], done_pages: list[Row[Any]]) -> events_pb2.DocumentFacts | None:
        if self.facts is None:
            return None
        return self.facts(
            document.detected_type or "",
            dict(document.metadata or {}),
            dict(document.file_facts or {}),
            [p.text_key for p in done_pages],
        )
