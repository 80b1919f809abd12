"""A worker starting up removes only builds that cannot still be running (pure file-system logic)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

from casework_bundle.worker import clean_work_dir


def test_only_builds_older_than_the_longest_build_are_removed(tmp_path: Path) -> None:
    settings = SimpleNamespace(work_dir=str(tmp_path / "work"), kafka_max_poll_interval_ms=1_800_000)
    clean_work_dir(settings)  # type: ignore[arg-type]
    stale, running = tmp_path / "work" / "bundle-stale", tmp_path / "work" / "bundle-running"
    for build in (stale, running):
        (build / "items").mkdir(parents=True)
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    clean_work_dir(settings)  # type: ignore[arg-type]
    assert not stale.exists()
    assert (running / "items").is_dir()  # another worker's build on this host, still going
