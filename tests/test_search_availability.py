"""Search answers honestly about its ability to serve: /readyz fails while the search
server cannot be reached, searches then answer 503 with Retry-After (never 500), and searches
during a live index rebuild answer results, never 500."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

import testdocs
from casework_local.config import free_ports
from casework_local.process import Managed
from harness import Platform, unique_number

pytestmark = pytest.mark.stack


class Gate:
    """A TCP forwarder to a server that a test can close: while closed, every connection through
    it (open or new) is dropped at once, as a dead server's would be."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_open = True
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.is_open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.is_open = False
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()
            self._sockets.clear()

    def open(self) -> None:
        self.is_open = True

    def shutdown(self) -> None:
        self.close()
        self.listener.close()


def wait_until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Poll ``predicate`` until it holds or ``timeout_s`` passes (a bound on a hang, not a speed check)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
    return True


@pytest.fixture
def gated_search(platform: Platform) -> Iterator[tuple[str, Gate]]:
    """A second search replica whose way to the search server goes through a Gate. Stopped after
    its test: a second replica's rebuilder would race the first one's when the indices are lost."""
    gate = Gate(platform.config.ports["opensearch"])
    _, main = platform.stack.services["search"]
    http_port, grpc_port = free_ports(2)
    process = Managed(
        "search-gated",
        [sys.executable, "-m", "casework_search"],
        Path(platform.config.path("logs", "search-gated.log")),
        env={
            **main.env,
            "CASEWORK_OPENSEARCH_URL": f"http://127.0.0.1:{gate.port}",
            "CASEWORK_HTTP_PORT": str(http_port),
            "CASEWORK_GRPC_PORT": str(grpc_port),
        },
    )
    url = f"http://127.0.0.1:{http_port}"
    process.start()
    try:
        process.wait_until(lambda: requests.get(f"{url}/readyz", timeout=5).status_code == 200, 120, "ready")
        yield url, gate
    finally:
        process.stop()
        gate.shutdown()


def ready_status(url: str) -> int:
    # The probe must answer within its own deadline (CASEWORK_READY_TIMEOUT_S, 2 s by default).
    return requests.get(f"{url}/readyz", timeout=10).status_code


def test_readyz_and_searches_follow_the_search_server(platform: Platform, gated_search: tuple[str, Gate]) -> None:
    url, gate = gated_search
    platform.create_case("rachel", unique_number())  # an empty scope would answer without asking the index
    headers = {"Authorization": f"Bearer {platform.token('rachel')}"}
    assert requests.get(f"{url}/v1/search", params={"q": "hearing"}, headers=headers, timeout=30).status_code == 200
    gate.close()
    try:
        assert wait_until(lambda: ready_status(url) == 503, 30), "/readyz stayed 200 without the search server"
        body = requests.get(f"{url}/readyz", timeout=10).json()
        assert body["checks"]["opensearch"] is False
        response = requests.get(f"{url}/v1/search", params={"q": "hearing"}, headers=headers, timeout=60)
        assert response.status_code == 503, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert int(response.headers["Retry-After"]) > 0
    finally:
        gate.open()
    assert wait_until(lambda: ready_status(url) == 200, 60), "/readyz did not recover with the search server"
    assert requests.get(f"{url}/v1/search", params={"q": "hearing"}, headers=headers, timeout=30).status_code == 200


@pytest.fixture(scope="module")
def indexed(platform: Platform) -> tuple[str, set[str]]:
    """Three indexed letters sharing a fresh word: (the word, their ids)."""
    case = platform.create_case("rachel", unique_number())
    word = testdocs.fresh_word()
    ids = set()
    for n in range(3):
        response = platform.upload(
            "rachel",
            case["id"],
            [(f"letter{n}.pdf", testdocs.text_pdf(testdocs.letter_lines(word, str(n))), "application/pdf")],
        )
        assert response.status_code == 201, response.text
        ids.add(response.json()["items"][0]["id"])
    for item_id in ids:
        assert platform.wait_for_status("rachel", item_id)["status"] == "indexed"
    return word, ids


def searching_while(platform: Platform, word: str, ids: set[str], action: Callable[[], None]) -> Counter[str]:
    """Search for ``word`` from three threads while ``action`` runs. Returns the answers by kind:
    "found" (200 with every item), "503" (with Retry-After), anything else as its status and body."""
    answers: Counter[str] = Counter()
    stop = threading.Event()

    def search_until_stopped() -> None:
        session = platform.api("rachel")
        while not stop.is_set():
            response = session.get(f"{platform.url('search')}/v1/search", params={"q": word}, timeout=30)
            if response.status_code == 200:
                found = {hit["evidence_id"] for hit in response.json()["items"]}
                answers["found" if found == ids else f"200 with {len(found & ids)} of {len(ids)} items"] += 1
            elif response.status_code == 503 and int(response.headers.get("Retry-After", "0")) > 0:
                answers["503"] += 1
            else:
                answers[f"{response.status_code}: {response.text[:300]}"] += 1

    threads = [threading.Thread(target=search_until_stopped) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        action()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return answers


def rebuilds_completed(platform: Platform) -> int:
    return platform.call("ada", "GET", "search", "/v1/admin/reindex").json()["completed"]


def test_searches_during_a_rebuild_answer_from_the_old_index(platform: Platform, indexed: tuple[str, set[str]]) -> None:
    word, ids = indexed

    def two_rebuilds() -> None:  # each swaps both aliases under the searches
        for _ in range(2):
            done = rebuilds_completed(platform)
            assert platform.call("ada", "POST", "search", "/v1/admin/reindex").status_code == 202
            assert wait_until(lambda d=done: rebuilds_completed(platform) > d, 120), "the rebuild did not finish"

    answers = searching_while(platform, word, ids, two_rebuilds)
    assert answers["found"] > 0
    assert set(answers) == {"found"}, dict(answers)


def test_searches_while_the_indices_are_rebuilt_from_nothing_never_answer_500(
    platform: Platform, indexed: tuple[str, set[str]]
) -> None:
    """The search server lost its indices (the one-machine stand-in keeps nothing across a restart):
    until the rebuild from the systems of record is done there is no old index to answer from, so
    searches answer 503 with Retry-After; then they find everything again."""
    word, ids = indexed
    opensearch = platform.url("opensearch")

    def lose_and_rebuild() -> None:
        done = rebuilds_completed(platform)
        for alias in ("casework-evidence-pages", "casework-cases"):
            for index in requests.get(f"{opensearch}/_alias/{alias}", timeout=10).json():
                requests.delete(f"{opensearch}/{index}", timeout=10).raise_for_status()
        assert wait_until(lambda: rebuilds_completed(platform) > done, 120), "the indices were not rebuilt"

    answers = searching_while(platform, word, ids, lose_and_rebuild)
    assert set(answers) <= {"found", "503"}, dict(answers)
    assert answers["503"] > 0, dict(answers)  # the searches did run while there was no index
    assert {hit["evidence_id"] for hit in platform.search("rachel", word).json()["items"]} == ids
