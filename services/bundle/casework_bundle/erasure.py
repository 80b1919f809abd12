"""Erasure of a case's hearing bundles (docs/design.md, 'Erasure in intake, ocr and bundle').

Workflow publishes ``CaseDataDue`` on ``dataprotection.erasures`` when a closed case's data is due
for removal. The bundle service holds the kind ``bundles``: for it, this consumer (in the API
process) removes

- every version (and delete marker) of the case's built volumes, ``cases/<case_id>/bundles/...`` in
  the bundle bucket, through the retention identity (the bucket has a governance-mode lock);
- the case's bundle rows (titles, the items' names and facts, the index, redactions), their shares
  (recipients' names and addresses) and the recipients' sessions: a link sent to a solicitor stops
  working;
- bundle's published outbox events about the case and its shares (jobs carry the items' names).

First the case is marked erased (``erased_cases``, in a transaction of its own, under an exclusive
lock on the case that a request for a bundle takes shared): from then on no bundle of the case is
asked for (409), started or finished (store.py: it ends 'failed'), and its jobs not yet sent are
deleted. A build that started before the mark stores its volumes under the bucket's lock, which only
the retention identity here can lift: while one of the case's bundles is 'building' the request
answers RetryLater (read again shortly), so the volumes are removed after the build ends. (A build
whose worker died stays 'building' until its job is delivered to another worker, which then ends
it 'failed' without building.)

Bundle rows are deleted rather than kept as stubs: nothing else points at them once their shares
are gone, and every download and share access is already in workflow's audit log. Volumes go first
and rows after (the rows say what is left to remove if the rows' deletion fails); one
``CaseDataErased`` receipt is written to bundle's outbox in the same transaction as the deletions.
A redelivered request finds nothing and answers again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, or_, select
from sqlalchemy.dialects.postgresql import insert

from casework_bundle.store import case_lock
from casework_bundle.tables import bundles, erased_cases, outbox, share_sessions, shares
from casework_bundle.worker_settings import StoreSettings
from casework_common import erasure, events, storage
from casework_common.kafka import RetryLater

SERVICE = "bundle"
GROUP = "bundle-erasure"
KIND = erasure.held_kind(SERVICE, "bundles")


@dataclass
class Removed:
    """What one erasure removed, counted for the receipt (no names, no content)."""

    versions: int = 0
    bundles: int = 0
    shares: int = 0
    rows: int = 0  # sessions and published events

    @property
    def items(self) -> int:
        return self.versions + self.bundles + self.shares + self.rows

    def detail(self) -> str:
        return (
            f"{self.versions} stored volume version(s), {self.bundles} bundle version record(s), "
            f"{self.shares} share(s) and {self.rows} session and event record(s) removed"
        )


class BundleEraser(erasure.RetentionEraser[StoreSettings]):
    """Consumes ``CaseDataDue``: removes the case's bundles and answers with a receipt."""

    service = SERVICE
    kind = KIND

    def erase(self, case_id: uuid.UUID, request_id: str = "") -> Removed:
        """Remove the case's bundles everywhere the bundle service keeps them; send the receipt."""
        removed = Removed()
        with self.engine.begin() as conn:
            building = self._mark_erased(conn, case_id, request_id, removed)
        if building:
            # Its worker stores the volumes under a lock it cannot lift: they can only be removed
            # here, after it is done (the case is marked erased already, so it ends 'failed').
            raise RetryLater(f"{building} bundle(s) of case {case_id} being built; erased once they end")
        # Every volume is kept under the case's prefix (worker.volume_key), whatever its row says.
        removed.versions = storage.delete_all_versions(
            self.s3, self.settings.bundle_bucket, prefixes=[f"cases/{case_id}/"]
        )
        with self.engine.begin() as conn:
            self._forget_rows(conn, case_id, removed)
            erasure.enqueue_receipt(conn, outbox, SERVICE, KIND, str(case_id), request_id, removed)
        return removed

    @staticmethod
    def _mark_erased(conn: Connection, case_id: uuid.UUID, request_id: str, removed: Removed) -> int:
        """Mark the case erased, durably: from this commit no bundle of it is started or finished
        (store.py) and none is asked for. Its jobs not yet sent are deleted. Returns how many of its
        bundles are being built (a build that started before the mark)."""
        case_lock(conn, case_id, exclusive=True)  # a request for a bundle commits before, or is refused
        conn.execute(insert(erased_cases).values(case_id=case_id, request_id=request_id).on_conflict_do_nothing())
        # Locked, so a worker's start (which locks the row, then looks for the mark) comes before or after.
        statuses = conn.execute(
            select(bundles.c.status).where(bundles.c.case_id == case_id).with_for_update()
        ).scalars()
        building = sum(status == "building" for status in statuses)
        removed.rows += conn.execute(
            outbox.delete().where(
                outbox.c.key == str(case_id),
                outbox.c.topic == events.BUNDLE_JOBS,
                outbox.c.published_at.is_(None),
            )
        ).rowcount
        return building

    @staticmethod
    def _forget_rows(conn: Connection, case_id: uuid.UUID, removed: Removed) -> None:
        # A share of one of the case's bundles names the case too; both conditions, to be sure.
        case_bundles = select(bundles.c.id).where(bundles.c.case_id == case_id)
        of_case = or_(shares.c.case_id == case_id, shares.c.bundle_id.in_(case_bundles))
        share_ids = list(conn.execute(select(shares.c.id).where(of_case)).scalars())
        if share_ids:
            removed.rows += conn.execute(
                share_sessions.delete().where(share_sessions.c.share_id.in_(share_ids))
            ).rowcount
            removed.shares = conn.execute(shares.delete().where(shares.c.id.in_(share_ids))).rowcount
        removed.bundles = conn.execute(bundles.delete().where(bundles.c.case_id == case_id)).rowcount
        # Published jobs (key: the case) and share-access events (key: the share); pending ones,
        # this receipt among them, are left to be sent.
        keys = [str(case_id), *(str(share_id) for share_id in share_ids)]
        removed.rows += conn.execute(
            outbox.delete().where(
                outbox.c.key.in_(keys),
                outbox.c.published_at.is_not(None),
                outbox.c.topic != events.DATA_RECEIPTS,
            )
        ).rowcount
