"""storage.delete_all_versions's choice of victims (pure logic, against a small fake client; the real
removal under object locks is tested on the stack's SeaweedFS in tests/test_storage_protection.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from minio.deleteobjects import DeleteError, DeleteObject

from casework_common import storage


@dataclass(frozen=True)
class Version:
    object_name: str
    version_id: str | None


class FakeBucket:
    """Lists the versions it holds by prefix, as S3 does, and records what it is asked to remove."""

    def __init__(self, versions: list[Version], refuse: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.versions = versions
        self.refuse = refuse
        self.removed: list[tuple[str, str | None]] = []
        self.bypass: list[bool] = []

    def list_objects(
        self, bucket: str, prefix: str = "", recursive: bool = False, include_version: bool = False
    ) -> Iterator[Version]:
        assert recursive and include_version
        return iter([v for v in self.versions if v.object_name.startswith(prefix)])

    def remove_objects(
        self, bucket: str, objects: list[DeleteObject], bypass_governance_mode: bool = False
    ) -> Iterator[DeleteError]:
        self.bypass.append(bypass_governance_mode)
        errors = []
        for obj in objects:
            self.removed.append((obj.name, obj.version_id))
            if obj.name in self.refuse:
                errors.append(DeleteError("AccessDenied", "locked", obj.name, obj.version_id))
        return iter(errors)


CASE = "cases/c1/"
HOLDINGS = [
    Version("cases/c1/a/original", "v1"),
    Version("cases/c1/a/original", "v2"),
    Version("cases/c1/b/original", "v1"),
    Version("cases/c10/a/original", "v1"),
    Version("held/x.eml", "v1"),
    Version("held/x.eml.bak", "v1"),
]


def delete(fake: FakeBucket, **kwargs: Any) -> int:
    return storage.delete_all_versions(fake, "bucket", **kwargs)  # type: ignore[arg-type]


def test_a_key_also_under_a_prefix_is_removed_and_counted_once() -> None:
    fake = FakeBucket(HOLDINGS)
    count = delete(fake, keys=["cases/c1/a/original", "held/x.eml"], prefixes=[CASE])
    expected = [
        ("cases/c1/a/original", "v1"),
        ("cases/c1/a/original", "v2"),
        ("cases/c1/b/original", "v1"),
        ("held/x.eml", "v1"),
    ]
    assert sorted(fake.removed) == expected and count == len(expected)
    assert fake.bypass == [True]


def test_overlapping_prefixes_and_repeated_keys_are_sent_once() -> None:
    fake = FakeBucket(HOLDINGS)
    count = delete(fake, keys=["held/x.eml", "held/x.eml"], prefixes=[CASE, "cases/c1/a/", CASE])
    assert count == 4 and len(fake.removed) == len(set(fake.removed)) == 4
    assert ("cases/c10/a/original", "v1") not in fake.removed and ("held/x.eml.bak", "v1") not in fake.removed


def test_nothing_to_remove_asks_nothing() -> None:
    fake = FakeBucket(HOLDINGS)
    assert delete(fake, keys=["nope"], prefixes=["cases/c2/"]) == 0
    assert fake.removed == [] and fake.bypass == []


def test_a_refused_version_is_an_error_naming_the_count() -> None:
    fake = FakeBucket(HOLDINGS, refuse={"cases/c1/b/original"})
    with pytest.raises(RuntimeError, match="1 of 3 versions in bucket not removed: AccessDenied"):
        delete(fake, keys=["cases/c1/b/original"], prefixes=[CASE])
