"""Files that come in other than in an upload request (an email, one part of a scanned batch,
something a person takes out of a queue) become evidence the way an upload's files do: each is
staged, promoted to the locked evidence bucket, and recorded with its ``evidence.uploaded`` event,
all the records in one transaction. So they pass through the same pipeline (virus scan, reading,
indexing) and show up with the same record, plus how they came in (``channel``)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row

from casework.v1 import workflow_pb2
from casework_common.auth import Principal
from casework_common.vocabulary import INTAKE_CHANNELS, VISIBILITIES
from casework_intake.evidence import EvidenceRecords
from casework_intake.filenames import OriginalName, display_name
from casework_intake.staging import Staged, Staging

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arrival:
    """One file to file: its name as it came, its declared type and its bytes."""

    original: OriginalName
    content_type: str
    data: bytes
    # Per-file additions to the channel detail (e.g. a scanned part's pages).
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def person(username: str, subject: str, role: str) -> Principal:
    """The principal items are filed for when no request carried a token: an email's sender,
    a cover sheet's printer (as workflow's AuthorizePerson found them)."""
    return Principal(subject=subject, username=username, roles=frozenset({role}))


class AlreadyDecided(Exception):
    """A waiting thing (held mail, an unfiled part) was accepted or rejected by someone else first;
    ``row`` is its record as it now is, when the one who noticed has it."""

    def __init__(self, row: Any = None) -> None:
        super().__init__("decided already")
        self.row = row


class Filing:
    """Turns arrivals into evidence items of one case."""

    def __init__(self, store: EvidenceRecords, staging: Staging) -> None:
        self.store = store
        self.staging = staging

    def file(
        self,
        uploader: Principal,
        case: workflow_pb2.CaseSummary,
        visibility: str,
        arrivals: Sequence[Arrival],
        channel: str,
        detail: dict[str, Any],
        also: Callable[[Connection, list[Row[Any]]], None] | None = None,
    ) -> list[Row[Any]]:
        """Store ``arrivals`` as items of ``case`` uploaded by ``uploader``, with ``channel`` (a name
        of INTAKE_CHANNELS) and ``detail`` (merged with each arrival's own). ``also(conn, rows)`` runs
        in the same transaction, so what the caller records about the filing (a message marked
        filed, a queue entry accepted) commits with the items or not at all."""
        if channel not in INTAKE_CHANNELS:
            raise ValueError(f"unknown intake channel {channel!r}")
        if visibility not in VISIBILITIES:
            raise ValueError(f"unknown visibility {visibility!r}")
        staged: list[Staged] = []
        try:
            for arrival in arrivals:
                staged.append(self.staging.stage_bytes(case.case_id, arrival.data))
            with self.store.engine.begin() as conn:
                rows = []
                for arrival, pending in zip(arrivals, staged, strict=True):
                    evidence_id = uuid.uuid4()
                    final_key = f"cases/{case.case_id}/{evidence_id}/original"
                    rows.append(
                        self.store.record(
                            evidence_id=evidence_id,
                            case=case,
                            uploader=uploader,
                            filename=display_name(arrival.original.text),
                            filename_raw=arrival.original.raw,
                            filename_charset=arrival.original.charset,
                            content_type=arrival.content_type[:200],
                            size_bytes=len(arrival.data),
                            sha256=arrival.sha256,
                            visibility=visibility,
                            bucket=self.staging.evidence_bucket,
                            object_key=final_key,
                            version_id=self.staging.promote(pending, final_key),
                            conn=conn,
                            channel=channel,
                            channel_detail={**detail, **arrival.detail},
                        )
                    )
                if also is not None:
                    also(conn, rows)
        finally:
            self.staging.discard(staged)
        for row in rows:
            log.info(
                "filed %s %s (%d bytes) on case %s for %s",
                channel,
                row.id,
                row.size_bytes,
                row.case_id,
                uploader.username,
            )
        return rows
