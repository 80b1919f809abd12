"""Virus scanning with ClamAV's clamd, over its local socket, before anything else reads a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clamdpy import ClamdUnixSocket
from clamdpy.exceptions import BufferTooLongError

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Verdict:
    infected: bool
    signature: str = ""
    too_large: bool = False


class Scanner:
    def __init__(self, socket_path: str, timeout_s: float = 120.0) -> None:
        self.socket_path = socket_path
        self.timeout_s = timeout_s

    def _client(self) -> ClamdUnixSocket:
        return ClamdUnixSocket(path=self.socket_path, timeout=self.timeout_s, max_chunk_size=CHUNK)

    def scan(self, path: Path) -> Verdict:
        """Stream the file to clamd. Errors (clamd down, file too big for it) raise: the caller retries."""
        with path.open("rb") as handle:
            try:
                result = self._client().instream(handle)
            except BufferTooLongError:
                return Verdict(False, too_large=True)
        if result.status == "FOUND":
            return Verdict(True, result.reason or "unknown")
        if result.status != "OK":
            raise RuntimeError(f"clamd could not scan the file: {result.status} {result.reason}")
        return Verdict(False)

    def ready(self) -> bool:
        return self._client().ping() == "PONG"
