"""Deciding held mail: a person accepts a waiting message (it is filed to its case as an evidence
item) or rejects it (its copy is deleted, its record kept). Each decision is taken once: whoever
comes second is told it was decided already."""

from __future__ import annotations

import logging
from typing import Any

from minio import Minio

from casework.v1 import workflow_pb2
from casework_common.auth import Principal
from casework_intake.filenames import OriginalName
from casework_intake.filing import AlreadyDecided, Arrival, Filing
from casework_intake.gauges import HELD_DECISIONS
from casework_intake.mailroom.messages import evidence_filename
from casework_intake.mailroom.store import MailLog

log = logging.getLogger(__name__)


class HeldMail:
    """Accepting and rejecting held messages."""

    def __init__(self, mail_log: MailLog, filing: Filing, s3: Minio) -> None:
        self.mail_log = mail_log
        self.filing = filing
        self.s3 = s3

    def accept(self, caller: Principal, row: Any, case: workflow_pb2.CaseSummary, visibility: str) -> list[Any]:
        """File the waiting message ``row`` to ``case`` as an item uploaded by the caller; the
        message is marked accepted in the same transaction. Returns the new items."""
        if row.state != "waiting":
            raise AlreadyDecided(row)
        held_object = self.s3.get_object(row.bucket, row.object_key)
        try:
            data = held_object.read()
        finally:
            held_object.close()
            held_object.release_conn()
        name = evidence_filename(row.subject or "")

        class Taken(Exception):
            pass

        def record(conn: Any, rows: list[Any]) -> None:
            if not MailLog.decide(conn, row.id, "accepted", caller.username, rows[0].id):
                raise Taken()

        try:
            items = self.filing.file(
                caller,
                case,
                visibility,
                [Arrival(OriginalName(name.encode("utf-8"), "utf-8", name), "message/rfc822", data)],
                "email",
                {
                    "from": row.sender,
                    "message_id": row.message_id,
                    "mail_id": str(row.id),
                    "accepted_by": caller.username,
                },
                also=record,
            )
        except Taken:
            raise AlreadyDecided(self.mail_log.get(row.id)) from None
        self._remove(row.bucket, row.object_key)
        HELD_DECISIONS.labels("mail", "accepted").inc()
        log.info("held mail %s accepted on case %s by %s", row.id, row.case_id, caller.username)
        return items

    def reject(self, caller: Principal, row: Any) -> None:
        """Mark the message rejected and delete its copy; its record stays."""
        with self.mail_log.engine.begin() as conn:
            if not MailLog.decide(conn, row.id, "rejected", caller.username, None):
                raise AlreadyDecided(self.mail_log.get(row.id))
        if row.object_key:
            self._remove(row.bucket, row.object_key)
        HELD_DECISIONS.labels("mail", "rejected").inc()
        log.info("held mail %s rejected on case %s by %s", row.id, row.case_id, caller.username)

    def _remove(self, bucket: str, key: str) -> None:
        """Delete a held copy once its decision is committed; one left behind is only storage."""
        try:
            self.s3.remove_object(bucket, key)
        except Exception:
            log.exception("the held copy %s/%s could not be deleted", bucket, key)
