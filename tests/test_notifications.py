"""Notify: idempotent delivery, per-user preferences with a daily digest, the inbox, templates."""

from __future__ import annotations

import email.policy
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer

from casework.v1 import events_pb2
from casework_common import db, events
from casework_common.directory import Directory
from casework_local.services import service_env
from casework_notify.delivery import Deliverer
from casework_notify.mailer import Mailer
from casework_notify.rules import Notification
from casework_notify.settings import NotifySettings
from harness import Platform

pytestmark = pytest.mark.stack


def eventually(check: Any, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.3)
    return result


def parts(message: Any) -> dict[str, str]:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return {
        part.get_content_type(): part.get_content() for part in parsed.walk() if part.get_content_maintype() == "text"
    }


def open_referral(platform: Platform) -> tuple[dict[str, Any], dict[str, Any]]:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    response = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/referrals",
        json={"target": "regional_office", "reason": "Confidential strategy notes"},
    )
    assert response.status_code == 201
    return case, response.json()


def test_a_redelivered_event_sends_nothing_twice(platform: Platform) -> None:
    case, referral = open_referral(platform)
    subject = f"Referral discussion requested: {case['reference']}"
    assert eventually(lambda: platform.mails_to("olive", subject))
    bootstrap = f"127.0.0.1:{platform.config.ports['kafka']}"
    consumer = KafkaConsumer(
        events.CASE_EVENTS,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
    )
    original = None
    for record in consumer:
        event = events.unpack(record.value)
        if event.type_name == "casework.v1.ReferralChanged":
            change = event.unpack(events_pb2.ReferralChanged)
            if change.referral_id == referral["id"] and change.to_state == "discussion_requested":
                original = record
                break
    consumer.close()
    assert original is not None
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send(events.CASE_EVENTS, key=original.key, value=original.value, headers=original.headers).get(10)
    producer.close()
    time.sleep(5)
    assert len(platform.mails_to("olive", subject)) == 1
    assert len([i for i in platform.inbox("olive") if i["title"] == subject]) == 1


def test_emails_have_text_and_html_with_a_link_and_no_case_content(platform: Platform) -> None:
    case, _ = open_referral(platform)
    [mail] = eventually(lambda: platform.mails_to("olive", f"Referral discussion requested: {case['reference']}"))
    bodies = parts(mail)
    assert set(bodies) == {"text/plain", "text/html"}
    link = f"{platform.url('portal')}/cases/{case['id']}"
    assert link in bodies["text/plain"] and f'href="{link}"' in bodies["text/html"]
    assert all("Confidential strategy notes" not in body for body in bodies.values())


