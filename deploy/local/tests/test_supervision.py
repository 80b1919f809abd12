"""The local stack brings back a server that dies, and stops with a non-zero exit when it cannot.

A stack of one real server (the SMTP relay, quick to start) stands in for the whole platform: the
supervisor treats every server alike.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from casework_local.__main__ import run
from casework_local.config import StackConfig, resolve_ports
from casework_local.servers import Smtp
from casework_local.stack import Stack
from casework_local.supervision import RestartHistory, RestartPolicy

QUICK = RestartPolicy(max_restarts=3, window_s=60, backoff_s=0.2, max_backoff_s=1.0)


@pytest.fixture
def smtp_stack(tmp_path: Path) -> Iterator[Stack]:
    config = StackConfig(state_dir=tmp_path, ports=resolve_ports(dynamic=True), seed_demo=False)
    stack = Stack(config, QUICK)
    stack.servers = [Smtp(config)]
    stack.service_specs = ()
    yield stack
    stack.stop()


@pytest.fixture
def restore_signals() -> Iterator[None]:
    """run() installs SIGINT/SIGTERM handlers for the process; put pytest's back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def block_port(host: str, port: int) -> socket.socket:
    """Listen on ``port`` as soon as the killed server's socket is gone."""
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    deadline = time.monotonic() + 10
    while True:
        try:
            blocker.bind((host, port))
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    blocker.listen()
    return blocker


def wait_for(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Poll ``condition`` (an exception counts as not yet) until it holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if condition():
                return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_a_killed_server_is_restarted_even_after_a_failed_attempt(smtp_stack: Stack) -> None:
    smtp_stack.start()
    server, first = smtp_stack.servers[0], smtp_stack.infra[0]
    stop = threading.Event()
    supervisor = threading.Thread(target=smtp_stack.supervise, args=(stop,), daemon=True)
    supervisor.start()
    try:
        os.kill(first.process.pid, signal.SIGKILL)
        # Its port is taken for a while: the first restart fails, a later one succeeds.
        blocker = block_port(smtp_stack.config.host, smtp_stack.config.ports["smtp"])
        wait_for(lambda: smtp_stack.infra[0] is not first and smtp_stack.infra[0].process is not None)
        wait_for(lambda: not smtp_stack.infra[0].alive())  # that attempt failed
        blocker.close()
        wait_for(lambda: smtp_stack.infra[0].alive() and server.ready())
    finally:
        stop.set()
        supervisor.join(timeout=30)
    assert smtp_stack.infra[0] is not first
    assert smtp_stack.restarts["smtp"] >= 2
    assert not supervisor.is_alive()


def test_a_server_that_cannot_come_back_stops_the_stack_with_a_non_zero_exit(
    smtp_stack: Stack, restore_signals: None, capsys: pytest.CaptureFixture[str]
) -> None:
    blockers: list[socket.socket] = []

    def break_smtp() -> None:
        smtp_stack.running.wait(timeout=30)
        os.kill(smtp_stack.infra[0].process.pid, signal.SIGKILL)
        blockers.append(block_port(smtp_stack.config.host, smtp_stack.config.ports["smtp"]))

    saboteur = threading.Thread(target=break_smtp, daemon=True)
    saboteur.start()
    try:
        code = run(smtp_stack)
    finally:
        saboteur.join(timeout=30)
        for blocker in blockers:
            blocker.close()
    assert code == 1
    err = capsys.readouterr().err
    assert "the stack cannot recover: smtp" in err and "giving up" in err
    assert smtp_stack.infra == []  # stopped


def test_restarts_wait_longer_each_time_and_stop_at_the_limit() -> None:
    history = RestartHistory(RestartPolicy(max_restarts=3, window_s=10, backoff_s=1, max_backoff_s=3))
    delays = []
    for now in (0, 1, 2):
        delays.append(history.next_delay(now))
        history.record(now)
    assert delays == [1, 2, 3]
    assert history.next_delay(5) is None
    assert history.next_delay(10.5) == 3  # the first restart left the window
