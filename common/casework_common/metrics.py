"""Prometheus metrics named ``casework_<service>_<what>_<unit>``.

Each service module declares its metrics through a :class:`Metrics` factory, which
applies the prefix and returns the already-registered metric when asked twice (so
app factories can run more than once in a process). Processes that fork workers
(ocr) set ``PROMETHEUS_MULTIPROC_DIR`` and :func:`exposition` aggregates them.
"""

from __future__ import annotations

import os
import threading
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
