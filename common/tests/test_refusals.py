"""The bound on refused-request auditing (pure logic, a hand-driven clock): per caller and window the
first few refusals are sent, the rest counted into one record; a burst is counted once; callers past
the cap are aggregated; a full queue never blocks the request."""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_common.problems import forbidden, invalid, not_found
from casework_common.refusals import Refusal, RefusalAuditor, printable
from casework_common.web import create_app


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refusal(subject: str | None = "s-1", address: str = "10.0.0.1", case_id: str = "x") -> Refusal:
    caller = Principal(subject, f"user-{subject}", frozenset({"rep"}), client="casework-dev") if subject else None
    return Refusal(404, "not-visible", "GET", "/v1/cases/<case_id>", f"/v1/cases/{case_id}", address, caller,
                   {"case_id": case_id})  # fmt: skip


def drain(auditor: RefusalAuditor) -> list[events_pb2.RequestRefused]:
    sent: list[events_pb2.RequestRefused] = []
    while not auditor._queue.empty():
        sent.append(auditor._queue.get_nowait())
    return sent


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_a_caller_gets_per_caller_records_then_one_count_per_window() -> None:
    clock = Clock()
    auditor = RefusalAuditor("unitone", send=lambda _e: None, window_s=60, per_caller=3, clock=clock)
    for i in range(10):
        auditor.note(refusal(case_id=f"c{i}"))
    sent = drain(auditor)
    assert [e.path for e in sent] == ["/v1/cases/c0", "/v1/cases/c1", "/v1/cases/c2"]
    assert sent[0].username == "user-s-1" and sent[0].role == "rep" and sent[0].client == "casework-dev"
    assert sent[0].resource == "case:c0" and sent[0].suppressed == 0
    assert sample("casework_unitone_refusal_bursts_total") == 1
    assert sample("casework_unitone_refused_requests_total", {"status": "404", "reason": "not-visible"}) == 10
    clock.now += 59
    auditor.tick()
    assert drain(auditor) == []  # the window has not ended
    clock.now += 1
    auditor.tick()
    (summary,) = drain(auditor)
    assert summary.suppressed == 7 and summary.window_seconds == 60 and summary.path == "/v1/cases/c9"
    auditor.note(refusal(case_id="again"))  # a new window: sent again
    assert [e.path for e in drain(auditor)] == ["/v1/cases/again"]


def test_callers_are_kept_apart_and_anonymous_ones_are_told_by_address() -> None:
    auditor = RefusalAuditor("unittwo", send=lambda _e: None, per_caller=2, clock=Clock())
    for _ in range(3):
        auditor.note(refusal("a"))
        auditor.note(refusal(None, "10.0.0.7"))
        auditor.note(refusal(None, "10.0.0.8"))
    sent = drain(auditor)
    assert len(sent) == 6 and sample("casework_unittwo_refusal_bursts_total") == 3
    assert {e.remote_address for e in sent if not e.subject} == {"10.0.0.7", "10.0.0.8"}
    assert all(e.role == "none" and e.username == "" for e in sent if not e.subject)


def test_callers_beyond_the_cap_are_one_aggregate_record() -> None:
    clock = Clock()
    auditor = RefusalAuditor("unitthree", send=lambda _e: None, per_caller=5, max_callers=2, clock=clock)
    for subject in ("a", "b", "c", "d", "e"):
        auditor.note(refusal(subject))
    assert [e.subject for e in drain(auditor)] == ["a", "b"]
    clock.now += 60
    auditor.tick()
    (aggregate,) = drain(auditor)
    assert aggregate.suppressed == 3 and aggregate.username == "(many callers)" and aggregate.subject == ""


def test_a_full_queue_is_counted_not_waited_for() -> None:
    auditor = RefusalAuditor("unitfour", send=lambda _e: None, per_caller=100, queue_size=2, clock=Clock())
    for _ in range(5):
        auditor.note(refusal())
    assert len(drain(auditor)) == 2
    assert sample("casework_unitfour_refusals_unaudited_total", {"why": "queue-full"}) == 3


def test_the_loop_sends_what_was_queued_and_counts_what_could_not_be_sent() -> None:
    sent: list[events_pb2.RequestRefused] = []
    stop = threading.Event()

    def send(event: events_pb2.RequestRefused) -> None:
        if event.path.endswith("broken"):
            raise ConnectionError("broker away")
        sent.append(event)
        if len(sent) == 2:
            stop.set()

    auditor = RefusalAuditor("unitfive", send=send)
    for case_id in ("one", "broken", "two"):
        auditor.note(refusal(case_id=case_id))
    auditor.run(stop)
    assert [e.path for e in sent] == ["/v1/cases/one", "/v1/cases/two"]
    assert sample("casework_unitfive_refusals_unaudited_total", {"why": "send-failed"}) == 1


def test_paths_are_shortened_and_their_control_characters_escaped() -> None:
    assert printable("/v1/cases/\x00\x9b31m") == "/v1/cases/\\x00\\x9b31m"
    assert len(printable("/" + "a" * 1000)) == 300


def test_the_web_layer_notes_each_refusing_problem_once_and_nothing_else() -> None:
    auditor = RefusalAuditor("unitweb", send=lambda _e: None)
    app = create_app("unitweb", None, refusals=auditor)
    case_id = "5b0b7f4e-8f0a-4c1e-9a57-3f8a1e2b9c10"

    @app.get("/v1/cases/<case_id>")
    def hidden(case_id: str) -> None:
        raise not_found("case")

    @app.post("/v1/referrals")
    def refused() -> None:
        raise forbidden("Only officials.")

    @app.get("/v1/bad")
    def bad() -> None:
        raise invalid([{"field": "x", "message": "no"}])

    @app.get("/v1/ok")
    def ok() -> str:
        return "fine"

    client = app.test_client()
    assert client.get(f"/v1/cases/{case_id}").status_code == 404
    assert client.post("/v1/referrals").status_code == 403
    assert client.get("/v1/bad").status_code == 422
    assert client.get("/v1/ok").status_code == 200
    assert client.get("/no/such/route").status_code == 404  # no resource was refused: not audited
    hidden_one, forbidden_one = drain(auditor)
    assert (hidden_one.status, hidden_one.reason, hidden_one.route) == (404, "not-visible", "/v1/cases/<case_id>")
    assert (hidden_one.resource, hidden_one.case_id, hidden_one.role) == (f"case:{case_id}", case_id, "none")
    assert len(hidden_one.trace_id) == 32
    assert (forbidden_one.status, forbidden_one.reason, forbidden_one.method) == (403, "forbidden", "POST")
    assert sample("casework_unitweb_refused_requests_total", {"status": "404", "reason": "not-visible"}) == 1
