"""The HTTP server's framing rules, over real loopback sockets against a real cheroot server: a
Content-Length that is not digits and oversized headers are refused as problems before any view
runs; a body that stops arriving is a 408 that closes the connection; ordinary requests keep
their connection."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
from flask import Flask, Response, jsonify

from casework_common.http_server import make_server
from casework_common.problems import Problem
from casework_common.web import problem_response, request_body


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    app = Flask("framing")
    app.register_error_handler(Problem, problem_response)

    @app.post("/echo")
    def echo() -> Response:
        body, data = request_body(), b""
        while chunk := body.read(1000):
            data += chunk
        return jsonify(length=len(data))

    server = make_server(("127.0.0.1", 0), app, threads=2, name="framing", max_header_bytes=8 * 1024)
    server.timeout = 1  # the read timeout a stalled body meets (10 s in the services)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield server.bind_addr[1]
    server.stop()


def exchange(port: int, raw: bytes, half_close: bool = False) -> tuple[int, dict[str, str], dict, bool]:
    """Send ``raw``; returns the status, headers and JSON body of the answer, and whether the server
    then closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        status, headers, body = read_answer(sock)
        return status, headers, body, sock.recv(1) == b""


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], dict]:
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, json.loads(body)


@pytest.mark.parametrize("length", ["-1", "+5", "1_0", " 5x", "0x5"])
def test_a_content_length_that_is_not_digits_is_a_400_problem(port: int, length: str) -> None:
    status, headers, problem, closed = exchange(
        port, f"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {length}\r\n\r\nhello".encode(), half_close=True
    )
    assert status == 400 and headers["content-type"] == "application/problem+json" and closed
    assert problem["status"] == 400 and "Content-Length" in problem["detail"]


def test_headers_over_the_limit_are_a_431_problem(port: int) -> None:
    raw = b"GET /echo HTTP/1.1\r\nHost: t\r\nX-Padding: " + b"p" * 9000 + b"\r\n\r\n"
    status, headers, problem, closed = exchange(port, raw)
    assert status == 431 and headers["content-type"] == "application/problem+json" and closed
    assert problem["title"] == "Request Header Fields Too Large"


def test_a_body_that_stops_arriving_is_a_408_problem_and_the_connection_closes(port: int) -> None:
    status, headers, problem, closed = exchange(
        port, b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 50\r\n\r\nhello"
    )
    assert status == 408 and headers["connection"] == "close" and closed
    assert problem["type"].endswith("/request-timeout")


def test_a_whole_body_is_read_and_the_connection_kept(port: int) -> None:
    request = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for _ in range(2):  # the second request goes over the same connection
            sock.sendall(request)
            status, headers, body = read_answer(sock)
            assert status == 200 and body == {"length": 5} and headers.get("connection") != "close"
