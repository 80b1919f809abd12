"""Where copiers leave scanned batches: a directory on one machine, an S3 prefix in a cluster
(copiers reach it through an SFTP/SMB gateway). A small registry of sources, polled by one loop.

A file is taken once its size (and, in S3, its ETag) has not changed for ``scan_settle_s``: a copier
writing slowly is not read half-way. Dotfiles and ``*.part``/``*.tmp`` names (what copiers and
gateways write before renaming) are ignored. A file is removed only after its batch is recorded
and split; one that is not a readable PDF or TIFF is moved aside (``.failed/`` in a directory,
``failed/`` under the prefix) with a ``.reason.txt`` beside it. A batch that fails for another
reason (workflow or the object store down) stays where it is and is tried again.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from minio import Minio
from minio.commonconfig import CopySource

from casework_common import storage
from casework_intake.mailroom.context import Mailroom
from casework_intake.scanning.batches import BatchIntake, BatchOutcome
from casework_intake.settings import IntakeSettings

log = logging.getLogger(__name__)
IGNORED_SUFFIXES = (".part", ".tmp")


@dataclass(frozen=True)
class DropFile:
    """A file seen in a drop: its name there, its size and a version marker (mtime or ETag)."""

    name: str
    size: int
    version: str


class DropSource(Protocol):
    """One place batches are dropped."""

    label: str

    def list(self) -> list[DropFile]: ...

    def read(self, item: DropFile) -> bytes: ...

    def remove(self, item: DropFile) -> None: ...

    def set_aside(self, item: DropFile, reason: str) -> None: ...


def ignored(name: str) -> bool:
    """Names copiers and gateways use while still writing, and hidden files."""
    base = name.rsplit("/", 1)[-1]
    return not base or base.startswith(".") or base.lower().endswith(IGNORED_SUFFIXES)


class DirectoryDrop:
    """Batches in a local directory (its top level only)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = f"dir:{root}"
        root.mkdir(parents=True, exist_ok=True)

    def list(self) -> list[DropFile]:
        found = []
        for path in self.root.iterdir():
            if ignored(path.name) or not path.is_file():
                continue
            stat = path.stat()
            found.append(DropFile(path.name, stat.st_size, str(stat.st_mtime_ns)))
        return found

    def read(self, item: DropFile) -> bytes:
        return (self.root / item.name).read_bytes()

    def remove(self, item: DropFile) -> None:
        (self.root / item.name).unlink(missing_ok=True)

    def set_aside(self, item: DropFile, reason: str) -> None:
        failed = self.root / ".failed"
        failed.mkdir(exist_ok=True)
        (self.root / item.name).replace(failed / item.name)
        (failed / f"{item.name}.reason.txt").write_text(reason + "\n")


