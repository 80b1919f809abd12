"""The holders without S3 (docs/design.md, 'Erasure in search and notify'): erasing a case's data
from search (both indices) and notify (inbox, digest, deliveries, deadlines, reminders), on the real
servers.

A ``CaseDataDue`` is published straight to ``dataprotection.erasures`` as workflow's outbox would
send it; every store is then read directly (the OpenSearch-compatible server itself, notify's
tables as the database superuser), not only through the APIs. Another case with the same facts
stays whole; trends and comparators still count the erased case, with nothing that identifies it;
receipts come back on ``dataprotection.receipts``; a redelivered request changes nothing more and
still answers; late events and a rebuild of the indices bring nothing back.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

import testdocs
from casework.v1 import events_pb2
from casework_common import events, storage
from casework_common.settings import S3Settings
from casework_common.vocabulary import DATA_KINDS
from erasure import Broker, Receipts, wait_until
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

SECRET_NAME = "Ezra Quillfeather"
SECRET_WORD = "zanzibarquokka"  # in both cases' evidence: one case's pages go, the other's stay
ERASED_KINDS = ("case_record", "search_documents", "notifications")
HOLDERS = {("case_record", "search"), ("search_documents", "search"), ("notifications", "notify")}
SEARCH_GROUPS = {"cases": "search-cases", "pages": "search-indexer"}


class OpenSearchDirect:
    """The platform's OpenSearch-compatible server, asked directly (the search API not involved)."""

    def __init__(self, platform: Platform) -> None:
        self.url = platform.config.url("opensearch")

    def pages_of(self, case_id: str) -> list[dict[str, Any]]:
        body = {"size": 1000, "query": {"term": {"case_id": case_id}}}
        response = requests.post(f"{self.url}/casework-evidence-pages/_search", json=body, timeout=10)
        response.raise_for_status()
        return [hit["_source"] for hit in response.json()["hits"]["hits"]]

    def case_doc(self, case_id: str) -> dict[str, Any] | None:
        response = requests.get(f"{self.url}/casework-cases/_doc/{case_id}", timeout=10)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body = response.json()
        return body["_source"] if body.get("found") else None

    def everything_mentioning(self, *words: str) -> list[dict[str, Any]]:
        """Every document in either index with one of ``words`` in any field (read page by page)."""
        found = []
        for index, key in (("casework-evidence-pages", "doc_id"), ("casework-cases", "case_id")):
            after: list[Any] | None = None
            while True:
                body = {"size": 1000, "query": {"match_all": {}}, "sort": [{key: "asc"}]}
                if after:
                    body["search_after"] = after
                response = requests.post(f"{self.url}/{index}/_search", json=body, timeout=30)
                response.raise_for_status()
                hits = response.json()["hits"]["hits"]
                for hit in hits:
                    text = json.dumps(hit["_source"]).lower()
                    if any(w.lower() in text for w in words):
                        found.append(hit["_source"])
                if len(hits) < 1000:
                    break
                after = hits[-1]["sort"]
        return found


def open_case(platform: Platform, employer: str, *, name: str = "Test Member", **extra: Any) -> dict[str, Any]:
    """A closed-looking case with an outcome: the facts trends and comparators count."""
    case = platform.create_case(
        "rachel",
        extra.pop("membership_number", unique_number()),
        name=name,
        allegations=["lateness"],
        key_dates={"incident": "2026-03-14"},
        **extra,
    )
    # create_case sets the employer to Metro Transit: change it, and record the outcome.
    change = {
        "member": {"employer": employer, "sector": "health", "workplace": f"{name}'s depot", "job_role": "Driver"},
        "outcome": "dismissal",
        "sanction": f"Dismissed; {name} told on the phone",
        "key_dates": {"incident": "2026-03-14", "outcome": "2026-06-17"},
    }
    response = platform.call("rachel", "PATCH", "workflow", f"/v1/cases/{case['id']}", json=change)
    assert response.status_code == 200, response.text
    return case


def upload_letter(platform: Platform, case_id: str, words: list[str]) -> dict[str, Any]:
    response = platform.upload("rachel", case_id, [("letter.pdf", testdocs.text_pdf(words), "application/pdf")])
    assert response.status_code == 201, response.text
    item = platform.wait_for_status("rachel", response.json()["items"][0]["id"])
    assert item["status"] == "indexed", item
    return item


