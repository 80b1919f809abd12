"""A scanned batch becomes evidence: split at its cover sheets, each part filed to its sheet's case
or put in the unfiled queue.

Idempotent and crash-safe: a batch is recorded once by its hash (the same file again files nothing);
its bytes are kept in the held bucket (after the split too, until the case's data is erased:
docs/design.md, "Erasure in intake, ocr and bundle"), so a batch a crash left "splitting" is
finished by the next poll; each part is recorded with its filing in one transaction and parts
already recorded are skipped; a part's id is derived from the batch and its index, so an unfiled
part's PDF written twice lands on the same key. Two mailrooms never split the same batch at once (a
Postgres advisory lock on the batch)."""

from __future__ import annotations

import hashlib
import io
import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

import pikepdf
from minio.error import S3Error
from PIL import Image
from sqlalchemy import Connection, Row, func, select, update
from sqlalchemy.dialects.postgresql import insert

from casework.v1 import workflow_pb2
from casework_common import metrics
from casework_intake import filing
from casework_intake.filenames import OriginalName
from casework_intake.mailroom.context import Mailroom
from casework_intake.scanning import cover_sheets
from casework_intake.scanning.splitter import NotABatch, Part, Split, batch_format, part_document, split
from casework_intake.tables import scan_batches, scan_parts

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("intake")
BATCHES = _metrics.counter("scan_batches_total", "Scanned batches taken in, by outcome.", ("outcome",))
PARTS = _metrics.counter("scan_parts_total", "Parts of scanned batches, filed to a case or unfiled.", ("outcome",))
PAGES = _metrics.counter("scan_pages_total", "Pages of scanned batches: cover sheets, blanks and paper.", ("kind",))
SPLIT_SECONDS = _metrics.histogram("scan_split_seconds", "Time to look at a batch's pages and cut it into parts.")
# Namespace of part ids: uuid5(batch id, part index) is the same on every attempt.
_PART_IDS = uuid.UUID("5b1f1a52-59f5-4c3e-8a53-7b4f0e2f7c31")
# The reason of a batch failed only for want of its stored copy: the same bytes again restore it.
COPY_GONE = "The batch's stored copy is gone"


@dataclass(frozen=True)
class BatchOutcome:
    """What became of one batch. ``state`` is "split", "failed" (not a readable PDF/TIFF; ``reason``
    says why) or "busy" (when resuming only: another process is splitting it right now)."""

    batch_id: uuid.UUID | None
    state: Literal["split", "failed", "busy"]
    duplicate: bool = False
    pages: int = 0
    filed: int = 0
    unfiled: int = 0
    reason: str | None = None


def part_id(batch_id: uuid.UUID, index: int) -> uuid.UUID:
    return uuid.uuid5(_PART_IDS, f"{batch_id}:{index}")


