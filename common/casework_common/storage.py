"""S3 object storage (MinIO in production, SeaweedFS on one machine) through the minio client."""

from __future__ import annotations

from collections.abc import Iterable

from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.objectlockconfig import DAYS, GOVERNANCE, ObjectLockConfig

from casework_common.settings import S3Settings


def make_client(settings: S3Settings) -> Minio:
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key.get_secret_value(),
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
        region=settings.s3_region,
    )


def retention_client(settings: S3Settings) -> Minio:
    """A client with the retention identity: the only one allowed to remove object-locked versions
    before their lock ends (docs/design.md#data-protection). Only erasure code paths use it."""
    key = settings.s3_retention_access_key.get_secret_value()
    if not key:
        raise RuntimeError("no retention S3 identity configured (CASEWORK_S3_RETENTION_ACCESS_KEY)")
    return Minio(
        settings.s3_endpoint,
        access_key=key,
        secret_key=settings.s3_retention_secret_key.get_secret_value(),
        secure=settings.s3_secure,
        region=settings.s3_region,
    )


def delete_all_versions(client: Minio, bucket: str, keys: Iterable[str] = (), prefixes: Iterable[str] = ()) -> int:
    """Remove every version and delete marker of each key in ``keys`` and of every key under each of
    ``prefixes``, bypassing governance-mode locks (which only the retention identity may do).
    Returns how many versions were removed; raises RuntimeError if any could not be (the caller's
    erasure is then retried: nothing is acknowledged as gone that is not)."""
    victims: list[DeleteObject] = []
    wanted = set(keys)
    for prefix in [*prefixes, *wanted]:
        for obj in client.list_objects(bucket, prefix=prefix, recursive=True, include_version=True):
            if prefix in wanted and obj.object_name != prefix:
                continue  # an exact key, not everything that starts with it
            victims.append(DeleteObject(obj.object_name, obj.version_id))
    errors = list(client.remove_objects(bucket, victims, bypass_governance_mode=True)) if victims else []
    if errors:
        first = errors[0]
        raise RuntimeError(
            f"{len(errors)} of {len(victims)} versions in {bucket} not removed: {first.code} {first.message}"
        )
    return len(victims)


def ensure_bucket(client: Minio, bucket: str, retention_days: int | None = None) -> None:
    """Create ``bucket`` if missing. With ``retention_days``, objects are write-once:
    versioned, with a default object-lock retention so no version can be deleted or
    overwritten in place for that long."""
    if not client.bucket_exists(bucket):
        try:
            client.make_bucket(bucket, object_lock=retention_days is not None)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
    if retention_days is not None:
        client.set_object_lock_config(bucket, ObjectLockConfig(GOVERNANCE, retention_days, DAYS))


def page_text_key(evidence_id: str, page: int) -> str:
    """Where OCR stores the text of one page in the text bucket (search reads it back)."""
    return f"{evidence_id}/pages/{page:05d}.txt"


def page_words_key(evidence_id: str, page: int) -> str:
    """Where OCR stores the word boxes (Tesseract TSV) of one OCR'd page, for highlighting on the image."""
    return f"{evidence_id}/pages/{page:05d}.tsv"


def read_text(client: Minio, bucket: str, key: str) -> str:
    """A stored text object (e.g. a page's extracted text), decoded as UTF-8."""
    response = client.get_object(bucket, key)
    try:
        return response.read().decode("utf-8", "replace")
    finally:
        response.close()
        response.release_conn()


def ready(client: Minio, bucket: str) -> bool:
    return client.bucket_exists(bucket)