def notify_rows(platform: Platform, case: dict[str, Any], deadline_id: str) -> dict[str, int]:
    """What notify's tables hold about the case (as the database superuser)."""
    case_id, reference = case["id"], case["reference"]
    queries = {
        "inbox_items": ("SELECT count(*) FROM notify.inbox_items WHERE case_id = %s::uuid", case_id),
        "digest_items": ("SELECT count(*) FROM notify.digest_items WHERE link LIKE %s", f"%/cases/{case_id}"),
        "deliveries": (
            "SELECT count(*) FROM notify.deliveries WHERE event_id LIKE %s OR event_id = %s",
            (f"reminder.{deadline_id}.%", f"case-event-{case_id}"),
        ),
        "deadlines": ("SELECT count(*) FROM notify.deadlines WHERE case_id = %s", case_id),
        "reminders_sent": ("SELECT count(*) FROM notify.reminders_sent WHERE deadline_id = %s", deadline_id),
        "mentions": (
            "SELECT (SELECT count(*) FROM notify.inbox_items WHERE body LIKE %s OR title LIKE %s)"
            " + (SELECT count(*) FROM notify.digest_items WHERE message LIKE %s OR title LIKE %s)",
            None,
        ),
    }
    counts: dict[str, int] = {}
    with platform.superuser_db() as conn:
        for name, (sql, arg) in queries.items():
            if name == "deliveries":
                params: tuple[Any, ...] = arg
            elif name == "mentions":
                params = (f"%{reference}%",) * 4
            else:
                params = (arg,)
            counts[name] = conn.execute(sql, params).fetchone()[0]
    return counts


def seed_notify(platform: Platform, case: dict[str, Any], deadline_id: str) -> None:
    """Rows of every notify table for the case, as the deliverer and the reminder loop write them
    (the referral in the fixture adds real ones): a digest entry, a deadline, a reminder sent, the
    delivery records of both, and an inbox item of the digest's event."""
    case_id, link = case["id"], f"{platform.url('portal')}/cases/{case['id']}"
    event_id = f"case-event-{case_id}"
    reminder_event = f"reminder.{deadline_id}.2027-01-10.7"
    with platform.superuser_db() as conn:
        conn.execute(
            "INSERT INTO notify.inbox_items (id, event_id, recipient, kind, title, body, link, case_id)"
            " VALUES (%s, %s, 'rachel', 'case_update', %s, %s, %s, %s::uuid)",
            (uuid.uuid4(), event_id, f"Case {case['reference']}", f"About case {case['reference']}", link, case_id),
        )
        conn.execute(
            "INSERT INTO notify.digest_items (id, event_id, recipient, kind, title, message, link)"
            " VALUES (%s, %s, 'rachel', 'case_update', %s, %s, %s)",
            (uuid.uuid4(), event_id, f"Case {case['reference']}", f"About case {case['reference']}", link),
        )
        conn.execute(
            "INSERT INTO notify.deliveries (event_id, recipient, channel, status)"
            " VALUES (%s, 'rachel', 'email', 'sent'), (%s, 'rachel', 'email', 'sent')",
            (event_id, reminder_event),
        )
        conn.execute(
            "INSERT INTO notify.deadlines (deadline_id, case_id, reference, branch, region, membership_number, reps,"
            " officials, kind, label, due_on, state, visibility, indicative, version, event_id)"
            " VALUES (%s, %s, %s, 'north-london', 'london', 'T0', ARRAY['rachel'], ARRAY[]::text[], 'appeal',"
            " 'Appeal', '2027-01-10', 'open', 'reps', false, 1, 'e')",
            (deadline_id, case_id, case["reference"]),
        )
        conn.execute(
            "INSERT INTO notify.reminders_sent (deadline_id, due_on, lead, recipient, event_id)"
            " VALUES (%s, '2027-01-10', '7', 'rachel', %s)",
            (deadline_id, reminder_event),
        )


