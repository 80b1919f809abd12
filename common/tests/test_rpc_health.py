"""The gRPC health service follows the service's readiness: otherwise a service whose /readyz is
503 would still look healthy to its gRPC callers (search's /readyz once stayed 200 while workflow,
which it asks, could not reach its database and every search failed)."""

from __future__ import annotations

import socket

from casework_common import rpc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_answers_not_serving_while_not_ready_and_serving_again_after() -> None:
    ready = [False]
    port = free_port()
    server, _ = rpc.make_server("test", port, 2, [], ready=lambda: ready[0])
    server.start()
    try:
        assert rpc.health_check(f"127.0.0.1:{port}") is False
        ready[0] = True
        assert rpc.health_check(f"127.0.0.1:{port}") is True
    finally:
        server.stop(None)
