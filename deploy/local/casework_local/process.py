"""Child processes of the local stack: started in their own process group, logged to a file,
stopped with the signal each one expects, and waited for with a clear reason on failure."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class StartError(RuntimeError):
    """A server or service did not come up; the message says which, why, and where its log is."""


@dataclass
class Managed:
    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    user: str | None = None  # run as this user (Postgres refuses to run as root)
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed on stop
        log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}: {' '.join(self.argv)}\n".encode())
        log.flush()
        self.process = subprocess.Popen(  # noqa: S603 - argv is built by the stack, not from input
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            cwd=self.cwd,
            user=self.user,
            group=_group_of(self.user) if self.user else None,
            extra_groups=[] if self.user else None,
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops children in order
        )
        self._log = log

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.process is None:
            return
        if self.alive():
            try:
                os.killpg(self.process.pid, self.stop_signal)
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
            except ProcessLookupError:
                pass
        else:
            # The leader died on its own (or was killed); children it left in its group may still
            # hold its port or shared memory, and would stop a restart.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return "\n".join("    " + line for line in text[-lines:])

    def wait_until(self, check: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Poll ``check`` until it is true; StartError if the process exits or time runs out."""
        deadline = time.monotonic() + timeout_s
        last_error = ""
        while time.monotonic() < deadline:
            if not self.alive():
                code = self.process.returncode if self.process else None
                raise StartError(
                    f"{self.name} exited with code {code} before it was {what}.\n"
                    f"  Last lines of {self.log_path}:\n{self.tail()}"
                )
            try:
                if check():
                    return
            except Exception as exc:  # noqa: BLE001 - not ready yet; remember why
                last_error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.2)
        raise StartError(
            f"{self.name} was not {what} after {timeout_s:.0f}s"
            + (f" (last check: {last_error})" if last_error else "")
            + f".\n  Last lines of {self.log_path}:\n{self.tail()}"
        )


def _group_of(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_gid
