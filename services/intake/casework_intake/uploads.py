"""One upload request, all or nothing: its files are staged under pending keys while the body
arrives; only once the whole body is in does one transaction claim the Idempotency-Key, promote
every file to its final key and record the items with their events. A request that fails at any
point leaves no item, no event and no object behind (staging.py removes the pending ones)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from casework.v1 import workflow_pb2
from casework_common.auth import Principal
from casework_common.problems import invalid
from casework_common.vocabulary import STAFF_ROLES, VISIBILITIES
from casework_intake.evidence import EvidenceRecords, to_json
from casework_intake.filenames import OriginalName, display_name
from casework_intake.idempotency import IdempotencyKeys, Outcome, file_facts, fingerprint
from casework_intake.multipart import FilePart, FormField, MultipartForm
from casework_intake.staging import Staged, Staging

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    """A file of the request, read to its end (and staged, unless the request is a replay)."""

    original: OriginalName
    content_type: str
    size: int
    sha256: str
    staged: Staged | None


@dataclass(frozen=True)
class Answer:
    """What to answer: the body and status, whether it repeats an earlier answer, and the new items."""

    body: dict[str, Any]
    status: int
    replayed: bool
    stored: list[Any]


class Uploads:
    """Files coming in through the API: a person's upload to a case, and the files ocr finds
    inside an item (an archive's members, an email's attachments)."""

    def __init__(
        self, store: EvidenceRecords, staging: Staging, keys: IdempotencyKeys, max_files: int, max_depth: int
    ) -> None:
        self.store = store
        self.staging = staging
        self.keys = keys
        self.max_files = max_files
        self.max_depth = max_depth

    def receive(
        self, caller: Principal, case: workflow_pb2.CaseSummary, form: MultipartForm, key: str | None
    ) -> Answer:
        """Read the whole form, then store it (or repeat the answer given to ``key`` before)."""
        earlier = self.keys.find(caller.subject, key) if key else None
        received: list[Received] = []
        try:
            visibility = "member"
            for part in form:
                if isinstance(part, FormField):
                    visibility = self._visibility(caller, part)
                    continue
                self._check_file(part, len(received))
                staged = self.staging.stage(case.case_id, part) if earlier is None else _drain(part)
                received.append(
                    Received(part.original, part.content_type[:200], part.size, part.sha256.hexdigest(), staged)
                )
            if not received:
                raise invalid([{"field": "file", "message": "At least one file is required."}])
            print_ = fingerprint(
                f"cases/{case.case_id}/evidence",
                {"visibility": visibility},
                [file_facts(f.original.raw, f.content_type, f.size, f.sha256) for f in received],
            )
            if earlier is not None and key is not None:
                return _replay(earlier, print_, key)
            return self._store(caller, case, visibility, received, key, print_)
        finally:
            self.staging.discard(f.staged for f in received if f.staged is not None)

    def add_child(self, parent: Any, form: MultipartForm) -> tuple[Any, bool]:
        """Read ocr's form (an ``index``: the file's position in ``parent``, then the ``file``) and
        record the file as an item of its own: the item and True, or the item recorded for that
        index before and False (the same file sent again)."""
        index: int | None = None
        for part in form:
            if isinstance(part, FormField):
                if part.name != "index" or not part.value.isdigit():
                    raise invalid([{"field": part.name, "message": "Only an integer 'index' field is accepted."}])
                index = int(part.value)
                continue
            if index is None:
                raise invalid([{"field": "index", "message": "Send the index before the file."}])
            existing = self.store.child(parent.id, index)
            if existing is not None:
                part.drain()
                return existing, False
            if parent.depth + 1 > self.max_depth:
                part.drain()
                deeper = f"Files nested deeper than {self.max_depth} levels are not taken in."
                raise invalid([{"field": "file", "message": deeper}])
            staged = self.staging.stage(str(parent.case_id), part)
            try:
                for _rest in form:  # all or nothing: the body must arrive whole before the item exists
                    pass
                evidence_id = uuid.uuid4()
                key = f"cases/{parent.case_id}/{evidence_id}/original"
                version_id = self.staging.promote(staged, key)
            finally:
                self.staging.discard([staged])
            row = self.store.record_child(
                parent=parent,
                index=index,
                evidence_id=evidence_id,
                filename=display_name(part.filename),
                filename_raw=part.original.raw,
                filename_charset=part.original.charset,
                content_type=part.content_type[:200],
                size_bytes=part.size,
                sha256=part.sha256.hexdigest(),
                object_key=key,
                version_id=version_id,
            )
            return row, True
        raise invalid([{"field": "file", "message": "A file is required."}])

    def _store(
        self,
        caller: Principal,
        case: workflow_pb2.CaseSummary,
        visibility: str,
        received: list[Received],
        key: str | None,
        print_: str,
    ) -> Answer:
        with self.store.engine.begin() as conn:
            if key is not None:
                earlier = self.keys.claim(conn, caller.subject, key, print_)
                if earlier is not None:  # a copy of this request sent at the same time got there first
                    return _replay(earlier, print_, key)
            recorded = {}
            # In hash order: each record locks its (case, hash), and two uploads of the same files in
            # opposite orders would otherwise deadlock. Files of equal hash keep their order.
            for index, file in sorted(enumerate(received), key=lambda pair: pair[1].sha256):
                assert file.staged is not None
                evidence_id = uuid.uuid4()
                final_key = f"cases/{case.case_id}/{evidence_id}/original"
                recorded[index] = self.store.record(
                    evidence_id=evidence_id,
                    case=case,
                    uploader=caller,
                    filename=display_name(file.original.text),
                    filename_raw=file.original.raw,
                    filename_charset=file.original.charset,
                    content_type=file.content_type,
                    size_bytes=file.size,
                    sha256=file.sha256,
                    visibility=visibility,
                    bucket=self.staging.evidence_bucket,
                    object_key=final_key,
                    version_id=self.staging.promote(file.staged, final_key),
                    conn=conn,
                )
            rows = [recorded[index] for index in range(len(received))]
            body = {"items": [to_json(row) for row in rows]}
            if key is not None:
                self.keys.answer(conn, caller.subject, key, 201, body)
        for row in rows:
            log.info(
                "stored evidence %s (%d bytes) on case %s for %s", row.id, row.size_bytes, row.case_id, caller.username
            )
        return Answer(body, 201, replayed=False, stored=rows)

    @staticmethod
    def _visibility(caller: Principal, field: FormField) -> str:
        if field.name != "visibility":
            raise invalid([{"field": field.name, "message": "Unknown field."}])
        if field.value not in VISIBILITIES:
            raise invalid([{"field": "visibility", "message": "Must be 'member' or 'reps'."}])
        # Union staff may hide a file from the member it is about; the member may not.
        if field.value == "reps" and not caller.has(*STAFF_ROLES):
            raise invalid([{"field": "visibility", "message": "Members cannot hide files from themselves."}])
        return field.value

    def _check_file(self, part: FilePart, count: int) -> None:
        if part.name != "file":  # the declared form (api.UPLOAD_FORM) has no other file field
            raise invalid([{"field": part.name, "message": "Unknown field: send files as 'file'."}])
        if part.is_empty():
            shown = display_name(part.filename)
            raise invalid([{"field": "file", "message": f"The file '{shown}' is empty (0 bytes)."}])
        if count >= self.max_files:
            raise invalid([{"field": part.name, "message": f"At most {self.max_files} files per upload."}])


def _drain(part: FilePart) -> None:
    """Read a file to its end for its size and hash only (a replay stores nothing)."""
    part.drain()


def _replay(earlier: Outcome, print_: str, key: str) -> Answer:
    body, status = earlier.replay(print_, key)
    return Answer(body, status, replayed=True, stored=[])
