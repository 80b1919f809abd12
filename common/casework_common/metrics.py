"""Prometheus metrics named ``casework_<service>_<what>_<unit>``.

Each service module declares its metrics through a :class:`Metrics` factory, which
applies the prefix and returns the already-registered metric when asked twice (so
app factories can run more than once in a process). Processes that fork workers
(ocr) set ``PROMETHEUS_MULTIPROC_DIR`` and :func:`exposition` aggregates them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

_registered: dict[str, Any] = {}
_lock = threading.Lock()


class Metrics:
    """Creates metrics with the ``casework_<service>_`` prefix."""

    def __init__(self, service: str) -> None:
        self.service = service

    def _get(self, cls: type, name: str, doc: str, labels: tuple[str, ...], **kwargs: Any) -> Any:
        full = f"casework_{self.service}_{name}"
        with _lock:
            if full not in _registered:
                _registered[full] = cls(full, doc, labels, **kwargs)
            return _registered[full]

    def counter(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
        return self._get(Counter, name, doc, labels)

    def histogram(
        self, name: str, doc: str, labels: tuple[str, ...] = (), buckets: tuple[float, ...] = LATENCY_BUCKETS
    ) -> Histogram:
        return self._get(Histogram, name, doc, labels, buckets=buckets)

    def gauge(self, name: str, doc: str, labels: tuple[str, ...] = (), multiprocess_mode: str = "livesum") -> Gauge:
        return self._get(Gauge, name, doc, labels, multiprocess_mode=multiprocess_mode)


def exposition() -> tuple[bytes, str]:
    """The current metrics in Prometheus text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(DEFAULT_REGISTRY), CONTENT_TYPE_LATEST


@dataclass(frozen=True)
class StateGauges:
    """Gauges whose samples are read from the service's own database at scrape time: for state
    (open referrals, unfinished evidence) that no event stream counts reliably across restarts.
    ``read`` runs one query and yields, per label tuple, one value for each gauge in ``gauges``
    (name -> help text), in that order."""

    labels: tuple[str, ...]
    gauges: dict[str, str]
    read: Callable[[Connection], Iterable[tuple[tuple[str, ...], tuple[float, ...]]]]


class _StateCollector(Collector):
    def __init__(self, service: str, engine: Engine, state: StateGauges) -> None:
        self.service, self.engine, self.state = service, engine, state

    def collect(self) -> Iterable[GaugeMetricFamily]:
        families = [
            GaugeMetricFamily(f"casework_{self.service}_{name}", doc, labels=list(self.state.labels))
            for name, doc in self.state.gauges.items()
        ]
        try:
            with self.engine.connect() as conn:
                for labels, values in self.state.read(conn):
                    for family, value in zip(families, values, strict=True):
                        family.add_metric(list(labels), value)
        except Exception:  # a scrape must not fail because the database is away; readiness says so
            log.warning("state gauges of %s could not be read", self.service, exc_info=True)
        yield from families


def register_state_gauges(service: str, engine: Engine, state: StateGauges) -> None:
    """Expose ``state``'s gauges on this process's /metrics, read from ``engine`` on every scrape."""
    DEFAULT_REGISTRY.register(_StateCollector(service, engine, state))
