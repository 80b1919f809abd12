"""JSON logs, one object per line, each carrying the service name and trace id."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from casework_common import tracing


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.trace_id = tracing.current_trace_id()
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log record to stderr as JSON with ``service`` and ``trace_id`` fields."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(service))
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{service}{trace_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Client libraries are chatty at INFO; their warnings still come through.
    for noisy in ("kafka", "urllib3", "opensearch", "cheroot"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
