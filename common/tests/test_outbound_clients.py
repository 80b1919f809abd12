"""The shared intake and workflow REST clients over real HTTP, against a stand-in server that
records what it was sent: the requests they make, and the errors callers get back."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from casework_common.intake_client import IntakeClient
from casework_common.problems import Problem
from casework_common.workflow_client import WorkflowClient

# What the stand-in was sent, in order (emptied before each test).
SEEN: list[dict[str, Any]] = []
# One stand-in for both services: intake's and workflow's routes do not overlap.
STAND_IN = Flask("intake-and-workflow-stand-in")


@STAND_IN.get("/healthz")
def healthz() -> Any:
    return "ok"


@STAND_IN.get("/v1/cases/<case_id>/evidence")
def case_evidence(case_id: str) -> Any:
    SEEN.append({"auth": request.headers.get("Authorization"), "trace": request.headers.get("traceparent")})
    if case_id == "missing":
        return jsonify(title="Not found"), 404
    if case_id == "broken":
        return "oops", 500
    return jsonify(items=[{"id": "e1"}])


@STAND_IN.get("/v1/evidence")
def evidence() -> Any:
    SEEN.append({"auth": request.headers.get("Authorization"), "args": dict(request.args)})
    if request.args.get("cursor"):
        return jsonify(items=[{"id": "e2"}])
    return jsonify(items=[{"id": "e1"}], next_cursor="c1")


@STAND_IN.post("/v1/evidence/<parent_id>/children")
def children(parent_id: str) -> Any:
    upload = request.files["file"]
    SEEN.append(
        {
            "auth": request.headers.get("Authorization"),
            "index": request.form["index"],
            "file": (upload.filename, upload.mimetype, upload.read()),
        }
    )
    if parent_id == "deep":
        return jsonify(title="Too deep"), 422
    if parent_id == "broken":
        return "oops", 500
    return jsonify(id="child-1"), 201


@STAND_IN.post("/v1/cases/<case_id>/timeline")
def timeline(case_id: str) -> Any:
    SEEN.append({"auth": request.headers.get("Authorization"), "entry": request.get_json()})
    if case_id == "refused":
        body = {"type": "x", "title": "Forbidden", "status": 403, "detail": "Not your case."}
        return jsonify(body), 403, {"Content-Type": "application/problem+json"}
    if case_id == "broken":
        return "oops", 500
    return jsonify(id="t1", **request.get_json()), 201


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """The stand-in on a real threaded HTTP server on a free port."""
    server = make_server("127.0.0.1", 0, STAND_IN, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(autouse=True)
def forget() -> None:
    SEEN.clear()


def closed_port_url() -> str:
    """A URL nothing listens on (a port that was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_intake_case_evidence_is_read_with_the_callers_token_and_a_trace(url: str) -> None:
    assert IntakeClient(url, 5).case_evidence("tok", "c1") == [{"id": "e1"}]
    assert SEEN[0]["auth"] == "Bearer tok"
    assert SEEN[0]["trace"].startswith("00-")


def test_intake_case_evidence_errors_are_problems(url: str) -> None:
    client = IntakeClient(url, 5)
    with pytest.raises(Problem) as missing:
        client.case_evidence("tok", "missing")
    assert missing.value.status == 404
    with pytest.raises(Problem) as broken:
        client.case_evidence("tok", "broken")
    assert (broken.value.status, broken.value.detail) == (
        503,
        "The evidence service could not list the case's evidence; try again shortly.",
    )
    with pytest.raises(Problem) as down:
        IntakeClient(closed_port_url(), 5).case_evidence("tok", "c1")
    assert (down.value.status, down.value.detail) == (503, "The evidence service is not available; try again shortly.")


def test_intake_list_evidence_pages_by_cursor(url: str) -> None:
    client = IntakeClient(url)
    first = client.list_evidence("svc", "indexed", 200)
    assert first == {"items": [{"id": "e1"}], "next_cursor": "c1"}
    assert client.list_evidence("svc", "indexed", 200, first["next_cursor"]) == {"items": [{"id": "e2"}]}
    assert SEEN[0] == {"auth": "Bearer svc", "args": {"status": "indexed", "limit": "200"}}
    assert SEEN[1]["args"] == {"status": "indexed", "limit": "200", "cursor": "c1"}


def test_intake_add_child_streams_the_file(url: str, tmp_path: Path) -> None:
    path = tmp_path / "member.txt"
    path.write_bytes(b"inside the archive")
    client = IntakeClient(url)
    assert client.add_child("svc", "parent", 3, "member.txt", "text/plain", path) == "child-1"
    assert SEEN[0] == {
        "auth": "Bearer svc",
        "index": "3",
        "file": ("member.txt", "text/plain", b"inside the archive"),
    }
    assert client.add_child("svc", "deep", 0, "member.txt", "text/plain", path) is None
    with pytest.raises(requests.HTTPError):
        client.add_child("svc", "broken", 0, "member.txt", "text/plain", path)


def test_intake_ready(url: str) -> None:
    assert IntakeClient(url).ready() is True
    assert IntakeClient(closed_port_url()).ready() is False


@pytest.fixture
def workflow(url: str) -> Iterator[WorkflowClient]:
    """A workflow client whose REST calls go to the stand-in (its gRPC target is never called)."""
    client = WorkflowClient("127.0.0.1:1", 1, rest_url=url)
    yield client
    client.close()


def test_workflow_timeline_entry_is_written_as_the_caller(workflow: WorkflowClient) -> None:
    assert workflow.add_timeline_entry("tok", "c1", {"kind": "note"}) == {"id": "t1", "kind": "note"}
    assert SEEN == [{"auth": "Bearer tok", "entry": {"kind": "note"}}]


@pytest.mark.parametrize(
    ("case_id", "expected"),
    [
        ("refused", (403, "not-saved", "Forbidden", "Not your case.")),  # workflow's own words
        ("broken", (500, "not-saved", "Not saved", "Not saved here.")),  # no problem body: the caller's
    ],
)
def test_workflow_timeline_refusals_are_not_saved_problems(
    workflow: WorkflowClient, case_id: str, expected: tuple[int, str, str, str]
) -> None:
    with pytest.raises(Problem) as refused:
        workflow.add_timeline_entry("tok", case_id, {}, not_saved="Not saved here.")
    assert (refused.value.status, refused.value.kind, refused.value.title, refused.value.detail) == expected


def test_workflow_down_is_a_503() -> None:
    client = WorkflowClient("127.0.0.1:1", 1, rest_url=closed_port_url())
    try:
        with pytest.raises(Problem) as down:
            client.add_timeline_entry("tok", "c1", {})
        assert (down.value.status, down.value.detail) == (503, "The case service is not available; try again shortly.")
    finally:
        client.close()
