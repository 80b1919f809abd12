"""What the holders' erasure consumers share (casework_common.erasure): which kinds a request asks
of a service, the receipt, and the handler's work for a service that holds one kind."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy.exc import OperationalError

from casework.v1 import events_pb2
from casework_common import erasure, events
from casework_common.kafka import RetryLater
from casework_common.vocabulary import DATA_KINDS


def due(*kinds: str, case_id: str | None = None) -> events_pb2.CaseDataDue:
    return events_pb2.CaseDataDue(
        case_id=case_id or str(uuid.uuid4()),
        kinds=[DATA_KINDS[kind] for kind in kinds],
        reason=events_pb2.ERASURE_REASON_REQUEST,
        request_id="request-1",
    )


@dataclass
class Counted:
    items: int = 3

    def detail(self) -> str:
        return "3 things removed"


def test_a_service_is_asked_only_for_the_kinds_the_vocabulary_says_it_holds() -> None:
    asked = due("case_record", "search_documents", "notifications", "timeline")
    assert erasure.kinds_held("search", asked) == ["case_record", "search_documents"]
    assert erasure.kinds_held("notify", asked) == ["notifications"]
    assert erasure.kinds_held("workflow", asked) == ["case_record", "timeline"]
    assert erasure.kinds_held("bundle", asked) == []
    unknown = events_pb2.CaseDataDue(case_id=str(uuid.uuid4()), kinds=[999])
    assert erasure.kinds_held("search", unknown) == []


def test_a_kind_a_service_does_not_hold_is_refused_at_import() -> None:
    assert erasure.held_kind("ocr", "page_texts") == "page_texts"
    with pytest.raises(ValueError, match="intake as a holder of page_texts"):
        erasure.held_kind("intake", "page_texts")


def test_the_receipt_names_the_kind_by_its_number() -> None:
    receipt = erasure.receipt("case-1", "bundles", "bundle", "request-1", 4, "4 removed")
    assert receipt == events_pb2.CaseDataErased(
        case_id="case-1",
        kind=events_pb2.DATA_KIND_BUNDLES,
        service="bundle",
        request_id="request-1",
        items_removed=4,
        detail="4 removed",
    )


def test_a_holder_erases_its_kind_once_and_ignores_the_others(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[tuple[uuid.UUID, str]] = []

    def erase(case_id: uuid.UUID, request_id: str) -> Counted:
        calls.append((case_id, request_id))
        return Counted()

    service_log = logging.getLogger("casework_test.erasure")
    asked = due("bundles", "page_texts")
    erasure.erase_held_kind("intake", "evidence_originals", asked, erase, service_log)
    assert calls == []
    with caplog.at_level(logging.INFO, logger="casework_test.erasure"):
        erasure.erase_held_kind("ocr", "page_texts", asked, erase, service_log)
    assert calls == [(uuid.UUID(asked.case_id), "request-1")]
    assert f"case {asked.case_id}: page texts erased (3 item(s))" in caplog.messages


def test_a_case_id_that_is_not_a_uuid_is_the_request_s_fault() -> None:
    with pytest.raises(ValueError):
        erasure.erase_held_kind(
            "ocr", "page_texts", due("page_texts", case_id="nope"), lambda *_: Counted(), logging.getLogger()
        )


def test_an_outage_of_a_store_is_retried_later_and_a_bug_is_not() -> None:
    def down(_case_id: uuid.UUID, _request_id: str) -> Counted:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))

    with pytest.raises(RetryLater, match="OperationalError"):
        erasure.erase_held_kind("ocr", "page_texts", due("page_texts"), down, logging.getLogger())

    def broken(_case_id: uuid.UUID, _request_id: str) -> Counted:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        erasure.erase_held_kind("ocr", "page_texts", due("page_texts"), broken, logging.getLogger())


def test_the_receipt_goes_to_the_outbox_with_its_case_as_key(monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[tuple[object, ...]] = []
    monkeypatch.setattr(erasure, "enqueue", lambda *args: written.append(args))
    erasure.enqueue_receipt("conn", "outbox", "ocr", "page_texts", "case-1", "request-1", Counted())  # type: ignore[arg-type]
    conn, table, topic, key, payload, service = written[0]
    assert (conn, table, topic, key, service) == ("conn", "outbox", events.DATA_RECEIPTS, "case-1", "ocr")
    assert payload == erasure.receipt("case-1", "page_texts", "ocr", "request-1", 3, "3 things removed")