class S3Drop:
    """Batches under a prefix of a bucket (not under its ``failed/``)."""

    def __init__(self, s3: Minio, bucket: str, prefix: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.label = f"s3://{bucket}/{self.prefix}"
        storage.ensure_bucket(s3, bucket)

    def list(self) -> list[DropFile]:
        found = []
        for obj in self.s3.list_objects(self.bucket, prefix=self.prefix, recursive=True):
            name = obj.object_name[len(self.prefix) :]
            if obj.is_dir or name.startswith("failed/") or ignored(name):
                continue
            found.append(DropFile(name, obj.size or 0, obj.etag or ""))
        return found

    def read(self, item: DropFile) -> bytes:
        response = self.s3.get_object(self.bucket, self.prefix + item.name)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def remove(self, item: DropFile) -> None:
        self.s3.remove_object(self.bucket, self.prefix + item.name)

    def set_aside(self, item: DropFile, reason: str) -> None:
        target = f"{self.prefix}failed/{item.name}"
        self.s3.copy_object(self.bucket, target, CopySource(self.bucket, self.prefix + item.name))
        note = (reason + "\n").encode()
        self.s3.put_object(self.bucket, target + ".reason.txt", io.BytesIO(note), len(note), content_type="text/plain")
        self.remove(item)


# The registry: each kind of source, made from the settings when they name it.
SOURCES: dict[str, Callable[[IntakeSettings, Minio], DropSource | None]] = {
    "directory": lambda settings, _s3: DirectoryDrop(settings.scan_drop_dir) if settings.scan_drop_dir else None,
    "s3": lambda settings, s3: (
        S3Drop(s3, settings.scan_drop_bucket, settings.scan_drop_prefix) if settings.scan_drop_bucket else None
    ),
}


def configured_sources(settings: IntakeSettings, s3: Minio) -> list[DropSource]:
    """The drops the settings name (none: nothing to poll)."""
    return [source for make in SOURCES.values() if (source := make(settings, s3)) is not None]


class DropPoller:
    """Takes settled files from each source into ``intake`` every ``interval_s``."""

    def __init__(
        self,
        sources: list[DropSource],
        intake: BatchIntake,
        *,
        settle_s: float,
        interval_s: float,
        max_bytes: int,
        region: str | None,
        branch: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sources = sources
        self.intake = intake
        self.settle_s = settle_s
        self.interval_s = interval_s
        self.max_bytes = max_bytes
        self.region = region
        self.branch = branch
        self.clock = clock
        # (source label, name) -> (the file as last seen, when it was first seen like that)
        self._seen: dict[tuple[str, str], tuple[DropFile, float]] = {}

    @classmethod
    def for_mailroom(cls, room: Mailroom) -> DropPoller:
        settings = room.settings
        return cls(
            configured_sources(settings, room.s3),
            BatchIntake(room),
            settle_s=settings.scan_settle_s,
            interval_s=settings.scan_poll_interval_s,
            max_bytes=settings.max_file_bytes,
            region=settings.scan_drop_region,
            branch=settings.scan_drop_branch,
        )

    def settled(self, source: DropSource) -> list[DropFile]:
        """Files of ``source`` unchanged for settle_s (forgetting those that went away)."""
        now = self.clock()
        ready, current = [], set()
        for item in source.list():
            key = (source.label, item.name)
            current.add(key)
            seen = self._seen.get(key)
            if seen is None or seen[0] != item:
                self._seen[key] = (item, now)
                seen = self._seen[key]
            if now - seen[1] >= self.settle_s:
                ready.append(item)
        for key in [k for k in self._seen if k[0] == source.label and k not in current]:
            del self._seen[key]
        return sorted(ready, key=lambda item: item.name)

    def poll_once(self) -> list[BatchOutcome]:
        """One look at every source: each settled file taken in, then removed or set aside."""
        outcomes = []
        for source in self.sources:
            try:
                items = self.settled(source)
            except Exception:
                log.exception("scan drop %s could not be listed", source.label)
                continue
            for item in items:
                outcome = self._take(source, item)
                if outcome is not None:
                    outcomes.append(outcome)
        return outcomes

    def _take(self, source: DropSource, item: DropFile) -> BatchOutcome | None:
        try:
            if item.size > self.max_bytes:
                source.set_aside(item, f"The file is larger than {self.max_bytes} bytes.")
                log.warning("scan drop %s: %s is too large (%d bytes); set aside", source.label, item.name, item.size)
                return None
            data = source.read(item)
            outcome = self.intake.take(
                data, source="drop", source_name=item.name, sender=None, region=self.region, branch=self.branch
            )
            if outcome.state == "failed" and not outcome.duplicate:
                source.set_aside(item, outcome.reason or "The file could not be read as a batch.")
            elif outcome.state == "failed":
                source.set_aside(item, f"The same file failed before: {outcome.reason}")
            elif outcome.state == "split":
                source.remove(item)
            self._seen.pop((source.label, item.name), None)
            return outcome
        except Exception:
            log.exception("scan drop %s: %s could not be taken in; trying again later", source.label, item.name)
            return None

    def run(self, stop: threading.Event) -> None:
        """The mailroom's "scan-drop" loop: at each poll, finish half-split batches, then take new files."""
        if not self.sources:
            log.info("no scan drop configured")
        else:
            log.info("polling scan drops %s", ", ".join(source.label for source in self.sources))
        while not stop.is_set():
            try:  # a batch a crash (here or in another mailroom) left half-split, or one mailed in
                self.intake.resume_unfinished()
            except Exception:
                log.exception("half-split scan batches could not be finished; trying again at the next poll")
            self.poll_once()
            stop.wait(self.interval_s)


def scan_drop_loop(room: Mailroom) -> Callable[[threading.Event], None]:
    """The loop the mailroom runs as "scan-drop"."""
    return DropPoller.for_mailroom(room).run