class BatchIntake:
    """Takes scanned batches in (from a drop, or attached to mail to the scanner address)."""

    def __init__(self, room: Mailroom) -> None:
        self.room = room
        self.signer = cover_sheets.Signer(room.settings.cover_sheet_secret.get_secret_value())

    def take(
        self,
        data: bytes,
        *,
        source: Literal["drop", "email"],
        source_name: str,
        sender: str | None,
        region: str | None,
        branch: str | None,
    ) -> BatchOutcome:
        """Record the batch (once per content) and split it. ``region``/``branch`` (and ``sender``,
        for a mailed batch) say whose unfiled queue its unfiled parts join. The same bytes again
        answer ``duplicate`` and file nothing; a batch left half-split is finished."""
        engine, settings = self.room.engine, self.room.settings
        sender = self._sender_username(source, sender)
        sha256 = hashlib.sha256(data).hexdigest()
        with engine.connect() as conn:
            batch = conn.execute(select(scan_batches).where(scan_batches.c.sha256 == sha256)).first()
        if batch is not None and batch.state == "failed" and (batch.reason or "").startswith(COPY_GONE):
            batch = self._restore_copy(batch, data)  # the bytes are here again: store them and finish it
        if batch is not None and batch.state != "splitting":
            return self._duplicate(batch)
        if batch is None:
            key = f"batches/{sha256}"
            self.room.s3.put_object(
                settings.held_bucket, key, io.BytesIO(data), len(data), content_type="application/octet-stream"
            )
            with engine.begin() as conn:
                batch = conn.execute(
                    insert(scan_batches)
                    .values(
                        id=uuid.uuid4(),
                        sha256=sha256,
                        source=source,
                        source_name=source_name[:500],
                        sender=sender,
                        region=region,
                        branch=branch,
                        state="splitting",
                        bucket=settings.held_bucket,
                        object_key=key,
                    )
                    .on_conflict_do_nothing(index_elements=["sha256"])
                    .returning(scan_batches)
                ).first()
                if batch is None:  # taken at this very moment by another mailroom
                    batch = conn.execute(select(scan_batches).where(scan_batches.c.sha256 == sha256)).one()
                    if batch.state != "splitting":
                        return self._duplicate(batch)
            log.info("scan batch %s from %s %r: %d bytes", batch.id, source, source_name, len(data))
        return self._finish(batch, data)

    def _restore_copy(self, batch: Row[Any], data: bytes) -> Row[Any]:
        """A batch failed only because its stored copy was lost: store ``data`` again and set it
        "splitting" once more (parts already recorded are skipped when it is finished)."""
        self.room.s3.put_object(
            batch.bucket, batch.object_key, io.BytesIO(data), len(data), content_type="application/octet-stream"
        )
        with self.room.engine.begin() as conn:
            restored = conn.execute(
                update(scan_batches)
                .where(scan_batches.c.id == batch.id, scan_batches.c.state == "failed")
                .values(state="splitting", reason=None)
                .returning(scan_batches)
            ).first()
        log.info("scan batch %s: its lost copy arrived again; finishing it", batch.id)
        return restored or batch

    def _sender_username(self, source: str, sender: str | None) -> str | None:
        """Who may see the batch's unfiled parts as its sender: the emailing member of staff's
        username. An email address is never kept for that (a person can claim any address in their
        profile, a copier's too); a registered scanner's batch is seen by region and branch only."""
        if source != "email" or not sender:
            return None
        devices = {address.lower() for address in self.room.settings.scanner_devices}
        if sender.lower() in devices:
            return None
        if "@" not in sender:
            return sender  # already a username
        person = self.room.workflow.authorize_person(
            self.room.tokens.token(), "", workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE, "mail:scanner", email=sender
        )
        return person.username or None

    def resume_unfinished(self) -> int:
        """Finish batches a crash left "splitting", from their copy in the held bucket (the drop
        poller asks at every poll; a batch another process is splitting right now is skipped
        before its copy is read). Returns how many were finished."""
        with self.room.engine.connect() as conn:
            rows = list(conn.execute(select(scan_batches).where(scan_batches.c.state == "splitting")))
        finished = 0
        for batch in rows:  # one batch that cannot be finished now must not keep the others waiting
            try:
                finished += self._finish(batch, None).state != "busy"
            except Exception:
                log.exception("scan batch %s could not be finished; trying again at the next poll", batch.id)
        return finished

    def _stored_copy(self, batch: Row[Any]) -> bytes | None:
        try:
            response = self.room.s3.get_object(batch.bucket, batch.object_key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()
        except S3Error as exc:
            if exc.code != "NoSuchKey":
                raise  # the object store briefly failing: the batch stays "splitting" and is tried again
            self._fail(batch.id, f"{COPY_GONE} ({exc.code}).")
            return None

    # -- splitting --------------------------------------------------------------------------

    def _duplicate(self, batch: Row[Any]) -> BatchOutcome:
        BATCHES.labels("duplicate").inc()
        with self.room.engine.connect() as conn:
            batch = conn.execute(select(scan_batches).where(scan_batches.c.id == batch.id)).one()  # as it is now
            counts = dict(
                conn.execute(
                    select(scan_parts.c.state, func.count())
                    .where(scan_parts.c.batch_id == batch.id)
                    .group_by(scan_parts.c.state)
                ).all()
            )
        log.info("scan batch %s (%s) arrived again: nothing new", batch.id, batch.sha256[:12])
        return BatchOutcome(
            batch.id,
            "failed" if batch.state == "failed" else "split",
            duplicate=True,
            pages=batch.pages,
            filed=counts.get("filed", 0),
            unfiled=sum(n for state, n in counts.items() if state != "filed"),
            reason=batch.reason,
        )

    def _finish(self, batch: Row[Any], data: bytes | None) -> BatchOutcome:
        """Split and file ``batch`` under its lock; ``data`` None: from its stored copy (a resumption)."""
        lock_key = func.hashtextextended(f"scan-batch:{batch.id}", 0)
        with self.room.engine.connect() as lock:
            if data is not None:
                # Just received: wait for whoever took it first (a resumption that caught it between
                # its record and this lock) and then answer what that one did.
                lock.execute(select(func.pg_advisory_lock(lock_key)))
            elif not lock.execute(select(func.pg_try_advisory_lock(lock_key))).scalar():
                log.debug("scan batch %s is being split by another process", batch.id)
                return BatchOutcome(batch.id, "busy")
            lock.commit()
            try:
                with self.room.engine.connect() as conn:  # another process may have finished it meanwhile
                    state = conn.execute(select(scan_batches.c.state).where(scan_batches.c.id == batch.id)).scalar()
                if state != "splitting":
                    return self._duplicate(batch)
                if data is None:
                    log.warning("scan batch %s was left half-split; finishing it", batch.id)
                    data = self._stored_copy(batch)
                    if data is None:
                        return BatchOutcome(batch.id, "failed", reason="The batch's stored copy is gone.")
                return self._split_and_file(batch, data)
            finally:
                lock.execute(select(func.pg_advisory_unlock(lock_key)))
                lock.commit()

    def _split_and_file(self, batch: Row[Any], data: bytes) -> BatchOutcome:
        started = time.perf_counter()
        try:
            batch_format(data)
            result = split(data, self.signer.read)
            if result.pages and not result.parts and not (result.count("sheet") or result.count("unreadable")):
                # Every page looked blank: nothing filed and nothing queued would lose the scan without
                # a trace, so it is failed (and the drop file set aside) for a person to look at.
                raise NotABatch("No page of the batch carries anything: every page looked blank.")
        except (NotABatch, pikepdf.PdfError, Image.DecompressionBombError) as exc:
            self._fail(batch.id, str(exc))
            return BatchOutcome(batch.id, "failed", pages=0, reason=str(exc))
        SPLIT_SECONDS.observe(time.perf_counter() - started)
        with self.room.engine.connect() as conn:
            done = {
                row.part_index: row.state
                for row in conn.execute(
                    select(scan_parts.c.part_index, scan_parts.c.state).where(scan_parts.c.batch_id == batch.id)
                )
            }
        filed = unfiled = 0
        for part in result.parts:
            state = done.get(part.index) or self._take_part(batch, result, part, data)
            PARTS.labels("filed" if state == "filed" else "unfiled").inc()
            filed, unfiled = (filed + 1, unfiled) if state == "filed" else (filed, unfiled + 1)
        with self.room.engine.begin() as conn:
            conn.execute(
                update(scan_batches)
                .where(scan_batches.c.id == batch.id)
                .values(state="split", pages=len(result.pages), reason=None)
            )
        for kind in ("sheet", "blank", "paper"):
            PAGES.labels(kind).inc(result.count(kind))
        PAGES.labels("sheet").inc(result.count("unreadable"))  # a damaged sheet is still a sheet
        BATCHES.labels("split").inc()
        # The batch's copy stays in the held bucket under batches/: it is the only record of the pages
        # dropped as blank (and of a page misjudged blank). It goes when the case's data is erased
        # (docs/design.md, "Erasure in intake, ocr and bundle").
        log.info(
            "scan batch %s split: %d pages, %d parts filed, %d unfiled", batch.id, len(result.pages), filed, unfiled
        )
        return BatchOutcome(batch.id, "split", pages=len(result.pages), filed=filed, unfiled=unfiled)

    def _fail(self, batch_id: uuid.UUID, reason: str) -> None:
        """Not a batch that can be read: recorded as failed (its copy stays in the held bucket for a
        person to look at; the same file again is a duplicate, not a second failure)."""
        with self.room.engine.begin() as conn:
            conn.execute(
                update(scan_batches).where(scan_batches.c.id == batch_id).values(state="failed", reason=reason)
            )
        BATCHES.labels("failed").inc()
        log.warning("scan batch %s failed: %s", batch_id, reason)

    # -- one part -----------------------------------------------------------------------------

    def _take_part(self, batch: Row[Any], result: Split, part: Part, data: bytes) -> str:
        """File ``part`` to its sheet's case, or put it in the unfiled queue; returns its state."""
        reason, sheet, person = part.reason, None, None
        if part.token is not None:
            with self.room.engine.connect() as conn:
                sheet = cover_sheets.get(conn, part.token.sheet_id)
            reason, person = self._check_sheet(batch, part, sheet)
        document = part_document(data, part.pages)
        detail = {
            "batch_id": str(batch.id),
            "part_id": str(part_id(batch.id, part.index)),
            "first_page": part.first_page,
            "last_page": part.last_page,
            "pages": len(part.pages),
            "cover_sheet_id": str(sheet.id) if sheet is not None else None,
            "printed_by": sheet.printed_by if sheet is not None else None,
            # Pages of the batch dropped as blank, so a person can find one misjudged in the batch's copy.
            "blank_pages": [page.number for page in result.pages if page.kind == "blank"],
        }
        if reason is None and person is not None and sheet is not None:
            self._file(batch, part, sheet, person, document, detail)
            return "filed"
        self._unfile(batch, part, reason or "unreadable_sheet", sheet, document)
        return "waiting"

    def _check_sheet(
        self, batch: Row[Any], part: Part, sheet: Row[Any] | None
    ) -> tuple[str | None, workflow_pb2.AuthorizePersonResponse | None]:
        """Why the part cannot be filed behind its sheet (a HOLD_REASONS name), or the printer's
        current decision when it can."""
        token = part.token
        assert token is not None
        if sheet is None or sheet.case_id != token.case_id or sheet.printed_by != token.printed_by:
            # Signed with our secret but naming no sheet of ours: treated like an unreadable sheet.
            return "unreadable_sheet", None
        if sheet.revoked_at is not None:
            return "revoked_sheet", None
        answer = self.room.workflow.authorize_person(
            self.room.tokens.token(),
            str(sheet.case_id),
            workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE,
            f"scan-batch:{batch.id}/part:{part.index}",
            username=sheet.printed_by,
        )
        # Cover sheets are union staff's: a printer who is now only a member files nothing by them.
        if not answer.decision.allowed or answer.primary_role in ("member", "none", ""):
            log.info(
                "scan batch %s part %d: %s may no longer add to case %s (%s)",
                batch.id,
                part.index,
                sheet.printed_by,
                sheet.case_id,
                answer.decision.reason,
            )
            return "printer_not_allowed", None
        return None, answer

    def _file(
        self,
        batch: Row[Any],
        part: Part,
        sheet: Row[Any],
        person: workflow_pb2.AuthorizePersonResponse,
        document: bytes,
        detail: dict[str, Any],
    ) -> None:
        name = part_file_name(batch.source_name, part.first_page, part.last_page)
        arrival = filing.Arrival(OriginalName(name.encode(), "utf-8", name), "application/pdf", document)
        identifier = part_id(batch.id, part.index)

        def record(conn: Connection, rows: list[Row[Any]]) -> None:
            conn.execute(
                scan_parts.insert().values(
                    id=identifier,
                    batch_id=batch.id,
                    part_index=part.index,
                    first_page=part.first_page,
                    last_page=part.last_page,
                    pages=len(part.pages),
                    cover_sheet_id=sheet.id,
                    state="filed",
                    region=batch.region,
                    branch=batch.branch,
                    case_id=sheet.case_id,
                    evidence_id=rows[0].id,
                )
            )

        self.room.filing.file(
            filing.person(person.username, person.subject, person.primary_role),
            person.decision.case,
            sheet.visibility,
            [arrival],
            "scanner",
            detail,
            also=record,
        )

    def _unfile(self, batch: Row[Any], part: Part, reason: str, sheet: Row[Any] | None, document: bytes) -> None:
        identifier = part_id(batch.id, part.index)
        key = f"unfiled/{identifier}.pdf"
        bucket = self.room.settings.held_bucket
        self.room.s3.put_object(bucket, key, io.BytesIO(document), len(document), content_type="application/pdf")
        with self.room.engine.begin() as conn:
            conn.execute(
                insert(scan_parts)
                .values(
                    id=identifier,
                    batch_id=batch.id,
                    part_index=part.index,
                    first_page=part.first_page,
                    last_page=part.last_page,
                    pages=len(part.pages),
                    cover_sheet_id=sheet.id if sheet is not None else None,
                    state="waiting",
                    reason=reason,
                    region=batch.region,
                    branch=batch.branch,
                    bucket=bucket,
                    object_key=key,
                )
                .on_conflict_do_nothing(constraint="uq_scan_parts_index")
            )
        log.info(
            "scan batch %s part %d (pages %d-%d) unfiled: %s",
            batch.id,
            part.index,
            part.first_page,
            part.last_page,
            reason,
        )


def part_file_name(source_name: str, first_page: int, last_page: int) -> str:
    """An item's file name: the batch's name and the pages it had there."""
    stem = PurePosixPath(source_name.replace("\\", "/")).stem or "scan"
    pages = f"page {first_page}" if first_page == last_page else f"pages {first_page}-{last_page}"
    return f"{stem} ({pages}).pdf"
