"""The per-worker source cache (casework_ocr.sources.SourceCache): a file the document stage already
downloaded and scanned is read by this worker's page tasks without a second download."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework_ocr.sources import SourceCache


class _Store:
    """The object store, counting downloads (pure logic: no server is needed to decide whether one is)."""

    def __init__(self) -> None:
        self.downloads: list[tuple[str, str, str | None]] = []

    def fget_object(self, bucket: str, key: str, path: str, version_id: str | None = None) -> None:
        self.downloads.append((bucket, key, version_id))
        Path(path).write_bytes(b"downloaded")


def test_an_added_file_is_not_downloaded_again(tmp_path: Path) -> None:
    store = _Store()
    cache = SourceCache(store, tmp_path / "cache", max_bytes=1_000_000)  # type: ignore[arg-type]
    original = tmp_path / "original"
    original.write_bytes(b"the scan")
    cache.add("evidence", "case/item", "v1", original)
    original.unlink()  # the document stage's temporary copy goes; the cached one stays
    assert cache.get("evidence", "case/item", "v1").read_bytes() == b"the scan"
    assert store.downloads == []


@pytest.mark.parametrize(("key", "version"), [("case/other", "v1"), ("case/item", "v2")])
def test_another_object_or_version_is_downloaded(tmp_path: Path, key: str, version: str) -> None:
    store = _Store()
    cache = SourceCache(store, tmp_path / "cache", max_bytes=1_000_000)  # type: ignore[arg-type]
    original = tmp_path / "original"
    original.write_bytes(b"the scan")
    cache.add("evidence", "case/item", "v1", original)
    assert cache.get("evidence", key, version).read_bytes() == b"downloaded"
    assert store.downloads == [("evidence", key, version)]


def test_adding_keeps_the_cache_within_its_size(tmp_path: Path) -> None:
    cache = SourceCache(_Store(), tmp_path / "cache", max_bytes=10)  # type: ignore[arg-type]
    for n in range(3):
        original = tmp_path / f"original-{n}"
        original.write_bytes(b"12345678")
        cache.add("evidence", f"item-{n}", "", original)
    kept = [p for p in (tmp_path / "cache").iterdir() if p.is_file()]
    assert len(kept) == 1 and kept[0].read_bytes() == b"12345678"
