"""All-or-nothing uploads: each file is written under a pending key first and copied to its final,
object-locked key only once the whole request has arrived and the stored size is verified.

Pending objects live in a bucket of their own without object lock: in the evidence bucket the
default retention would keep a half-written file for years. Whatever happens to the request, its
pending objects are removed; a lifecycle rule on the pending bucket expires what a crashed process
could not remove (where the object store supports lifecycle rules; SeaweedFS and MinIO do).
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from minio import Minio
from minio.commonconfig import ENABLED, GOVERNANCE, CopySource, Filter
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.lifecycleconfig import AbortIncompleteMultipartUpload, Expiration, LifecycleConfig, Rule
from minio.retention import Retention

from casework_common import storage
from casework_common.problems import unavailable
from casework_intake.multipart import FilePart
from casework_intake.settings import IntakeSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Staged:
    """A file stored whole under its pending key."""

    key: str
    size: int


class Staging:
    """Pending objects of uploads in progress, and their promotion to evidence."""

    def __init__(self, s3: Minio, settings: IntakeSettings) -> None:
        self._s3 = s3
        self._bucket = settings.pending_bucket
        self.evidence_bucket = settings.evidence_bucket
        self._part_size = settings.s3_part_size
        self._expiry_days = settings.pending_expiry_days
        self._retention_days = settings.evidence_retention_days

    def ensure_bucket(self) -> None:
        """Create the pending bucket (no object lock) with its expiry rule for abandoned objects."""
        storage.ensure_bucket(self._s3, self._bucket)
        rule = Rule(
            status=ENABLED,
            rule_filter=Filter(prefix=""),
            rule_id="expire-abandoned-uploads",
            expiration=Expiration(days=self._expiry_days),
            abort_incomplete_multipart_upload=AbortIncompleteMultipartUpload(days_after_initiation=self._expiry_days),
        )
        try:
            self._s3.set_bucket_lifecycle(self._bucket, LifecycleConfig([rule]))
        except (S3Error, ServerError, InvalidResponseError) as exc:  # a store without lifecycle rules: uploads
            # still remove their own pending objects; only a crash mid-upload leaves one behind
            log.warning("no lifecycle rule on %s (%s): only uploads remove their pending objects", self._bucket, exc)

    def stage(self, case_id: str, part: FilePart) -> Staged:
        """Stream ``part`` to a pending key; nothing is left there if it fails or comes out short."""
        key = f"{case_id}/{uuid.uuid4()}"
        try:
            self._s3.put_object(
                self._bucket, key, part, length=-1, part_size=self._part_size, content_type="application/octet-stream"
            )
            stored = self._s3.stat_object(self._bucket, key).size
        except BaseException:
            self._remove(key)  # a PUT whose answer was lost may have stored the object
            raise
        if stored != part.size:
            self._remove(key)
            raise unavailable(f"The object store kept {stored} of the file's {part.size} bytes; send it again.")
        return Staged(key, part.size)

    def stage_bytes(self, case_id: str, data: bytes) -> Staged:
        """Store a file already in memory (a mail attachment, a scanned part) under a pending key."""
        key = f"{case_id}/{uuid.uuid4()}"
        try:
            self._s3.put_object(
                self._bucket, key, io.BytesIO(data), length=len(data), content_type="application/octet-stream"
            )
        except BaseException:
            self._remove(key)
            raise
        return Staged(key, len(data))

    def promote(self, staged: Staged, final_key: str) -> str | None:
        """Copy a whole pending object to its final key and lock that version for the retention
        period; returns the version's id. The lock is set explicitly: SeaweedFS applies a bucket's
        default retention to uploads but not to copies (MinIO does both; setting it again is harmless)."""
        written = self._s3.copy_object(self.evidence_bucket, final_key, CopySource(self._bucket, staged.key))
        until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=self._retention_days)
        self._s3.set_object_retention(
            self.evidence_bucket, final_key, Retention(GOVERNANCE, until), version_id=written.version_id
        )
        return written.version_id

    def discard(self, staged: Iterable[Staged]) -> None:
        """Remove pending objects (promoted or not); one that cannot be removed expires by the lifecycle rule."""
        for item in staged:
            self._remove(item.key)

    def _remove(self, key: str) -> None:
        try:
            self._s3.remove_object(self._bucket, key)
        except (S3Error, OSError) as exc:
            log.warning("pending object %s/%s not removed (%s); its lifecycle rule will", self._bucket, key, exc)