@pytest.fixture(scope="module")
def world(platform: Platform) -> Iterator[dict[str, Any]]:
    employer = f"Erasco {uuid.uuid4().hex[:6]} Ltd"
    gone_number = unique_number()
    gone = open_case(platform, employer, name=SECRET_NAME, membership_number=gone_number)
    kept = open_case(platform, employer, name="Kept Member")
    # Three more alike: with the two above, a trend bucket of 5 (the suppression threshold).
    for _ in range(3):
        open_case(platform, employer)
    gone_item = upload_letter(platform, gone["id"], [f"The {SECRET_WORD} report about {SECRET_NAME}."])
    upload_letter(platform, kept["id"], [f"The {SECRET_WORD} report about the kept member."])
    # Real notifications: a referral request reaches the regional official (inbox item, email).
    for case in (gone, kept):
        response = platform.call(
            "rachel",
            "POST",
            "workflow",
            f"/v1/cases/{case['id']}/referrals",
            json={"target": "regional_office", "reason": "Needs the regional office"},
        )
        assert response.status_code == 201, response.text
    deadlines = {gone["id"]: f"dl-{uuid.uuid4().hex[:8]}", kept["id"]: f"dl-{uuid.uuid4().hex[:8]}"}
    for case in (gone, kept):
        seed_notify(platform, case, deadlines[case["id"]])
    assert wait_until(lambda: len([i for i in platform.inbox("olive") if i["link"].endswith(gone["id"])]) >= 1)
    assert wait_until(lambda: len([i for i in platform.inbox("olive") if i["link"].endswith(kept["id"])]) >= 1)
    opensearch = OpenSearchDirect(platform)
    assert opensearch.pages_of(gone["id"])
    assert wait_until(lambda: (opensearch.case_doc(gone["id"]) or {}).get("workplace") == f"{SECRET_NAME}'s depot")

    broker = Broker(platform)
    receipts = Receipts(platform)
    request_id = f"test-{uuid.uuid4().hex[:8]}"
    due = broker.publish_due(gone["id"], request_id, ERASED_KINDS)
    first = receipts.wait_for(gone["id"], request_id, len(HOLDERS))
    yield {
        "employer": employer,
        "gone": gone,
        "gone_number": gone_number,
        "gone_item": gone_item,
        "kept": kept,
        "deadlines": deadlines,
        "broker": broker,
        "receipts": receipts,
        "first": first,
        "due": due,
        "opensearch": opensearch,
    }
    receipts.close()
    broker.close()


def secrets_of(world: dict[str, Any]) -> tuple[str, ...]:
    """What identifies the erased case or its member (the name is also in its workplace and sanction)."""
    return ("Quillfeather", world["gone_number"], world["gone"]["reference"])


def test_each_holder_answers_with_one_receipt_per_kind(world: dict[str, Any]) -> None:
    receipts = world["first"]
    assert {
        (events_pb2.DataKind.Name(r.kind).removeprefix("DATA_KIND_").lower(), r.service) for r in receipts
    } == HOLDERS
    by_kind = {r.kind: r for r in receipts}
    assert by_kind[DATA_KINDS["search_documents"]].items_removed == 1  # the letter's one page
    assert by_kind[DATA_KINDS["case_record"]].items_removed == 1  # the case document, anonymised
    # Notify: the referral's inbox item and email record, and the six seeded rows.
    assert by_kind[DATA_KINDS["notifications"]].items_removed >= 8
    for receipt in receipts:
        text = receipt.detail + json.dumps(receipt.items_removed)
        assert not any(s.lower() in text.lower() for s in secrets_of(world))


def test_the_search_server_holds_nothing_personal_about_the_case(world: dict[str, Any]) -> None:
    opensearch, gone, kept = world["opensearch"], world["gone"], world["kept"]
    assert opensearch.pages_of(gone["id"]) == []
    assert len(opensearch.pages_of(kept["id"])) == 1
    doc = opensearch.case_doc(gone["id"])
    assert doc is not None and doc["erased"] is True
    assert sorted(doc["erased_kinds"]) == ["case_record", "search_documents"]
    # The anonymised facts stay, dates to the month; nothing that names or describes the member.
    assert (doc["employer"], doc["case_type"], doc["outcome"], doc["sector"]) == (
        world["employer"],
        "disciplinary",
        "dismissal",
        "health",
    )
    assert doc["allegations"] == ["lateness"]
    assert doc["incident_date"] == "2026-03-01" and doc["outcome_date"] == "2026-06-01"
    assert not {"reference", "workplace", "sanction"} & set(doc)
    leaks = opensearch.everything_mentioning(*secrets_of(world), world["gone_item"]["id"])
    assert leaks == []
    assert opensearch.case_doc(kept["id"])["workplace"] == "Kept Member's depot"


