"""What the S3 server of the platform really enforces (SeaweedFS here, MinIO in production):
encryption at rest, which identity may remove a governance-locked version, that nobody removes a
COMPLIANCE-locked one, and what storage.delete_all_versions removes (docs/design.md, *Data protection*).

Every check talks to the stack's own SeaweedFS with the identities the services have; the bytes
at rest are read from its data directory."""

from __future__ import annotations

import datetime as dt
import io
import mmap
import secrets
import time
import uuid
from pathlib import Path

import pytest
from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE, CopySource
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.retention import Retention

from casework_common import storage
from harness import Platform, unique_number

EVIDENCE = "casework-evidence"
PENDING = "casework-evidence-pending"
# Every bucket the services create at start-up, each encrypted by default (storage.ensure_bucket).
SERVICE_BUCKETS = (
    EVIDENCE,
    PENDING,
    "casework-text",
    "casework-intake-held",
    "casework-bundles",
    "casework-scan-drop",
)
ANCHORS = "casework-audit-anchors"
# Services given the retention identity: the processes with erasure consumers that remove S3 objects.
RETENTION_PROCESSES = {"intake", "ocr", "bundle"}


def client(platform: Platform, access_key: str, secret_key: str) -> Minio:
    return Minio(f"127.0.0.1:{platform.config.ports['s3']}", access_key=access_key, secret_key=secret_key, secure=False)


@pytest.fixture
def s3(platform: Platform) -> Minio:
    """The services' ordinary identity."""
    secrets_ = platform.config.secrets
    return client(platform, secrets_.s3_access_key, secrets_.s3_secret_key)


@pytest.fixture
def retention(platform: Platform) -> Minio:
    """The retention identity (intake, ocr and bundle only)."""
    secrets_ = platform.config.secrets
    return client(platform, secrets_.s3_retention_access_key, secrets_.s3_retention_secret_key)


def marker() -> bytes:
    """Bytes that occur nowhere else, followed by random ones (which no storage layer compresses away)."""
    return f"PLAINTEXT-MARKER-{secrets.token_hex(12)}".encode()


def body_with(mark: bytes, size: int = 20_000) -> bytes:
    return mark + secrets.token_bytes(size)


def stored_in_clear(platform: Platform, mark: bytes) -> list[Path]:
    """Files under SeaweedFS's data directory (volumes, filer metadata) that contain ``mark`` as is."""
    found = []
    for path in platform.config.path("s3", "data").rglob("*"):
        if not path.is_file() or path.stat().st_size == 0:
            continue
        try:
            with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                if data.find(mark) >= 0:
                    found.append(path)
        except (FileNotFoundError, ValueError):  # removed, or emptied, while the scan ran
            continue
    return found


