"""Refused requests (401, 403, and the 404 an outsider gets): counted, and sent to the audit log, bounded.

Every refusal is counted in ``casework_<service>_refused_requests_total{status,reason}``; the labels
are bounded (no caller in them). Who was refused is the audit log's to say: the service sends each
refusal as a ``RequestRefused`` event on the ``audit.refusals`` topic, and workflow, which owns the
audit log, appends it there (its own refusals take the same path).

So that a flood of refused requests cannot become a flood of audit writes, refusals are aggregated
per caller (the token's subject, else the remote address) over a window that starts at the caller's
first refusal: the first ``per_caller`` are sent one by one, the rest only counted, and sent as one
record (``suppressed`` = how many) when the window ends. Reaching ``per_caller`` within one window is a
burst, counted in ``refusal_bursts_total`` (no labels), which the chart's CaseworkRefusalBurst alert
watches; the audit log names the caller. At most ``max_callers`` callers are tracked at once; refusals
of callers beyond that are counted together and sent as one record per window. Events wait in a
bounded queue for a background sender, so a refused request never waits for the broker; a refusal
that finds the queue full is counted in ``refusals_unaudited_total`` instead.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from kafka import KafkaProducer

from casework.v1 import events_pb2
from casework_common import events, kafka, metrics, tracing
from casework_common.auth import Principal
from casework_common.safe_input import CONTROL
from casework_common.settings import HttpSettings

log = logging.getLogger(__name__)

Send = Callable[[events_pb2.RequestRefused], None]
MAX_TEXT = 300  # characters of a path or resource kept: enough to see what was probed


def printable(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` with control characters escaped (the audit log is JSON in Postgres, which refuses
    NUL) and shortened to ``limit`` characters."""
    shown = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@dataclass(frozen=True)
class Refusal:
    """One refused request: who (``principal``, None without a valid token, and the address),
    what (method, route, path, the route's ids) and why (``reason``, a code from a fixed set)."""

    status: int
    reason: str
    method: str
    route: str
    path: str
    remote_address: str
    principal: Principal | None = None
    view_args: dict[str, str] = field(default_factory=dict)
    trace_id: str = ""

    @property
    def caller(self) -> str:
        """The key refusals are aggregated and partitioned by."""
        return f"subject:{self.principal.subject}" if self.principal else f"address:{self.remote_address}"

    def event(self, service: str) -> events_pb2.RequestRefused:
        caller = self.principal
        case_id = self.view_args.get("case_id", "")
        return events_pb2.RequestRefused(
            service=service,
            status=self.status,
            reason=self.reason,
            subject=caller.subject if caller else "",
            username=caller.username if caller else "",
            role=caller.primary_role if caller else "none",
            client=(caller.client or "") if caller else "",
            remote_address=self.remote_address,
            method=self.method,
            route=self.route,
            path=printable(self.path),
            resource=printable(
                ",".join(f"{name.removesuffix('_id')}:{value}" for name, value in sorted(self.view_args.items()))
            ),
            case_id=case_id if _is_uuid(case_id) else "",
            trace_id=self.trace_id,
        )


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@dataclass
class _Window:
    started: float
    count: int = 0
    suppressed: int = 0
    last: Refusal | None = None