def test_a_rep_finds_nothing_of_it_and_cannot_open_it(platform: Platform, world: dict[str, Any]) -> None:
    gone, kept = world["gone"], world["kept"]
    items = platform.search("rachel", SECRET_WORD).json()["items"]
    assert {i["case_id"] for i in items} == {kept["id"]}
    assert platform.search("rachel", SECRET_WORD, case_id=gone["id"]).json()["items"] == []
    assert platform.search("rachel", "Quillfeather").json()["items"] == []
    path = f"/v1/cases/{gone['id']}/comparators"
    assert platform.call("rachel", "GET", "search", path).status_code == 404


def test_comparators_and_trends_still_count_it_anonymously(platform: Platform, world: dict[str, Any]) -> None:
    gone, kept, employer = world["gone"], world["kept"], world["employer"]
    body = platform.call("rachel", "GET", "search", f"/v1/cases/{kept['id']}/comparators", params={"size": 50}).json()
    alike = [c for c in body["comparators"] + body["disparators"] if c["case"].get("employer") == employer]
    assert len(alike) == 4  # the erased case and the three others
    assert gone["id"] not in json.dumps(body)
    anonymous = [c for c in alike if not c["in_scope"]]
    assert len(anonymous) == 1  # all five are Rachel's: only the erased one is anonymised
    (erased,) = anonymous
    assert not {"case_id", "reference", "sanction", "workplace"} & set(erased["case"])
    assert erased["case"]["outcome"] == "dismissal" and "told on the phone" not in json.dumps(erased)
    assert erased["case"]["incident_date"] == "2026-03"
    assert not any(s.lower() in json.dumps(erased).lower() for s in secrets_of(world))
    trends = platform.call("ada", "GET", "search", "/v1/trends", params={"employer": employer}).json()
    assert [(b["employer"], b["outcome"], b["count"]) for b in trends["buckets"]] == [(employer, "dismissal", 5)]


def test_notify_holds_nothing_of_the_case_and_keeps_the_others(platform: Platform, world: dict[str, Any]) -> None:
    gone, kept, deadlines = world["gone"], world["kept"], world["deadlines"]
    assert notify_rows(platform, gone, deadlines[gone["id"]]) == dict.fromkeys(
        ("inbox_items", "digest_items", "deliveries", "deadlines", "reminders_sent", "mentions"), 0
    )
    kept_rows = notify_rows(platform, kept, deadlines[kept["id"]])
    assert kept_rows["inbox_items"] >= 2 and kept_rows["digest_items"] == 1 and kept_rows["deliveries"] == 2
    assert kept_rows["deadlines"] == 1 and kept_rows["reminders_sent"] == 1
    assert [i for i in platform.inbox("olive") if i["link"].endswith(kept["id"])]
    assert not [i for i in platform.inbox("olive") if gone["id"] in i["link"]]
    with platform.superuser_db() as conn:
        assert (
            conn.execute("SELECT count(*) FROM notify.erased_cases WHERE case_id = %s", (gone["id"],)).fetchone()[0]
            == 1
        )


def test_a_redelivered_request_removes_nothing_more_and_still_answers(
    platform: Platform, world: dict[str, Any]
) -> None:
    broker, receipts, due, gone = world["broker"], world["receipts"], world["due"], world["gone"]
    before = world["opensearch"].case_doc(gone["id"])
    broker.publish(events.DATA_ERASURES, gone["id"], due)
    again = receipts.wait_for(gone["id"], due.request_id, 2 * len(HOLDERS))[len(HOLDERS) :]
    assert {(r.kind, r.service) for r in again} == {(DATA_KINDS[k], s) for k, s in HOLDERS}
    assert all(r.items_removed == 0 for r in again)
    assert world["opensearch"].case_doc(gone["id"]) == before
    assert len(world["opensearch"].pages_of(world["kept"]["id"])) == 1


