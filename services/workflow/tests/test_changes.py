"""record_change's contract (pure logic; the rows themselves are tested end to end): entries first,
in order, then the one audit record, then the event, all by the caller and in the caller's
transaction; the outbox order consumers see depends on it."""

import uuid
from typing import Any

import pytest

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_workflow import changes

CALLER = Principal(subject="s", username="rachel", roles=frozenset({"rep"}), branch="north", region="london")
CASE = events_pb2.CaseRef(case_id=str(uuid.UUID(int=7)), reference="CW-2026-000007")
CONN: Any = object()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def add(conn: Any, case: Any, **entry: Any) -> uuid.UUID:
        assert conn is CONN
        seen.append(("entry", (case.case_id, entry)))
        return uuid.UUID(int=len(seen))

    def record(conn: Any, actor: Principal, action: str, case_id: Any, resource: Any, detail: Any) -> None:
        assert conn is CONN
        seen.append(("audit", (actor.username, action, case_id, resource, detail)))

    def emit(conn: Any, key: str, payload: Any) -> None:
        assert conn is CONN
        seen.append(("event", (key, payload)))

    monkeypatch.setattr(changes.timeline, "add", add)
    monkeypatch.setattr(changes.audit, "record", record)
    monkeypatch.setattr(changes, "emit", emit)
    return seen


def test_entries_then_audit_then_event(calls: list[tuple[str, Any]]) -> None:
    event = events_pb2.CaseChanged(case=CASE, kind="updated", actor="rachel")
    ids = changes.record_change(
        CONN,
        CALLER,
        "case.update",
        case=CASE,
        entries=[
            changes.Entry("case_update", "Updated outcome.", "reps", data={"outcome": "dismissed"}),
            changes.Entry("outcome", "Outcome recorded: dismissed.", "member"),
        ],
        detail={"changed": {"outcome": "dismissed"}},
        event=event,
    )
    assert [kind for kind, _ in calls] == ["entry", "entry", "audit", "event"]
    first, second = calls[0][1][1], calls[1][1][1]
    assert (first["kind"], first["visibility"], first["data"]) == ("case_update", "reps", {"outcome": "dismissed"})
    assert (second["kind"], second["body"], second["visibility"]) == (
        "outcome",
        "Outcome recorded: dismissed.",
        "member",
    )
    assert first["author"] == second["author"] == "rachel" and first["author_role"] == "rep"
    assert calls[2][1] == ("rachel", "case.update", CASE.case_id, None, {"changed": {"outcome": "dismissed"}})
    assert calls[3][1] == (CASE.case_id, event)
    assert ids == [uuid.UUID(int=1), uuid.UUID(int=2)]


def test_a_change_without_a_visible_case_is_audited_and_announced_under_its_own_key(
    calls: list[tuple[str, Any]],
) -> None:
    """An enquiry about no case the member can see: no entry, the audit record names the case id
    it was routed with (or none), the event goes under the explicit key."""
    case_id = uuid.UUID(int=9)
    event = events_pb2.EnquiryReceived(enquiry_id="e1", membership_number="M100001")
    changes.record_change(
        CONN, CALLER, "enquiry.create", case=None, case_id=case_id, resource="enquiry:e1", event=event, key="M100001"
    )
    assert calls == [
        ("audit", ("rachel", "enquiry.create", case_id, "enquiry:e1", None)),
        ("event", ("M100001", event)),
    ]


def test_entries_need_a_case_and_an_event_needs_a_key(calls: list[tuple[str, Any]]) -> None:
    with pytest.raises(ValueError, match="case"):
        changes.record_change(CONN, CALLER, "x", case=None, entries=[changes.Entry("note", "n", "reps")])
    with pytest.raises(ValueError, match="key"):
        changes.record_change(CONN, CALLER, "x", case=None, event=events_pb2.CaseChanged())
    assert calls == []  # refused before anything is written