class RefusalAuditor:
    """Counts refusals and hands a bounded number of them to ``send`` (see the module docstring).

    ``note`` is called on the request thread and never blocks; :meth:`run` is the background loop
    that sends and closes windows. Without ``send`` refusals are only counted (apps with no broker).
    """

    def __init__(
        self,
        service: str,
        send: Send | None = None,
        window_s: float = 60.0,
        per_caller: int = 20,
        max_callers: int = 10_000,
        queue_size: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service, self.send = service, send
        self.window_s, self.per_caller, self.max_callers = window_s, per_caller, max_callers
        self.clock = clock
        factory = metrics.Metrics(service)
        self.refused = factory.counter(
            "refused_requests_total", "Requests refused: 401, 403, and 404 for what the caller may not see.",
            ("status", "reason"),
        )  # fmt: skip
        self.bursts = factory.counter(
            "refusal_bursts_total", "Times one caller was refused per_caller times within one audit window."
        )
        self.unaudited = factory.counter(
            "refusals_unaudited_total", "Refusals counted but not sent to the audit log.", ("why",)
        )
        self._windows: dict[str, _Window] = {}
        self._overflow = _Window(clock())
        self._lock = threading.Lock()
        self._queue: queue.Queue[events_pb2.RequestRefused] = queue.Queue(queue_size)

    def note(self, refusal: Refusal) -> None:
        """Count ``refusal`` and queue it for the audit log if its caller's window allows."""
        self.refused.labels(str(refusal.status), refusal.reason).inc()
        if self.send is None:
            return
        now = self.clock()
        with self._lock:
            window = self._windows.get(refusal.caller)
            if window is not None and now - window.started >= self.window_s:
                self._close(refusal.caller, window)
                window = None
            if window is None:
                if len(self._windows) >= self.max_callers:
                    self._overflow.suppressed += 1
                    self._overflow.last = refusal
                    return
                window = self._windows[refusal.caller] = _Window(now)
            window.count += 1
            if window.count > self.per_caller:
                window.suppressed += 1
                window.last = refusal
                return
            if window.count == self.per_caller:
                self.bursts.inc()
        self._enqueue(refusal.event(self.service))

    def tick(self) -> None:
        """Close every window that has ended, sending the count of what it held back."""
        now = self.clock()
        with self._lock:
            for caller, window in list(self._windows.items()):
                if now - window.started >= self.window_s:
                    self._close(caller, window)
            if now - self._overflow.started >= self.window_s:
                self._summarise(self._overflow, many_callers=True)
                self._overflow = _Window(now)

    def _close(self, caller: str, window: _Window) -> None:
        del self._windows[caller]
        self._summarise(window)

    def _summarise(self, window: _Window, many_callers: bool = False) -> None:
        if not window.suppressed or window.last is None:
            return
        event = window.last.event(self.service)
        event.suppressed, event.window_seconds = window.suppressed, self.window_s
        if many_callers:  # the last one's identity does not stand for the others
            event.subject, event.username, event.role, event.client = "", "(many callers)", "none", ""
            event.remote_address = ""
        self._enqueue(event)

    def _enqueue(self, event: events_pb2.RequestRefused) -> None:
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.unaudited.labels("queue-full").inc(max(event.suppressed, 1))

    def run(self, stop: threading.Event) -> None:
        """Send queued refusals and close ended windows until ``stop`` is set."""
        last_tick = self.clock()
        while not stop.is_set():
            try:
                event = self._queue.get(timeout=1.0)
            except queue.Empty:
                event = None
            if event is not None and self.send is not None:
                try:
                    self.send(event)
                except Exception:  # the broker is away: the refusal is still counted, and said to be lost
                    log.warning("a refused request could not be sent to the audit log", exc_info=True)
                    self.unaudited.labels("send-failed").inc(max(event.suppressed, 1))
            if self.clock() - last_tick >= 1.0:
                self.tick()
                last_tick = self.clock()


def kafka_auditor(settings: HttpSettings, producer: KafkaProducer) -> RefusalAuditor:
    """The auditor of an API service: refusals go to ``audit.refusals`` through ``producer``, with the
    window and per-caller budget from ``settings``."""
    return RefusalAuditor(
        settings.service_name,
        kafka_sender(producer, settings.service_name),
        window_s=settings.refusal_audit_window_s,
        per_caller=settings.refusal_audit_per_caller,
    )


def kafka_sender(producer: KafkaProducer, service: str) -> Send:
    """A ``send`` that publishes to ``audit.refusals``, keyed by the caller (one caller's records in order)."""

    def send(event: events_pb2.RequestRefused) -> None:
        key = event.subject or event.remote_address or "unknown"
        with tracing.bound(event.trace_id or None):  # the envelope carries the refused request's trace
            kafka.publish(producer, events.AUDIT_REFUSALS, key, event, service).get(timeout=30)

    return send