def wait_until_stored_in_clear(platform: Platform, mark: bytes, timeout_s: float = 30.0) -> list[Path]:
    """The control object's bytes as the volume server wrote them (a write may reach the file a
    moment after the PUT is answered)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = stored_in_clear(platform, mark)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def encryption_of(s3: Minio, bucket: str, key: str, version_id: str | None = None) -> str | None:
    return s3.stat_object(bucket, key, version_id=version_id).metadata.get("x-amz-server-side-encryption")


def versions(s3: Minio, bucket: str, prefix: str) -> list[tuple[str, str | None, bool]]:
    return sorted(
        (o.object_name, o.version_id, bool(o.is_delete_marker))
        for o in s3.list_objects(bucket, prefix=prefix, recursive=True, include_version=True)
    )


# -- encryption at rest ------------------------------------------------------------------------


def test_every_bucket_the_services_create_is_encrypted_by_default(platform: Platform, s3: Minio) -> None:
    for bucket in SERVICE_BUCKETS:
        assert s3.bucket_exists(bucket), bucket
        config = s3.get_bucket_encryption(bucket)
        assert config is not None and config.rule.sse_algorithm == "AES256", bucket
    for name, (_, process) in platform.stack.services.items():
        assert process.env.get("CASEWORK_S3_SERVER_SIDE_ENCRYPTION") == "AES256", name


def test_the_audit_anchor_bucket_is_encrypted_by_default(s3: Minio) -> None:
    # Workflow creates it at its first anchoring pass (every 5 s on the test platform).
    deadline = time.monotonic() + 60
    while not s3.bucket_exists(ANCHORS) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert s3.bucket_exists(ANCHORS), "workflow has not created the anchor bucket"
    config = s3.get_bucket_encryption(ANCHORS)
    assert config is not None and config.rule.sse_algorithm == "AES256"


def test_objects_are_encrypted_at_rest_and_a_plain_bucket_shows_the_check_can_see_plaintext(
    platform: Platform, s3: Minio
) -> None:
    # The control: a bucket without default encryption keeps the bytes as they were sent, and the
    # scan of the data directory finds them; without this the absence below would prove nothing.
    plain_bucket = f"plain-{uuid.uuid4().hex[:12]}"
    s3.make_bucket(plain_bucket)
    plain = marker()
    s3.put_object(plain_bucket, "control", io.BytesIO(body_with(plain)), 20_000 + len(plain))
    assert encryption_of(s3, plain_bucket, "control") is None
    assert wait_until_stored_in_clear(platform, plain), "the control object's plaintext is not under the data dir"

    # A plain upload, a multipart upload of unknown length (as intake stages files) and a
    # server-side copy from the pending bucket into evidence (as intake promotes them).
    direct, multipart, copied = marker(), marker(), marker()
    key = f"cases/{uuid.uuid4()}/{uuid.uuid4()}"
    written = s3.put_object(EVIDENCE, f"{key}/direct", io.BytesIO(body_with(direct)), 20_000 + len(direct))
    big = body_with(multipart, 11 * 1024 * 1024)
    s3.put_object(PENDING, f"{key}/multipart", io.BytesIO(big), -1, part_size=5 * 1024 * 1024)
    staged = body_with(copied)
    s3.put_object(PENDING, f"{key}/staged", io.BytesIO(staged), len(staged))
    promoted = s3.copy_object(EVIDENCE, f"{key}/promoted", CopySource(PENDING, f"{key}/staged"))

    assert encryption_of(s3, EVIDENCE, f"{key}/direct", written.version_id) == "AES256"
    assert encryption_of(s3, PENDING, f"{key}/multipart") == "AES256"
    assert encryption_of(s3, PENDING, f"{key}/staged") == "AES256"
    assert encryption_of(s3, EVIDENCE, f"{key}/promoted", promoted.version_id) == "AES256"
    # Read back whole and in part, decrypted by the server.
    assert s3.get_object(PENDING, f"{key}/multipart").read() == big
    middle = 6 * 1024 * 1024 - 7
    assert s3.get_object(PENDING, f"{key}/multipart", offset=middle, length=64).read() == big[middle : middle + 64]
    assert s3.get_object(EVIDENCE, f"{key}/promoted", version_id=promoted.version_id).read() == staged
    # The control's bytes were visible; these were written before it was found and are not.
    assert wait_until_stored_in_clear(platform, plain)
    for mark in (direct, multipart, copied):
        assert stored_in_clear(platform, mark) == [], mark


def test_an_upload_through_intake_is_encrypted_at_rest(platform: Platform, s3: Minio) -> None:
    # Staged in the pending bucket, then copied into evidence and locked: both encrypted.
    case = platform.create_case("rachel", unique_number(), name="Encrypted Upload")
    mark = marker()
    content = body_with(mark)
    response = platform.upload("rachel", case["id"], [("statement.bin", content, "application/octet-stream")])
    assert response.status_code == 201, response.text
    item = response.json()["items"][0]
    key = f"cases/{case['id']}/{item['id']}/original"
    assert encryption_of(s3, EVIDENCE, key) == "AES256"
    assert platform.call("rachel", "GET", "intake", f"/v1/evidence/{item['id']}/content").content == content
    assert stored_in_clear(platform, mark) == []


def test_the_stack_keeps_the_key_encryption_key_out_of_the_s3_data_dir(platform: Platform) -> None:
    # weed mini would write its own KEK there (.mini_sse_kek); the stack gives it from its secrets.
    assert not platform.config.path("s3", "data", ".mini_sse_kek").exists()
    assert platform.stack.infra[[s.name for s in platform.stack.servers].index("s3")].env["WEED_S3_SSE_KEK"] == (
        platform.config.secrets.s3_sse_kek
    )


# -- who may remove a locked version -----------------------------------------------------------


def test_only_the_retention_identity_removes_a_governance_locked_version(s3: Minio, retention: Minio) -> None:
    key = f"cases/{uuid.uuid4()}/{uuid.uuid4()}/original"
    version = s3.put_object(EVIDENCE, key, io.BytesIO(b"locked evidence"), 15).version_id
    assert version
    lock = s3.get_object_retention(EVIDENCE, key, version_id=version)
    assert lock is not None and lock.mode == GOVERNANCE

    # The ordinary identity asks for the bypass, one by one and in a batch: refused.
    refused = list(s3.remove_objects(EVIDENCE, [DeleteObject(key, version)], bypass_governance_mode=True))
    assert [e.code for e in refused] == ["AccessDenied"]
    with pytest.raises(S3Error) as plain:
        s3.remove_object(EVIDENCE, key, version_id=version)
    assert plain.value.code == "AccessDenied"
    # The retention identity without asking for the bypass: refused too (the lock holds for it).
    with pytest.raises(S3Error):
        retention.remove_object(EVIDENCE, key, version_id=version)
    assert versions(s3, EVIDENCE, key) == [(key, version, False)]

    # With the bypass: gone.
    assert list(retention.remove_objects(EVIDENCE, [DeleteObject(key, version)], bypass_governance_mode=True)) == []
    assert versions(s3, EVIDENCE, key) == []


def test_the_retention_identity_goes_only_to_the_processes_that_erase_objects(platform: Platform) -> None:
    for name, (_, process) in platform.stack.services.items():
        has = {k for k in ("CASEWORK_S3_RETENTION_ACCESS_KEY", "CASEWORK_S3_RETENTION_SECRET_KEY") if k in process.env}
        if name in RETENTION_PROCESSES:
            assert process.env["CASEWORK_S3_RETENTION_ACCESS_KEY"] == platform.config.secrets.s3_retention_access_key
            assert process.env["CASEWORK_S3_RETENTION_SECRET_KEY"] == platform.config.secrets.s3_retention_secret_key
        else:
            assert has == set(), name
        # Never the same keys as the ordinary identity.
        assert process.env["CASEWORK_S3_ACCESS_KEY"] != platform.config.secrets.s3_retention_access_key


def test_nobody_removes_a_compliance_locked_version(s3: Minio, retention: Minio) -> None:
    bucket = f"compliance-{uuid.uuid4().hex[:12]}"
    s3.make_bucket(bucket, object_lock=True)
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0)
    key = "anchors/head.json"
    version = s3.put_object(bucket, key, io.BytesIO(b"{}"), 2, retention=Retention(COMPLIANCE, until)).version_id
    assert version
    for identity in (s3, retention):
        errors = list(identity.remove_objects(bucket, [DeleteObject(key, version)], bypass_governance_mode=True))
        assert [e.code for e in errors] == ["AccessDenied"]
        with pytest.raises(S3Error):
            identity.remove_object(bucket, key, version_id=version)
        # Nor can the lock be shortened or turned into a governance one.
        with pytest.raises(S3Error):
            identity.set_object_retention(
                bucket, key, Retention(COMPLIANCE, until - dt.timedelta(hours=12)), version_id=version
            )
        with pytest.raises(S3Error):
            identity.set_object_retention(bucket, key, Retention(GOVERNANCE, until), version_id=version)
    assert versions(s3, bucket, key) == [(key, version, False)]
    assert s3.get_object(bucket, key, version_id=version).read() == b"{}"
    kept = s3.get_object_retention(bucket, key, version_id=version)
    assert kept.mode == COMPLIANCE and kept.retain_until_date == until


# -- delete_all_versions -----------------------------------------------------------------------


def test_delete_all_versions_removes_every_version_and_delete_marker_under_a_prefix_and_nothing_else(
    s3: Minio, retention: Minio
) -> None:
    case = uuid.uuid4().hex
    prefix = f"cases/{case}/"
    inside = [f"{prefix}a/original", f"{prefix}b/original", f"{prefix}b/deep/er/thing"]
    # Keys that share the prefix's characters but are not under it, an exact key given alone, and
    # its longer neighbour.
    outside = [f"cases/{case}", f"cases/{case}0/original", f"other/{prefix}x"]
    exact, neighbour = f"cases/{case}-exact/original", f"cases/{case}-exact/original.txt"
    for key in [*inside, *outside, exact, neighbour]:
        for n in range(2):
            s3.put_object(EVIDENCE, key, io.BytesIO(f"v{n}".encode()), 2)
    s3.remove_object(EVIDENCE, inside[0])  # a delete marker on top of two locked versions
    s3.remove_object(EVIDENCE, exact)
    before_inside = versions(s3, EVIDENCE, prefix)
    assert len(before_inside) == 7 and sum(marker for *_, marker in before_inside) == 1
    untouched = {key: versions(s3, EVIDENCE, key) for key in [*outside, neighbour]}

    # The ordinary identity cannot do it: every locked version is refused (the delete marker, which
    # no lock protects, does go).
    with pytest.raises(RuntimeError, match=r"6 of 7 versions .* AccessDenied"):
        storage.delete_all_versions(s3, EVIDENCE, prefixes=[prefix])

    assert storage.delete_all_versions(retention, EVIDENCE, prefixes=[prefix]) == 6
    assert versions(s3, EVIDENCE, prefix) == []
    assert storage.delete_all_versions(retention, EVIDENCE, keys=[exact]) == 3
    assert [v for v in versions(s3, EVIDENCE, exact) if v[0] == exact] == []
    for key, listed in untouched.items():
        assert [v for v in versions(s3, EVIDENCE, key) if v[0] == key] == [v for v in listed if v[0] == key], key
    # Nothing left to remove: a second pass removes nothing and does not fail.
    assert storage.delete_all_versions(retention, EVIDENCE, prefixes=[prefix], keys=[exact]) == 0