def test_a_digest_preference_holds_emails_for_the_daily_digest(platform: Platform) -> None:
    prefs = platform.call("rachel", "PUT", "notify", "/v1/preferences", json={"referral_update": "digest"})
    assert prefs.status_code == 200 and prefs.json()["kinds"]["referral_update"]["email"] == "digest"
    bad = platform.call("rachel", "PUT", "notify", "/v1/preferences", json={"referral_update": "hourly", "x": "digest"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"referral_update", "x"}
    try:
        case, referral = open_referral(platform)
        decline = platform.call(
            "olive",
            "POST",
            "workflow",
            f"/v1/referrals/{referral['id']}/transitions",
            json={"action": "decline", "reasons": "Branch can handle it."},
        )
        assert decline.status_code == 200
        title = f"Referral not agreed: {case['reference']}"
        assert eventually(lambda: [i for i in platform.inbox("rachel") if i["title"] == title])  # in-app at once
        assert not platform.mails_to("rachel", title)  # ...but no email yet
        assert platform.call("rachel", "POST", "notify", "/v1/digests/run").status_code == 403
        assert platform.call("ada", "POST", "notify", "/v1/digests/run").json()["sent"] >= 1
        # Other tests send rachel digests too, and a maildir lists messages in no order: find ours.
        [digest] = [d for d in platform.mails_to("rachel", "Your casework digest") if title in parts(d)["text/plain"]]
        assert "Branch can handle it." not in str(digest)
    finally:
        platform.call("rachel", "PUT", "notify", "/v1/preferences", json={"referral_update": "immediate"})


def test_each_person_is_offered_preferences_for_the_news_they_can_get(platform: Platform) -> None:
    offered = {
        user: set(platform.call(user, "GET", "notify", "/v1/preferences").json()["kinds"])
        for user in ("maria", "rachel", "olive")
    }
    assert {"case_opened", "case_update", "referral_member_advised"} <= offered["maria"]
    assert not offered["maria"] & {"referral_discussion", "referral_update", "member_enquiry", "branch_flag"}
    assert {"referral_discussion", "referral_update", "evidence_added"} <= offered["rachel"] == offered["olive"]
    assert not offered["rachel"] & {"case_opened", "case_update", "referral_member_advised"}


def test_inbox_items_are_private_and_can_be_marked_read(platform: Platform) -> None:
    open_referral(platform)
    item = eventually(lambda: platform.inbox("olive"))[0]
    assert platform.call("rachel", "POST", "notify", f"/v1/inbox/{item['id']}/read").status_code == 404
    marked = platform.call("olive", "POST", "notify", f"/v1/inbox/{item['id']}/read")
    assert marked.status_code == 200 and marked.json()["read"] is True
    unread = platform.call("olive", "GET", "notify", "/v1/inbox", params={"unread": "true"}).json()["items"]
    assert item["id"] not in {i["id"] for i in unread}
    assert platform.call(None, "GET", "notify", "/v1/inbox").status_code == 401


class Interleaved(Mailer):
    """notify's real mailer; just before its first mail goes out, another replica retries the same
    stuck email (the race two replicas' reminder loops can run into)."""

    def __init__(self, settings: NotifySettings) -> None:
        super().__init__(settings)
        self.meanwhile: Callable[[], None] | None = None

    def send(self, to: str, subject: str, text: str, html: str, message_key: str) -> None:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        super().send(to, subject, text, html, message_key)


def test_two_replicas_retrying_a_stuck_email_send_it_once(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery left pending (its first attempt failed) is retried by two notify replicas at
    once: notify's own delivery code, twice, on the platform's database, directory and SMTP."""
    spec, _ = platform.stack.services["notify"]
    for name, value in service_env(spec, platform.config, platform.stack.servers).items():
        monkeypatch.setenv(name, value)
    settings = NotifySettings()
    engine, directory = db.make_engine(settings), Directory(settings)
    first_mailer = Interleaved(settings)
    first = Deliverer(engine, first_mailer, directory, None)  # type: ignore[arg-type]
    second = Deliverer(engine, Mailer(settings), directory, None)  # type: ignore[arg-type]
    event_id = f"test.stuck.{uuid.uuid4().hex}"
    note = Notification("deadline_reminder", "rachel", f"Stuck reminder {event_id}", "Still due.", "https://x/y")
    with platform.superuser_db() as conn:  # written 10 minutes ago, never sent
        conn.execute(
            "INSERT INTO notify.deliveries (event_id, recipient, channel, status, created_at) "
            "VALUES (%s, 'rachel', 'email', 'pending', now() - interval '10 minutes')",
            (event_id,),
        )
    first_mailer.meanwhile = lambda: second.retry_email(event_id, note, 120)
    first.retry_email(event_id, note, 120)
    assert first_mailer.meanwhile is None  # the interleaving happened
    assert eventually(lambda: platform.mails_to("rachel", note.title))
    assert len(platform.mails_to("rachel", note.title)) == 1  # not twice
    second.retry_email(event_id, note, 120)  # sent: nothing more
    assert len(platform.mails_to("rachel", note.title)) == 1
    with platform.superuser_db() as conn:
        row = conn.execute(
            "SELECT status, attempts FROM notify.deliveries WHERE event_id = %s AND recipient = 'rachel'", (event_id,)
        ).fetchone()
    assert row == ("sent", 1)
    engine.dispose()
