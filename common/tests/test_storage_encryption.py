"""Which default encryption storage.encrypt_bucket asks the S3 server for, from the setting. (That the
server then encrypts is tested against SeaweedFS in tests/test_storage_protection.py; SSE-KMS needs a
KMS the local stack does not have, so its request shape is checked here.)"""

from __future__ import annotations

from typing import Any

import pytest
from minio.sseconfig import SSEConfig

from casework_common import storage
from casework_common.settings import S3Settings


class Recorder(storage.S3Client):
    """An S3Client that records the bucket encryption it would set instead of calling a server."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("127.0.0.1:9", access_key="a", secret_key="b", secure=False, **kwargs)
        self.calls: list[tuple[str, SSEConfig]] = []

    def set_bucket_encryption(self, bucket_name: str, config: SSEConfig) -> None:  # type: ignore[override]
        self.calls.append((bucket_name, config))


def test_sse_s3_sets_an_aes256_default() -> None:
    client = Recorder(server_side_encryption="AES256")
    storage.encrypt_bucket(client, "casework-evidence")
    ((bucket, config),) = client.calls
    assert bucket == "casework-evidence"
    assert (config.rule.sse_algorithm, config.rule.kms_master_key_id) == ("AES256", None)


@pytest.mark.parametrize(("key_id", "expected"), [("casework-key", "casework-key"), ("", None)])
def test_sse_kms_names_the_key_or_leaves_the_servers_default(key_id: str, expected: str | None) -> None:
    client = Recorder(server_side_encryption="aws:kms", sse_kms_key_id=key_id)
    storage.encrypt_bucket(client, "casework-text")
    ((_, config),) = client.calls
    assert (config.rule.sse_algorithm, config.rule.kms_master_key_id) == ("aws:kms", expected)


def test_no_setting_changes_nothing() -> None:
    client = Recorder()
    storage.encrypt_bucket(client, "casework-text")
    assert client.calls == []


def test_an_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="AES256 or aws:kms"):
        storage.encrypt_bucket(Recorder(server_side_encryption="rot13"), "casework-text")


def test_make_client_carries_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_S3_SERVER_SIDE_ENCRYPTION", "aws:kms")
    monkeypatch.setenv("CASEWORK_S3_SSE_KMS_KEY_ID", "k1")
    client = storage.make_client(S3Settings(service_name="x"))
    assert (client.server_side_encryption, client.sse_kms_key_id) == ("aws:kms", "k1")
    monkeypatch.setenv("CASEWORK_S3_SERVER_SIDE_ENCRYPTION", "rot13")
    with pytest.raises(ValueError):
        S3Settings(service_name="x")