def test_late_events_bring_nothing_back(platform: Platform, world: dict[str, Any]) -> None:
    """A replayed CaseChanged with the old personal facts and a newer version, a late
    evidence.extracted for the erased item, a late DeadlineChanged and a case event notify would
    announce: each handled (its consumer committed past it), none writes anything."""
    broker, gone, item = world["broker"], world["gone"], world["gone_item"]
    ref = events_pb2.CaseRef(
        case_id=gone["id"], reference=gone["reference"], branch="north-london", region="london", reps=["rachel"]
    )
    facts = events_pb2.CaseFacts(
        case_id=gone["id"],
        reference=gone["reference"],
        status="open",
        case_type="disciplinary",
        branch="north-london",
        region="london",
        employer=world["employer"],
        workplace=f"{SECRET_NAME}'s depot",
        allegations=["lateness"],
        outcome="dismissal",
        sanction=f"Dismissed; {SECRET_NAME} told on the phone",
        version=int(time.time() * 1_000_000),
    )
    changed = events_pb2.CaseChanged(case=ref, kind="shared", actor="rachel", subject="cora", facts=facts)
    partition, offset = broker.publish(events.CASE_EVENTS, gone["id"], changed)
    assert broker.handled(SEARCH_GROUPS["cases"], events.CASE_EVENTS, partition, offset)
    assert broker.handled("notify", events.CASE_EVENTS, partition, offset)
    deadline = events_pb2.DeadlineChanged(
        case=ref,
        deadline_id=world["deadlines"][gone["id"]],
        label="Appeal",
        due_on="2027-01-10",
        state=events_pb2.DEADLINE_STATE_OPEN,
        version=10**15,
    )
    partition, offset = broker.publish(events.CASE_EVENTS, gone["id"], deadline)
    assert broker.handled("notify", events.CASE_EVENTS, partition, offset)
    extracted = events_pb2.EvidenceExtracted(
        evidence=events_pb2.EvidenceRef(
            evidence_id=item["id"],
            case_id=gone["id"],
            branch="north-london",
            region="london",
            visibility=events_pb2.VISIBILITY_REPS,
            filename="letter.pdf",
            content_type="application/pdf",
        ),
        # The page's real text, still in the text bucket (OCR's page texts are not erased here):
        # an indexer that did not refuse the page would index it again.
        text_bucket=S3Settings.model_fields["text_bucket"].default,
        pages=[events_pb2.ExtractedPage(number=1, text_key=storage.page_text_key(item["id"], 1))],
    )
    partition, offset = broker.publish(events.EVIDENCE_EXTRACTED, item["id"], extracted)
    assert broker.handled(SEARCH_GROUPS["pages"], events.EVIDENCE_EXTRACTED, partition, offset)

    doc = world["opensearch"].case_doc(gone["id"])
    assert doc["erased"] is True and not {"reference", "workplace", "sanction"} & set(doc)
    assert world["opensearch"].pages_of(gone["id"]) == []
    assert set(notify_rows(platform, gone, world["deadlines"][gone["id"]]).values()) == {0}
    assert not [i for i in platform.inbox("cora") if gone["id"] in i["link"]]


def test_a_rebuild_of_the_indices_brings_nothing_back(platform: Platform, world: dict[str, Any]) -> None:
    """Workflow still holds the case's personal facts here (workflow's own anonymisation is not part
    of this test): the rebuild must keep the erased document and leave the case's pages out."""
    gone, kept, opensearch = world["gone"], world["kept"], world["opensearch"]
    before = platform.call("ada", "GET", "search", "/v1/admin/reindex").json()["completed"]
    assert platform.call("ada", "POST", "search", "/v1/admin/reindex").status_code == 202
    assert wait_until(
        lambda: platform.call("ada", "GET", "search", "/v1/admin/reindex").json()["completed"] > before, 180
    )
    assert opensearch.pages_of(gone["id"]) == []
    assert len(opensearch.pages_of(kept["id"])) == 1
    doc = opensearch.case_doc(gone["id"])
    assert doc["erased"] is True and not {"reference", "workplace", "sanction"} & set(doc)
    assert opensearch.everything_mentioning(*secrets_of(world)) == []
    trends = platform.call("ada", "GET", "search", "/v1/trends", params={"employer": world["employer"]}).json()
    assert [b["count"] for b in trends["buckets"]] == [5]
