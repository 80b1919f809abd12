"""/readyz over real HTTP: a dependency check that hangs makes it answer 503 naming that check,
instead of hanging the probe (which would then time out without saying why)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import requests
from flask import Flask, current_app
from werkzeug.serving import make_server

from casework_common.readiness import ReadinessCheck
from casework_common.web import create_app

CLIENT_TIMEOUT_S = 10  # a bound on a hang, far above the app's readiness timeout


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """``app`` on a real threaded HTTP server on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture
def frozen() -> Iterator[threading.Event]:
    """Released at the end, so the blocked check's thread finishes."""
    release = threading.Event()
    yield release
    release.set()


def app_with(checks: dict[str, ReadinessCheck]) -> AbstractContextManager[str]:
    return serve(create_app("readyz-test", None, readiness=checks, ready_timeout_s=0.5))


def test_a_frozen_check_answers_503_naming_it(frozen: threading.Event) -> None:
    calls: list[int] = []

    def blocks() -> bool:
        calls.append(1)
        frozen.wait()
        return True

    with app_with({"database": blocks, "kafka": lambda: True}) as base:
        for _ in range(2):
            response = requests.get(f"{base}/readyz", timeout=CLIENT_TIMEOUT_S)
            assert response.status_code == 503
            assert response.json() == {"status": "not ready", "checks": {"database": False, "kafka": True}}
    assert calls == [1]  # the second probe waited on the same frozen call instead of starting another


def test_a_check_that_answers_again_is_ready(frozen: threading.Event) -> None:
    def blocks_until_released() -> bool:
        frozen.wait()
        return True

    with app_with({"object_store": blocks_until_released}) as base:
        assert requests.get(f"{base}/readyz", timeout=CLIENT_TIMEOUT_S).status_code == 503
        frozen.set()
        response = requests.get(f"{base}/readyz", timeout=CLIENT_TIMEOUT_S)
        assert response.status_code == 200
        assert response.json() == {"status": "ready", "checks": {"object_store": True}}


def test_a_failing_or_raising_check_is_reported() -> None:
    def raises() -> bool:
        raise ConnectionError("refused")

    with app_with({"database": raises, "smtp": lambda: False, "kafka": lambda: True}) as base:
        response = requests.get(f"{base}/readyz", timeout=CLIENT_TIMEOUT_S)
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": False, "smtp": False, "kafka": True}


def test_a_check_runs_in_the_application_context() -> None:
    """Checks run on their own threads but still see ``current_app`` (the portal's session store needs it)."""
    with app_with({"app": lambda: current_app.name == "readyz-test"}) as base:
        response = requests.get(f"{base}/readyz", timeout=CLIENT_TIMEOUT_S)
        assert response.status_code == 200, response.text
