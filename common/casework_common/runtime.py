"""Process runner: an HTTP server, an optional gRPC server and background loops, stopped together.

SIGTERM or SIGINT stops the process cleanly: servers stop accepting, loops see their
stop event, in-flight work finishes (bounded by a grace period). A background loop
that dies unexpectedly stops the whole process so the supervisor (Kubernetes, or the
local stack) restarts it rather than leaving a half-working service.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import grpc
from flask import Flask

from casework_common.http_server import make_server

log = logging.getLogger(__name__)

Loop = Callable[[threading.Event], None]


def periodic(
    name: str, work: Callable[[], object], interval_s: float, passes: Any | None = None, wait_first: bool = False
) -> Loop:
    """A background loop that runs ``work`` at once (after ``interval_s`` with ``wait_first``) and then
    every ``interval_s`` seconds until stopped.

    A pass that raises is logged (and counted with outcome "failed" in ``passes``, a Prometheus
    counter labelled by outcome) and the next pass is tried: one bad pass (a database restart)
    must not stop the service."""

    def loop(stop: threading.Event) -> None:
        if wait_first and stop.wait(interval_s):
            return
        while not stop.is_set():
            try:
                work()
                outcome = "ok"
            except Exception:
                log.exception("%s pass failed", name)
                outcome = "failed"
            if passes is not None:
                passes.labels(outcome).inc()
            stop.wait(interval_s)

    return loop


class ServiceRuntime:
    def __init__(self, service: str, grace_s: float = 10.0) -> None:
        self.service = service
        self.grace_s = grace_s
        self.stop = threading.Event()
        self._loops: list[tuple[str, Loop]] = []
        self._threads: list[threading.Thread] = []
        self.failed = False

    def add_loop(self, name: str, loop: Loop) -> None:
        """Run ``loop(stop_event)`` in a thread; it must return soon after the event is set."""
        self._loops.append((name, loop))

    def _run_loop(self, name: str, loop: Loop) -> None:
        try:
            loop(self.stop)
        except Exception:
            log.exception("background loop %s crashed; stopping %s", name, self.service)
            self.failed = True
        finally:
            if not self.stop.is_set():
                if not self.failed:
                    log.error("background loop %s returned early; stopping %s", name, self.service)
                    self.failed = True
                self.stop.set()

    def serve(
        self, app: Flask | None, host: str, port: int, threads: int, grpc_server: grpc.Server | None = None
    ) -> int:
        """Run until stopped; returns the process exit code."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop.set())
        http = None
        if app is not None:
            http = make_server((host, port), app, threads=threads, name=self.service)
            http.prepare()  # binds now, so a busy port fails here, loudly
            threading.Thread(target=http.serve, name=f"{self.service}-http", daemon=True).start()
        if grpc_server is not None:
            grpc_server.start()
        for name, loop in self._loops:
            thread = threading.Thread(target=self._run_loop, args=(name, loop), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("%s started (http %s:%s)", self.service, host, port)
        self.stop.wait()
        log.info("%s stopping", self.service)
        if http is not None:
            http.stop()
        if grpc_server is not None:
            grpc_server.stop(grace=self.grace_s).wait(self.grace_s)
        # One grace period for all loops together, not one each: the supervisor's patience is for the process.
        deadline = time.monotonic() + self.grace_s
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        log.info("%s stopped", self.service)
        return 1 if self.failed else 0
