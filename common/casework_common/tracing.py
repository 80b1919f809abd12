"""Trace ids that follow a piece of work across HTTP, gRPC and Kafka.

The id travels in a W3C ``traceparent`` header (HTTP header, gRPC metadata key,
Kafka record header). Only the trace id is used: it ties log lines together; span
timing is left to a real tracer if one is added later.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import secrets
from collections.abc import Iterator

HEADER = "traceparent"

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("casework_trace_id", default=None)


def new_trace_id() -> str:
    """A fresh random 128-bit trace id as 32 lowercase hex characters."""
    return secrets.token_hex(16)


def current_trace_id() -> str | None:
    """The trace id bound to the current context, if any."""
    return _current.get()


def parse_traceparent(value: str | bytes | None) -> str | None:
    """The trace id from a ``traceparent`` value, or None if absent or malformed."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    match = _TRACEPARENT.match(value.strip().lower())
    if not match or match.group(1) == "0" * 32:
        return None
    return match.group(1)


def format_traceparent(trace_id: str | None = None) -> str:
    """A ``traceparent`` value for the given (or current, or a new) trace id."""
    trace_id = trace_id or current_trace_id() or new_trace_id()
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


def attach(trace_id: str | None) -> contextvars.Token[str | None]:
    """Bind ``trace_id`` (or a new one) until :func:`detach` is called with the returned token."""
    return _current.set(trace_id or new_trace_id())


def detach(token: contextvars.Token[str | None]) -> None:
    _current.reset(token)


@contextlib.contextmanager
def bound(trace_id: str | None) -> Iterator[str]:
    """Bind ``trace_id`` (or a new one) for the duration of the block."""
    trace_id = trace_id or new_trace_id()
    token = _current.set(trace_id)
    try:
        yield trace_id
    finally:
        _current.reset(token)
