"""Cross-service tests run against the real platform: every server and service, started once
per test session on free ports in a throw-away state directory (see casework_local)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from casework_local.config import StackConfig, resolve_ports
from casework_local.process import StartError
from casework_local.stack import Stack
from harness import Platform

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# Periods some tests must wait out, shortened on the test platform only (the services inherit this
# environment; the code paths are the ones that ship, just run more often). Set at import, before
# test modules read them: intake's reconciler pass (default 30 s) and the refusal audit's
# per-caller window (default 60 s), workflow's deadline recompute pass after a rule set upload (60 s).
TEST_PLATFORM_SETTINGS = {
    "CASEWORK_REPROCESS_INTERVAL_S": "5",
    "CASEWORK_REFUSAL_AUDIT_WINDOW_S": "15",
    "CASEWORK_DEADLINE_RECOMPUTE_INTERVAL_S": "2",
    # The mailroom believes Authentication-Results from this server only (tests/test_email_in.py).
    "CASEWORK_MAIL_AUTHSERV_ID": "mx.test.casework.localhost",
    # Workflow anchors the audit chain's head every 5 s instead of hourly (tests/test_audit_anchors.py).
    "CASEWORK_AUDIT_ANCHOR_INTERVAL_S": "5",
    # Organising's follow-up loop takes this as today, so every follow-up is due at once and is
    # reminded within a pass (every second); the API and the retention pass keep the real date
    # (tests/test_organising_contacts.py, tests/portal/test_organising_journey.py).
    "CASEWORK_ORGANISING_TODAY": "2099-12-31",
    "CASEWORK_ORGANISING_FOLLOWUP_INTERVAL_S": "1",
    # The mailroom looks at the scan drops every second instead of every 5 s, and takes a file once
    # unchanged for 1 s instead of 2 s (tests/test_scanner_batches.py; the tests' files appear at
    # once, by a rename or an S3 put): a batch is taken 1-2 s after it lands instead of 5-10 s.
    "CASEWORK_SCAN_POLL_INTERVAL_S": "1",
    "CASEWORK_SCAN_SETTLE_S": "1",
}
for _name, _value in TEST_PLATFORM_SETTINGS.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    # Under /tmp: the unprivileged Postgres user must be able to reach the state dir.
    state_dir = Path(tempfile.mkdtemp(prefix="casework-test-", dir="/tmp"))
    config = StackConfig(state_dir=state_dir, ports=resolve_ports(dynamic=True), seed_demo=False)
    stack = Stack(config)
    started = time.monotonic()
    try:
        stack.start()
    except StartError as exc:
        _keep_logs(state_dir)
        pytest.exit(f"The test platform could not start (logs in {ARTIFACTS}):\n{exc}", returncode=3)
    print(f"\nplatform started in {time.monotonic() - started:.1f}s (state {state_dir})")
    yield Platform(stack)
    _stop_services_together(stack)
    stack.stop()
    _keep_logs(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)


def _stop_services_together(stack: Stack, timeout_s: float = 15.0) -> None:
    """Signal every service at once and wait for them all, before ``stack.stop()`` (which stops
    one process at a time, waiting for each, then the servers in order): the services' shutdowns
    overlap instead of adding up at the end of every session. A service still running after
    ``timeout_s`` is left to ``stack.stop()``, which kills it as before."""
    running = [process for _spec, process in stack.services.values() if process.alive()]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.process.pid, process.stop_signal)
    deadline = time.monotonic() + timeout_s
    for process in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.process.wait(timeout=max(0.0, deadline - time.monotonic()))


def _keep_logs(state_dir: Path) -> None:
    target = ARTIFACTS / "logs"
    shutil.rmtree(target, ignore_errors=True)
    if (state_dir / "logs").exists():
        shutil.copytree(state_dir / "logs", target)
