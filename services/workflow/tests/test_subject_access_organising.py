"""Subject access and organising, pure logic: what organising lists is checked again before it becomes
an item (an entry must carry the member's number, a conversation must hang off one of their entries),
and an organising that cannot be reached is a 503, never an export without its records."""

from __future__ import annotations

import socket
from typing import Any
from unittest import mock

import pytest

from casework_common.problems import Problem
from casework_workflow.subject_access import gather
from casework_workflow.subject_access.sources import Sources


class Listing:
    """Organising's answer as the assembler reads it (the one outbound call this test needs)."""

    def __init__(self, held: dict[str, Any]) -> None:
        self.held = held

    def organising(self, membership_number: str) -> dict[str, Any]:
        return self.held


def entry(entry_id: str, number: str | None) -> dict[str, Any]:
    return {
        "id": entry_id,
        "name": "Maria Okafor",
        "membership_number": number,
        "branch": "north-london",
        "list_filename": "staff.csv",
        "list_imported_at": "2026-05-14T09:00:00+00:00",
        "campaign_name": "Recruitment week",
        "campaign_starts_on": "2026-05-14",
        "campaign_ends_on": "2026-05-18",
    }


def talk(contact_id: str, entry_id: str | None) -> dict[str, Any]:
    return {
        "id": contact_id,
        "target_entry_id": entry_id,
        "outcome": "call_again",
        "recorded_by": "rachel",
        "recorded_at": "2026-05-14T11:40:00+00:00",
        "campaign_name": "Recruitment week",
        "session_place": "Depot canteen",
    }


def test_only_the_members_entries_and_their_conversations_become_items() -> None:
    held = {
        "target_entries": [entry("e1", "M10 0001"), entry("e2", "M100002"), entry("e3", None), entry("e4", "M10/1")],
        "contacts": [talk("c1", "e1"), talk("c2", "e2"), talk("c3", None), talk("c4", "e9")],
    }
    record = gather.Record("M100001", "full", [])
    gather._organising_items(record, Listing(held))  # type: ignore[arg-type]
    assert [i.id for i in record.items] == ["target:e1", "contact:c1"]
    target, contact = record.items
    assert target.file == "organising/target_list_entries.json" and target.record["name"] == "Maria Okafor"
    assert "staff.csv" in target.description and "north-london" in target.description
    assert contact.file == "organising/conversations.json" and "call again" in contact.description
    assert record.counts() == {"target": 1, "contact": 1}


def test_an_unreachable_organising_is_a_503() -> None:
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tokens = mock.Mock(token=mock.Mock(return_value="service-token"))
    unused = "http://127.0.0.1:1"  # intake and notify: not asked here
    sources = Sources(unused, unused, f"http://127.0.0.1:{port}", tokens, None, "e", "t", 2.0)  # type: ignore[arg-type]
    with pytest.raises(Problem) as refused:
        sources.organising("M100001")
    assert refused.value.status == 503
