"""Readiness checks run concurrently under one deadline.

A dependency that hangs (a frozen database or object store) must make ``/readyz`` answer 503 in
time, not hang the probe: the orchestrator would otherwise see a timeout, and a hung request
holds one of the server's few threads.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, wait

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], bool]


class Readiness:
    """Runs every check in its own thread and reports, within ``timeout_s``, which passed.

    A check that has not answered by then counts as failed. It keeps running, and later probes
    wait on that same run instead of starting another: a check that stays frozen costs one
    thread, not one per probe.
    """

    def __init__(self, checks: Mapping[str, ReadinessCheck], timeout_s: float) -> None:
        self._checks = dict(checks)
        self._timeout_s = timeout_s
        self._running: dict[str, Future[bool]] = {}
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, bool]:
        """Each check's name mapped to whether it passed in time."""
        futures = {name: self._start(name) for name in self._checks}
        wait(futures.values(), timeout=self._timeout_s)
        return {name: self._passed(name, future) for name, future in futures.items()}

    def _start(self, name: str) -> Future[bool]:
        with self._lock:
            future = self._running.get(name)
            if future is None or future.done():
                future = Future()
                # The caller's context (Flask's application context among it) goes along: a check
                # may need current_app, as the portal's session-store check does.
                context = contextvars.copy_context()
                thread = threading.Thread(
                    target=self._run,
                    args=(context, self._checks[name], future),
                    name=f"readiness-{name}",
                    daemon=True,
                )
                thread.start()
                self._running[name] = future
            return future

    @staticmethod
    def _run(context: contextvars.Context, check: ReadinessCheck, future: Future[bool]) -> None:
        try:
            future.set_result(bool(context.run(check)))
        except Exception as exc:  # noqa: BLE001 - handed to the probe, which logs it
            future.set_exception(exc)

    def _passed(self, name: str, future: Future[bool]) -> bool:
        if not future.done():
            log.warning("readiness check %s did not answer within %.1fs", name, self._timeout_s)
            return False
        error = future.exception()
        if error is not None:
            log.warning("readiness check %s failed", name, exc_info=error)
            return False
        return future.result()
