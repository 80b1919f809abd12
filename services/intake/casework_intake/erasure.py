"""Erasure of a case's evidence originals (docs/design.md, "Erasure in intake, ocr and bundle").

Workflow publishes ``CaseDataDue`` on ``dataprotection.erasures`` when a closed case's data is due
for removal (its retention period passed, or a data-protection officer granted an erasure request).
Intake holds the kind ``evidence_originals``: for it, this consumer removes

- every S3 version (and delete marker) of the case's evidence objects (``cases/<case_id>/...`` in
  the evidence bucket, through the retention identity: they are under a governance-mode lock), and
  what an upload may have left in the pending bucket (``<case_id>/...``);
- the case's held mail (its ``.eml`` copies and ``mail_messages`` rows), the PDFs of unfiled scanned
  parts behind the case's cover sheets, and the stored copies of scanned batches that had pages
  filed to the case;
- the personal content of the case's evidence rows: original file names (text and raw bytes),
  e-mail header metadata, where each came from, titles and dates read or set, the uploader's name,
  the content hash, the facts history; and remembered upload answers that list them.

The evidence rows themselves stay as anonymised stubs (id, case, branch, region, visibility, status,
type, kind, sizes, page counts, dates, ``erased_at``): the case's record still says how much
evidence there was and of what kind, other rows that point at an item (a filed mail or scanned
part, a child item, a duplicate) keep a valid reference, and a late pipeline event for an erased
item finds a row that says so instead of nothing. Filed scanned parts keep their rows (batch, page
range, no content) so a batch split again never files its pages a second time; the case's cover
sheets and mail address are revoked, not deleted, so a late scan or message is held, not filed.
They are revoked first, in a transaction of their own, before any object is removed. While a
scanned batch with parts of the case is still being split the request answers RetryLater (read
again shortly): the split needs the batch's copy, and what it files afterwards would stay, since
this erasure's receipt makes the kind done and no second request comes.

When everything is gone, one ``CaseDataErased`` receipt goes through intake's outbox in the same
transaction as the row changes. A redelivered request finds nothing more to remove and answers
again (items_removed 0). S3 deletions come first and rows after: a failure in between leaves the
rows that name what to remove, so the retry removes the rest; nothing is acknowledged as gone
that is not.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    update,
)

from casework_common import erasure, storage
from casework_common.kafka import RetryLater
from casework_common.vocabulary import EVIDENCE_IN_PROGRESS
from casework_intake.settings import IntakeSettings
from casework_intake.tables import (
    cover_sheets,
    evidence,
    facts_history,
    idempotency_keys,
    intake_addresses,
    mail_messages,
    outbox,
    scan_batches,
    scan_parts,
    status_history,
)

SERVICE = "intake"
GROUP = "intake-erasure"
KIND = erasure.held_kind(SERVICE, "evidence_originals")
# Who revoked or decided, in rows that keep a person's name there otherwise.
ERASURE = "erasure"
ERASED_NAME = "(erased)"
# The status reason of an item erased before the pipeline finished with it.
ENDED_BY_ERASURE = "Erased before it was processed."


@dataclass
class Removed:
    """What one erasure removed, counted for the receipt (no names, no content)."""

    versions: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per bucket role
    evidence_rows: int = 0
    mail_rows: int = 0
    unfiled_parts: int = 0
    remembered_answers: int = 0
    facts_changes: int = 0
    events: int = 0
    cover_sheets: int = 0
    addresses: int = 0

    @property
    def items(self) -> int:
        """Object versions removed plus rows deleted or anonymised (revocations are not removals)."""
        return (
            sum(self.versions.values())
            + self.evidence_rows
            + self.mail_rows
            + self.unfiled_parts
            + self.remembered_answers
            + self.facts_changes
            + self.events
        )

    def detail(self) -> str:
        versions = ", ".join(f"{role} {count}" for role, count in sorted(self.versions.items()) if count) or "none"
        return (
            f"{sum(self.versions.values())} stored object version(s) removed ({versions}); "
            f"{self.evidence_rows} evidence record(s) anonymised; {self.facts_changes} facts change(s), "
            f"{self.mail_rows} held or filed message record(s), {self.unfiled_parts} unfiled scanned part(s), "
            f"{self.remembered_answers} remembered upload answer(s) and {self.events} published event(s) removed; "
            f"{self.cover_sheets} cover sheet(s) and {self.addresses} case address(es) revoked"
        )


class EvidenceEraser(erasure.RetentionEraser[IntakeSettings]):
    """Consumes ``CaseDataDue``: removes the case's evidence originals and answers with a receipt."""

    service = SERVICE
    kind = KIND

    def erase(self, case_id: uuid.UUID, request_id: str = "") -> Removed:
        """Remove the case's evidence originals everywhere intake keeps them; send the receipt."""
        removed = Removed()
        # The case's doors are closed first, in a transaction of their own: a message to the case's
        # address or a scan behind its cover sheet arriving while the objects are being removed is
        # refused or held unfiled instead of leaving an object whose row is deleted below.
        with self.engine.begin() as conn:
            self._close_doors(conn, case_id, removed)
        self._wait_for_splits(case_id)
        self._remove_objects(case_id, removed)
        with self.engine.begin() as conn:
            self._close_doors(conn, case_id, removed)  # again: nothing left to revoke, harmless
            self._forget_rows(conn, case_id, removed)
            erasure.enqueue_receipt(conn, outbox, SERVICE, KIND, str(case_id), request_id, removed)
        return removed

    # -- objects ------------------------------------------------------------------------------

    def _remove_objects(self, case_id: uuid.UUID, removed: Removed) -> None:
        settings = self.settings
        removed.versions["evidence"] += storage.delete_all_versions(
            self.s3, settings.evidence_bucket, prefixes=[f"cases/{case_id}/"]
        )
        removed.versions["pending uploads"] += storage.delete_all_versions(
            self.s3, settings.pending_bucket, prefixes=[f"{case_id}/"]
        )
        held: dict[str, list[str]] = defaultdict(list)
        with self.engine.connect() as conn:
            for bucket, key in conn.execute(
                select(mail_messages.c.bucket, mail_messages.c.object_key).where(
                    mail_messages.c.case_id == case_id, mail_messages.c.object_key.is_not(None)
                )
            ):
                held[bucket].append(key)
            for bucket, key in conn.execute(
                select(scan_parts.c.bucket, scan_parts.c.object_key).where(
                    self._parts_of(case_id), scan_parts.c.object_key.is_not(None)
                )
            ):
                held[bucket].append(key)
            for bucket, key in conn.execute(self._batches_of(case_id)):
                held[bucket].append(key)
        for bucket, keys in held.items():
            removed.versions["held mail and scans"] += storage.delete_all_versions(self.s3, bucket, keys=keys)

    @staticmethod
    def _parts_of(case_id: uuid.UUID) -> ColumnElement[bool]:
        """Scanned parts of the case: filed to it, or behind one of its cover sheets (its pages)."""
        sheets = select(cover_sheets.c.id).where(cover_sheets.c.case_id == case_id)
        return or_(scan_parts.c.case_id == case_id, scan_parts.c.cover_sheet_id.in_(sheets))

    def _batches_of(self, case_id: uuid.UUID) -> Select[tuple[str, str]]:
        """Stored copies of batches with pages of the case. No batch with parts of the case is still
        being split here: :meth:`_wait_for_splits` answered RetryLater for those."""
        return (
            select(scan_batches.c.bucket, scan_batches.c.object_key)
            .distinct()
            .join(scan_parts, scan_parts.c.batch_id == scan_batches.c.id)
            .where(self._parts_of(case_id))
        )

    def _wait_for_splits(self, case_id: uuid.UUID) -> None:
        """RetryLater while a scanned batch with parts of the case is still being split: the split
        needs the batch's copy, and the parts it files or queues after this erasure would stay (no
        second request comes: this erasure's receipt makes the kind done). The request is read again
        shortly and goes ahead once the batch is split (or failed); a batch a crash left half-split
        is finished by the mailroom's next poll. Parts of a batch whose split had recorded none of
        the case's parts yet are read behind the sheets revoked above: held unfiled, like any late
        scan behind a revoked sheet."""
        with self.engine.connect() as conn:
            busy = conn.execute(
                select(scan_batches.c.id)
                .join(scan_parts, scan_parts.c.batch_id == scan_batches.c.id)
                .where(self._parts_of(case_id), scan_batches.c.state == "splitting")
                .limit(1)
            ).scalar()
        if busy is not None:
            raise RetryLater(f"scanned batch {busy} with pages of case {case_id} is still being split")

    # -- rows ---------------------------------------------------------------------------------

    @staticmethod
    def _close_doors(conn: Connection, case_id: uuid.UUID, removed: Removed) -> None:
        """Revoke the case's cover sheets and mail addresses (revoked, not deleted: a late scan or
        message is held, not filed)."""
        removed.cover_sheets += conn.execute(
            update(cover_sheets)
            .where(cover_sheets.c.case_id == case_id, cover_sheets.c.revoked_at.is_(None))
            .values(revoked_at=func.now(), revoked_by=ERASURE)
        ).rowcount
        removed.addresses += conn.execute(
            update(intake_addresses)
            .where(and_(intake_addresses.c.case_id == case_id, intake_addresses.c.revoked_at.is_(None)))
            .values(revoked_at=func.now(), revoked_by=ERASURE)
        ).rowcount

    def _forget_rows(self, conn: Connection, case_id: uuid.UUID, removed: Removed) -> None:
        items = select(evidence.c.id).where(evidence.c.case_id == case_id).scalar_subquery()
        removed.facts_changes = conn.execute(
            facts_history.delete().where(facts_history.c.evidence_id.in_(items))
        ).rowcount
        # Statuses and dates stay (the item's history); reasons can name what was inside.
        conn.execute(
            update(status_history)
            .where(status_history.c.evidence_id.in_(items), status_history.c.reason.is_not(None))
            .values(reason=None)
        )
        unfinished = evidence.c.status.in_(EVIDENCE_IN_PROGRESS)
        anonymised = conn.execute(
            update(evidence)
            .where(evidence.c.case_id == case_id, evidence.c.erased_at.is_(None))
            .values(
                filename=ERASED_NAME,
                filename_raw=None,
                filename_charset=None,
                metadata={},
                channel_detail={},
                title=None,
                title_source=None,
                document_date=None,
                document_date_source=None,
                # The hash would still tell whether someone holds a given file.
                sha256="",
                version_id=None,
                # The uploader's role stays, not who it was (often the member).
                uploaded_by=evidence.c.uploaded_by_role,
                uploaded_by_sub="",
                # An item still in the pipeline has nothing left to read: ended, so the
                # reconciler never sends it through again.
                status=case((unfinished, literal("failed")), else_=evidence.c.status),
                status_reason=case((unfinished, literal(ENDED_BY_ERASURE)), else_=None),
                erased_at=func.now(),
                updated_at=func.now(),
            )
            .returning(evidence.c.id, evidence.c.status_reason, evidence.c.pages_done, evidence.c.pages_total)
        ).all()
        removed.evidence_rows = len(anonymised)
        # Every status change is in the item's history (evidence.py), this one too.
        ended = [
            {
                "evidence_id": row.id,
                "status": "failed",
                "reason": ENDED_BY_ERASURE,
                "pages_done": row.pages_done,
                "pages_total": row.pages_total,
            }
            for row in anonymised
            if row.status_reason == ENDED_BY_ERASURE
        ]
        if ended:
            conn.execute(status_history.insert(), ended)
        # Published events about the items (evidence.uploaded carries the file name); pending ones
        # are left to be sent.
        removed.events = conn.execute(
            outbox.delete().where(
                outbox.c.key.in_(select(cast(evidence.c.id, Text)).where(evidence.c.case_id == case_id)),
                outbox.c.published_at.is_not(None),
            )
        ).rowcount
        removed.mail_rows = conn.execute(mail_messages.delete().where(mail_messages.c.case_id == case_id)).rowcount
        removed.unfiled_parts = conn.execute(
            update(scan_parts)
            .where(self._parts_of(case_id), scan_parts.c.state == "waiting")
            .values(state="rejected", decided_by=ERASURE, decided_at=func.now(), bucket=None, object_key=None)
        ).rowcount
        # Filed parts keep their rows (no content); their copies were removed above.
        conn.execute(
            update(scan_parts)
            .where(self._parts_of(case_id), scan_parts.c.object_key.is_not(None))
            .values(bucket=None, object_key=None)
        )
        removed.remembered_answers = conn.execute(
            idempotency_keys.delete().where(
                idempotency_keys.c.response.contains({"items": [{"case_id": str(case_id)}]})
            )
        ).rowcount
