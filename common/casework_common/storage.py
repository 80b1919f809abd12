"""S3 object storage (MinIO in production, SeaweedFS on one machine) through the minio client."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.objectlockconfig import DAYS, GOVERNANCE, ObjectLockConfig
from minio.sseconfig import Rule, SSEConfig

from casework_common.settings import S3Settings


class S3Client(Minio):
    """minio's client, remembering the deployment's server-side encryption so that every bucket a
    service creates through :func:`ensure_bucket` gets it without each caller passing it along."""

    def __init__(self, *args: Any, server_side_encryption: str = "", sse_kms_key_id: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.server_side_encryption = server_side_encryption
        self.sse_kms_key_id = sse_kms_key_id


def make_client(settings: S3Settings) -> S3Client:
    """A client with the services' ordinary identity (which cannot bypass object locks)."""
    return S3Client(
        settings.s3_endpoint,
        access_key=settings.s3_access_key.get_secret_value(),
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
        region=settings.s3_region,
        server_side_encryption=settings.s3_server_side_encryption,
        sse_kms_key_id=settings.s3_sse_kms_key_id,
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
    # Keyed by (name, version): a key also under one of the prefixes (or a prefix under another)
    # is listed more than once, and must be sent and counted once.
    victims: dict[tuple[str, str | None], DeleteObject] = {}
    wanted = set(keys)
    for prefix in [*prefixes, *wanted]:
        for obj in client.list_objects(bucket, prefix=prefix, recursive=True, include_version=True):
            if prefix in wanted and obj.object_name != prefix:
                continue  # an exact key, not everything that starts with it
            victims.setdefault((obj.object_name, obj.version_id), DeleteObject(obj.object_name, obj.version_id))
    batch = list(victims.values())
    errors = list(client.remove_objects(bucket, batch, bypass_governance_mode=True)) if batch else []
    if errors:
        first = errors[0]
        raise RuntimeError(
            f"{len(errors)} of {len(batch)} versions in {bucket} not removed: {first.code} {first.message}"
        )
    return len(batch)


def ensure_bucket(client: Minio, bucket: str, retention_days: int | None = None) -> None:
    """Create ``bucket`` if missing. With ``retention_days``, objects are write-once:
    versioned, with a default object-lock retention so no version can be deleted or
    overwritten in place for that long. The client's server-side encryption, if any, becomes the
    bucket's default encryption (:func:`encrypt_bucket`)."""
    if not client.bucket_exists(bucket):
        try:
            client.make_bucket(bucket, object_lock=retention_days is not None)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
    if retention_days is not None:
        client.set_object_lock_config(bucket, ObjectLockConfig(GOVERNANCE, retention_days, DAYS))
    encrypt_bucket(client, bucket)


def encrypt_bucket(client: Minio, bucket: str) -> None:
    """Make the client's server-side encryption (``S3Client.server_side_encryption``, from
    ``CASEWORK_S3_SERVER_SIDE_ENCRYPTION``) the default of ``bucket``: every object written after,
    uploads, multipart uploads and server-side copies alike, is encrypted at rest by the S3 server
    with keys it manages. Set on every start, so turning it on reaches existing buckets (objects
    already stored stay as they are). Nothing is changed when the setting is empty."""
    algorithm = getattr(client, "server_side_encryption", "")
    if not algorithm:
        return
    if algorithm == "AES256":
        rule = Rule.new_sse_s3_rule()
    elif algorithm == "aws:kms":
        rule = Rule.new_sse_kms_rule(getattr(client, "sse_kms_key_id", "") or None)
    else:
        raise ValueError(f"unknown server-side encryption {algorithm!r} (AES256 or aws:kms)")
    client.set_bucket_encryption(bucket, SSEConfig(rule))


def page_text_key(evidence_id: str, page: int) -> str:
    """Where OCR stores the text of one page in the text bucket (search reads it back)."""
    return f"{evidence_id}/pages/{page:05d}.txt"


def page_words_key(evidence_id: str, page: int) -> str:
    """Where OCR stores the word boxes (Tesseract TSV) of one OCR'd page, for highlighting on the image."""
    return f"{evidence_id}/pages/{page:05d}.tsv"


def read_bytes(client: Minio, bucket: str, key: str, version_id: str | None = None) -> bytes:
    """A stored object's bytes, read whole (for small objects; stream large ones), with the
    connection handed back to the pool whatever happens. S3 errors (e.g. NoSuchKey) propagate."""
    response = client.get_object(bucket, key, version_id=version_id)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def read_text(client: Minio, bucket: str, key: str) -> str:
    """A stored text object (e.g. a page's extracted text), decoded as UTF-8."""
    return read_bytes(client, bucket, key).decode("utf-8", "replace")


def ready(client: Minio, bucket: str) -> bool:
    return client.bucket_exists(bucket)
