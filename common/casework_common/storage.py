"""S3 object storage (MinIO in production, SeaweedFS on one machine) through the minio client."""

from __future__ import annotations

from minio import Minio
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
