"""How hard the local stack tries to bring back a process that died before it gives up."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


class Unrecoverable(RuntimeError):
    """A server or service kept dying or would not come back; the message says which and why."""


@dataclass(frozen=True)
class RestartPolicy:
    """Restarts with a doubling wait, and a limit on how many fall within a window (a crash loop)."""

    #: restarts (successful or not) allowed within ``window_s`` before the stack gives up
    max_restarts: int = 5
    window_s: float = 300.0
    #: wait before the first restart; doubles with each recent restart, up to ``max_backoff_s``
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0


@dataclass
class RestartHistory:
    """The recent restarts of one process, judged against a policy."""

    policy: RestartPolicy
    times: deque[float] = field(default_factory=deque)

    def next_delay(self, now: float | None = None) -> float | None:
        """Seconds to wait before the next restart, or None when the policy's limit is reached."""
        now = time.monotonic() if now is None else now
        while self.times and now - self.times[0] > self.policy.window_s:
            self.times.popleft()
        if len(self.times) >= self.policy.max_restarts:
            return None
        return min(self.policy.max_backoff_s, self.policy.backoff_s * 2 ** len(self.times))

    def record(self, now: float | None = None) -> int:
        """Count one restart; returns how many fall within the window."""
        self.times.append(time.monotonic() if now is None else now)
        return len(self.times)
