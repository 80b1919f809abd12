"""The HTTP server every casework service runs: cheroot, with stricter request framing.

cheroot's defaults leave three holes that a hostile client can use, closed here at the server so
no view has to think about them:

- ``Content-Length`` is parsed with ``int()``, so ``-1`` passes, and a body of length -1 is then
  read to the end of the stream. RFC 9110 (8.6) allows only digits: anything else is a 400.
- Headers have no size limit by default. Here the request line and headers together may be at
  most ``max_header_bytes``; more is a 431 (cheroot would say 413, which is about bodies).
- Before the next request on a kept-open connection cheroot reads what is left of the body; when
  the body stopped arriving that waits for bytes that never come. A response carrying
  ``Connection: close`` (as the web layer's 408 does) now closes the connection instead.

The answers cheroot gives itself, before any view runs, are problem+json like every other error.
"""

from __future__ import annotations

import json
from typing import Any

from cheroot import errors
from cheroot.server import HTTPConnection, HTTPRequest
from cheroot.wsgi import Server

from casework_common.problems import PROBLEM_CONTENT_TYPE, Problem

DEFAULT_MAX_HEADER_BYTES = 64 * 1024  # a bearer token is a few KiB; browsers' own limits are 8-16 KiB per header


class _Request(HTTPRequest):
    def read_request_headers(self) -> bool:
        try:
            framed = super().read_request_headers()
        except errors.MaxSizeExceeded:
            limit = self.server.max_request_header_size
            self.simple_response("431 Request Header Fields Too Large", f"Headers may be at most {limit:,} bytes.")
            return False
        if not framed:
            return False
        length = self.inheaders.get(b"Content-Length")
        if length is not None and not (length.isascii() and length.isdigit()):
            self.simple_response("400 Bad Request", "Content-Length must be a whole number of bytes (digits only).")
            return False
        return True

    def send_headers(self) -> None:
        if any(name.lower() == b"connection" and value.strip().lower() == b"close" for name, value in self.outheaders):
            self.close_connection = True  # do not read on for the rest of a body that stopped arriving
        super().send_headers()

    def simple_response(self, status: Any, msg: Any = "") -> None:
        """cheroot's own answers (framing errors, timeouts, overload) as problem+json; they always
        close the connection, since the request could not be read as HTTP."""
        code, _, reason = str(status).partition(" ")
        detail = msg.decode("latin-1") if isinstance(msg, bytes) else str(msg)
        kind = reason.lower().replace(" ", "-").replace("'", "")
        body = json.dumps(Problem(int(code), kind, reason, detail or None).to_dict()).encode()
        self.close_connection = True
        head = (
            f"{self.server.protocol} {status}\r\nContent-Type: {PROBLEM_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        try:
            self.conn.wfile.write(head.encode("ISO-8859-1") + body)
        except OSError as exc:
            if exc.args[0] not in errors.socket_errors_to_ignore:
                raise


class _Connection(HTTPConnection):
    RequestHandlerClass = _Request


def make_server(
    bind: tuple[str, int], app: Any, *, threads: int, name: str, max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
) -> Server:
    """A cheroot WSGI server for ``app`` with casework's framing rules (see the module docstring)."""
    server = Server(bind, app, numthreads=threads, server_name=name)
    server.max_request_header_size = max_header_bytes
    server.ConnectionClass = _Connection
    return server
