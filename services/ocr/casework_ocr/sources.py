"""A per-worker disk cache of source documents: the pages of one long pack are rendered by
many tasks, and each worker downloads the pack once, not once per page."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

from minio import Minio


class SourceCache:
    def __init__(self, s3: Minio, root: Path, max_bytes: int) -> None:
        self.s3 = s3
        self.root = root
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, bucket: str, key: str, version: str) -> Path:
        return self.root / hashlib.sha256(f"{bucket}/{key}@{version}".encode()).hexdigest()

    def add(self, bucket: str, key: str, version: str, local: Path) -> None:
        """Keep ``local``, a copy of that object this worker already downloaded (and scanned), so
        that its pages read here are not downloaded again."""
        path = self._path(bucket, key, version)
        with self._lock:
            if path.exists():
                return
            partial = path.with_suffix(".part")
            partial.unlink(missing_ok=True)
            try:
                os.link(local, partial)  # the same disk (both under the work directory): no copy
            except OSError:
                shutil.copyfile(local, partial)
            partial.rename(path)
            self._evict(keep=path)

    def get(self, bucket: str, key: str, version: str) -> Path:
        path = self._path(bucket, key, version)
        with self._lock:
            if path.exists():
                os.utime(path)  # most recently used
                return path
            partial = path.with_suffix(".part")
            self.s3.fget_object(bucket, key, str(partial), version_id=version or None)
            partial.rename(path)
            self._evict(keep=path)
            return path

    def _evict(self, keep: Path) -> None:
        files = sorted((p for p in self.root.iterdir() if p.is_file() and p != keep), key=lambda p: p.stat().st_mtime)
        total = sum(p.stat().st_size for p in files) + keep.stat().st_size
        for oldest in files:
            if total <= self.max_bytes:
                break
            total -= oldest.stat().st_size
            oldest.unlink(missing_ok=True)
