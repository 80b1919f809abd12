"""Trace id propagation and problem+json bodies."""

from casework_common import tracing
from casework_common.problems import Problem, invalid


def test_traceparent_round_trip() -> None:
    trace_id = tracing.new_trace_id()
    assert len(trace_id) == 32
    assert tracing.parse_traceparent(tracing.format_traceparent(trace_id)) == trace_id
    assert tracing.parse_traceparent(tracing.format_traceparent(trace_id).encode()) == trace_id


def test_malformed_or_zero_traceparent_is_ignored() -> None:
    for value in (None, "", "garbage", "00-" + "0" * 32 + "-" + "1" * 16 + "-01", "00-xyz-abc-01"):
        assert tracing.parse_traceparent(value) is None


def test_bound_trace_id_is_scoped_to_the_block() -> None:
    assert tracing.current_trace_id() is None
    with tracing.bound("a" * 32) as bound:
        assert bound == tracing.current_trace_id() == "a" * 32
        with tracing.bound(None) as inner:
            assert inner != bound and tracing.current_trace_id() == inner
        assert tracing.current_trace_id() == bound
    assert tracing.current_trace_id() is None


def test_problem_body_follows_rfc_9457() -> None:
    body = Problem(409, "protocol", "Not allowed", "Discuss it first.", rule=2).to_dict(instance="/v1/x")
    assert body == {
        "type": "https://casework.invalid/problems/protocol",
        "title": "Not allowed",
        "status": 409,
        "detail": "Discuss it first.",
        "instance": "/v1/x",
        "rule": 2,
    }
    assert invalid([{"field": "name", "message": "required"}]).to_dict()["errors"] == [
        {"field": "name", "message": "required"}
    ]
