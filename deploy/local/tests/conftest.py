"""Fixtures for the local stack's own tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from standalone_idp import Idp, start_idp_process


@pytest.fixture
def start_idp(tmp_path: Path) -> Iterator[Callable[[dict[str, Any]], Idp]]:
    """Start standalone providers serving the given realm documents; all stop after the test."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(realm: dict[str, Any]) -> Idp:
        idp, process = start_idp_process(realm, tmp_path / f"idp-{len(processes)}")
        processes.append(process)
        return idp

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
