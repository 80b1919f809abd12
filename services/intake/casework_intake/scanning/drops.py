"""Where copiers leave scanned batches: a directory on one machine, an S3 prefix in a cluster
(copiers reach it through an SFTP/SMB gateway). A small registry of sources, polled by one loop.

A file is taken once its size (and, in S3, its ETag) has not changed for ``scan_settle_s``: a copier
writing slowly is not read half-way. Dotfiles and ``*.part``/``*.tmp`` names (what copiers and
gateways write before renaming) are ignored. A settled file is claimed before it is read: moved
to ``.taking/<name>.<id>`` in a directory (one atomic rename), copied to ``processing/<name>.<id>``
under the prefix (only if its ETag is still the one seen) and the original deleted only if its ETag
still is. So a copier that reuses a name ("scan.pdf") while a batch is being split loses nothing:
what is removed afterwards is the claimed copy, never whatever is at the name by then. A claimed
file is removed after its batch is recorded and split; one that is not a readable PDF or TIFF is
moved aside (``.failed/`` in a directory, ``failed/`` under the prefix, under a name of its own, so
an earlier failed file of the same name stays) with a ``.reason.txt`` beside it. A batch that fails
for another reason (workflow or the object store down) stays claimed and is tried again.
"""

from __future__ import annotations

import io
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from minio import Minio
from minio.commonconfig import CopySource
from minio.error import S3Error

from casework_common import storage
from casework_common.runtime import periodic
from casework_intake.mailroom.context import Mailroom
from casework_intake.scanning.batches import BatchIntake, BatchOutcome
from casework_intake.settings import IntakeSettings

log = logging.getLogger(__name__)
IGNORED_SUFFIXES = (".part", ".tmp")
TAKING = ".taking"  # a directory drop's claimed files
PROCESSING = "processing/"  # an S3 drop's claimed files


def _claimed_name(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex}"


def _aside_name(name: str) -> str:
    """A name in failed/ that no earlier failed file has: the original name after a unique prefix."""
    return f"{uuid.uuid4().hex[:12]}-{name.rsplit('/', 1)[-1]}"


@dataclass(frozen=True)
class DropFile:
    """A file seen in a drop: its name there, its size and a version marker (mtime or ETag)."""

    name: str
    size: int
    version: str
    claimed: bool = False  # name is the claimed copy's (under .taking/ or processing/)

    @property
    def source_name(self) -> str:
        """The name the copier gave the file (a claimed copy's name less its directory and id)."""
        if not self.claimed:
            return self.name
        return self.name.split("/", 1)[1].rsplit(".", 1)[0]


class DropSource(Protocol):
    """One place batches are dropped."""

    label: str

    def list(self) -> list[DropFile]: ...

    def claim(self, item: DropFile) -> DropFile | None:
        """Take the file away from its name before reading it; None: it went away or changed."""
        ...

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
        taking = self.root / TAKING
        if taking.is_dir():  # claimed before a crash or a failed attempt: tried again
            for path in taking.iterdir():
                stat = path.stat()
                found.append(DropFile(f"{TAKING}/{path.name}", stat.st_size, str(stat.st_mtime_ns), claimed=True))
        return found

    def claim(self, item: DropFile) -> DropFile | None:
        if item.claimed:
            return item
        (self.root / TAKING).mkdir(exist_ok=True)
        name = f"{TAKING}/{_claimed_name(item.name)}"
        try:
            (self.root / item.name).rename(self.root / name)  # atomic: the name is free for a new file at once
        except FileNotFoundError:
            return None
        return DropFile(name, item.size, item.version, claimed=True)

    def read(self, item: DropFile) -> bytes:
        return (self.root / item.name).read_bytes()

    def remove(self, item: DropFile) -> None:
        (self.root / item.name).unlink(missing_ok=True)

    def set_aside(self, item: DropFile, reason: str) -> None:
        failed = self.root / ".failed"
        failed.mkdir(exist_ok=True)
        target = _aside_name(item.source_name)
        (self.root / item.name).replace(failed / target)
        (failed / f"{target}.reason.txt").write_text(reason + "\n")


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
            if obj.is_dir or name.startswith("failed/") or (ignored(name) and not name.startswith(PROCESSING)):
                continue
            claimed = name.startswith(PROCESSING)
            found.append(DropFile(name, obj.size or 0, obj.etag or "", claimed=claimed))
        return found

    def claim(self, item: DropFile) -> DropFile | None:
        if item.claimed:
            return item
        name = f"{PROCESSING}{_claimed_name(item.name)}"
        original = self.prefix + item.name
        try:  # copied only if it is still the file that settled
            self.s3.copy_object(
                self.bucket, self.prefix + name, CopySource(self.bucket, original, match_etag=item.version)
            )
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "PreconditionFailed"):
                return None
            raise
        try:  # S3 has no conditional delete: deleted only if still the same (a tiny window stays)
            if self.s3.stat_object(self.bucket, original).etag == item.version:
                self.s3.remove_object(self.bucket, original)
        except S3Error as exc:
            if exc.code != "NoSuchKey":
                raise
        return DropFile(name, item.size, item.version, claimed=True)

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
        target = f"{self.prefix}failed/{_aside_name(item.source_name)}"
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
            if item.claimed or now - seen[1] >= self.settle_s:  # a claimed file is ours: nobody writes it
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
            claimed = source.claim(item)
            if claimed is None:  # gone or changed since it settled: seen again at the next poll
                return None
            self._seen.pop((source.label, item.name), None)
            item = claimed
            data = source.read(item)
            outcome = self.intake.take(
                data, source="drop", source_name=item.source_name, sender=None, region=self.region, branch=self.branch
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
        periodic("scan drop", self._poll, self.interval_s)(stop)

    def _poll(self) -> None:
        """One poll: finish half-split batches, then take new files (each failure logged apart)."""
        try:  # a batch a crash (here or in another mailroom) left half-split, or one mailed in
            self.intake.resume_unfinished()
        except Exception:
            log.exception("half-split scan batches could not be finished; trying again at the next poll")
        self.poll_once()


def scan_drop_loop(room: Mailroom) -> Callable[[threading.Event], None]:
    """The loop the mailroom runs as "scan-drop"."""
    return DropPoller.for_mailroom(room).run
