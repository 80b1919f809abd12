"""Email-in on the real platform: messages sent over SMTP to the mailroom become evidence of their
case (the message and each attachment, linked), are held for the case's team, are recognised when
delivered again, or are refused with a reply that says why. Receipts land in the captured mailbox."""

from __future__ import annotations

import smtplib
import time
import uuid
from email.message import EmailMessage, Message
from email.utils import parseaddr
from typing import Any

import pytest
import requests

import testdocs
from harness import IN_PROGRESS, Platform, unique_number

DOMAIN = "intake.casework.localhost"  # IntakeSettings.mail_domain's default, which the local stack keeps
AUTHSERV = "mx.test.casework.localhost"  # tests/conftest.py sets CASEWORK_MAIL_AUTHSERV_ID to it
GENERAL = f"evidence@{DOMAIN}"


# -- sending -----------------------------------------------------------------------------------


def compose(
    sender: str,
    to: str,
    subject: str,
    body: str = "Please see attached.",
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    headers: dict[str, str] | None = None,
    authenticated: bool = True,
) -> bytes:
    """A message as a person's mail client sends it, with a fresh Message-ID, as the union's MTA
    passes it on: stamped ``dmarc=pass`` for the From domain unless ``authenticated`` is False
    (``headers`` are added after the stamp)."""
    mail = EmailMessage()
    if authenticated:
        domain = parseaddr(sender)[1].rsplit("@", 1)[-1].lower()
        mail["Authentication-Results"] = f"{AUTHSERV}; dmarc=pass header.from={domain}"
    for name, value in (headers or {}).items():
        mail[name] = value
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = "Tue, 01 Dec 2026 09:30:00 +0000"
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example.org>"
    mail.set_content(body)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))  # as on the wire: CRLF


def smtp(platform: Platform) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", platform.config.ports["mailroom"], timeout=60)


def send(platform: Platform, raw: bytes, to: str, envelope_from: str | None = None) -> tuple[int, str]:
    """Send ``raw`` to ``to`` (from the envelope sender ``envelope_from``, by default the From
    address, as a mail client's own server sends it): the reply to DATA (code, text). A refusal at
    RCPT raises."""
    if envelope_from is None:
        from email import message_from_bytes

        envelope_from = parseaddr(str(message_from_bytes(raw)["From"] or ""))[1]
        if not envelope_from.isascii() or "@" not in envelope_from:
            envelope_from = "sender@mail.example.org"
    with smtp(platform) as client:
        client.ehlo("mail.example.org")
        code, text = client.mail(envelope_from)
        assert code == 250, text
        code, text = client.rcpt(to)
        if code != 250:
            raise smtplib.SMTPRecipientsRefused({to: (code, text)})
        code, text = client.data(raw)
        return code, text.decode()


def message_id(raw: bytes) -> str:
    from email import message_from_bytes

    return str(message_from_bytes(raw)["Message-ID"]).strip("<>")


def receipts_for(platform: Platform, raw: bytes) -> list[Message]:
    wanted = f"<{message_id(raw)}>"
    return [m for m in platform.mail() if m["In-Reply-To"] == wanted]


# -- the platform's records --------------------------------------------------------------------


def items(platform: Platform, case_id: str, user: str = "rachel") -> dict[str, dict[str, Any]]:
    response = platform.call(user, "GET", "intake", f"/v1/cases/{case_id}/evidence")
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def wait_items(platform: Platform, case_id: str, count: int, timeout_s: float = 240) -> dict[str, dict[str, Any]]:
    """The case's items once there are ``count`` and every one is in a final state."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = items(platform, case_id)
        if len(found) >= count and all(i["status"] not in IN_PROGRESS for i in found.values()):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not finished: {[(i['filename'], i['status']) for i in found.values()]}")
        time.sleep(0.5)


def found(platform: Platform, user: str, query: str) -> set[str]:
    response = platform.search(user, query)
    assert response.status_code == 200, response.text
    return {item["evidence_id"] for item in response.json()["items"]}


def held_of(platform: Platform, case_id: str, user: str = "rachel") -> list[dict[str, Any]]:
    response = platform.call(user, "GET", "intake", f"/v1/cases/{case_id}/held-mail")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def mail_rows(platform: Platform, message: str) -> list[tuple[Any, ...]]:
    with platform.superuser_db() as db:
        return db.execute(
            "SELECT state, reason, recipient FROM intake.mail_messages WHERE message_id = %s", (message,)
        ).fetchall()


@pytest.fixture(scope="module")
def case(platform: Platform) -> dict[str, Any]:
    """Maria's case (rachel's, north-london) with a private intake address."""
    created = platform.create_case("rachel", "M100001", name="Maria Okafor")
    response = platform.call("rachel", "POST", "intake", f"/v1/cases/{created['id']}/intake-address")
    assert response.status_code == 201, response.text
    return {**created, "address": response.json()["address"]}


# -- tests -------------------------------------------------------------------------------------


def test_a_reps_email_with_two_attachments_is_three_linked_items_found_by_search(
    platform: Platform, case: dict[str, Any]
) -> None:
    word_pdf, word_txt = testdocs.fresh_word(), testdocs.fresh_word()
    raw = compose(
        "Rachel Rep <RACHEL@Union.Example.org>",
        case["address"],
        f"Fwd: letter from the employer re {case['reference']}",
        attachments=[
            ("outcome letter.pdf", testdocs.text_pdf([f"The outcome mentions {word_pdf} in full."]), "application/pdf"),
            ("notes.txt", f"My notes about {word_txt}.".encode(), "text/plain"),
        ],
    )
    code, text = send(platform, raw, case["address"])
    assert code == 250 and case["reference"] in text, text
    everything = wait_items(platform, case["id"], 3)
    (message,) = [i for i in everything.values() if i["content_type"] == "message/rfc822"]
    assert message["filename"] == f"Fwd letter from the employer re {case['reference']}.eml"
    assert message["uploaded_by"] == "rachel" and message["visibility"] == "reps"
    assert message["channel"] == "email"
    assert message["channel_detail"]["from"] == "rachel@union.example.org"
    assert message["metadata"]["subject"].startswith("Fwd: letter from the employer")
    children = {everything[c]["filename"]: everything[c] for c in message["children"]}
    assert set(children) == {"outcome letter.pdf", "notes.txt"}
    assert all(c["parent_id"] == message["id"] and c["channel"] == "email" for c in children.values())
    assert all(c["status"] == "indexed" for c in [message, *children.values()]), everything
    assert found(platform, "rachel", word_pdf) == {children["outcome letter.pdf"]["id"]}
    assert found(platform, "rachel", word_txt) == {children["notes.txt"]["id"]}
    # The receipt: to the sender, names and sizes, none of the content or the subject.
    receipt = platform.wait_for_mail(lambda m: m["In-Reply-To"] == f"<{message_id(raw)}>")
    body = receipt.get_payload(decode=True).decode()
    assert receipt["To"] == "rachel@union.example.org" and receipt["Auto-Submitted"] == "auto-replied"
    assert f"case {case['reference']}" in body and "outcome letter.pdf" in body and "notes.txt" in body
    assert word_pdf not in str(receipt) and word_txt not in str(receipt) and "employer" not in str(receipt)


def test_a_strangers_email_is_held_unseen_until_accepted(platform: Platform, case: dict[str, Any]) -> None:
    word = testdocs.fresh_word()
    before = set(items(platform, case["id"]))
    raw = compose(
        "=?windows-1252?q?Ren=E9e_O=92Brien?= <Renee.OBrien@Example.COM>",
        case["address"],
        "=?utf-8?q?Zo=C3=AB=27s_witness_statement?=",
        attachments=[("statement.txt", f"I saw {word} happen.".encode(), "text/plain")],
    )
    code, text = send(platform, raw, case["address"])
    # The reply names no case: a stranger learns nothing from it.
    assert code == 250 and text == "2.0.0 Received." and case["reference"] not in text, text
    (held,) = [h for h in held_of(platform, case["id"]) if h["subject"] == "Zoë's witness statement"]
    assert held["state"] == "waiting" and held["reason"] == "unknown_sender" and held["reason_text"]
    assert held["sender"] == "renee.obrien@example.com" and held["case_reference"] == case["reference"]
    assert held["attachments"] == [{"filename": "statement.txt", "size_bytes": len(f"I saw {word} happen.")}]
    assert set(items(platform, case["id"])) == before
    assert found(platform, "rachel", word) == set()
    mine = platform.call("rachel", "GET", "intake", "/v1/held-mail").json()["items"]
    assert held["id"] in {h["id"] for h in mine}
    content = platform.call("rachel", "GET", "intake", f"/v1/held-mail/{held['id']}/content")
    assert content.status_code == 200 and content.headers["Content-Type"] == "message/rfc822"
    assert content.content == raw

    accepted = platform.call("rachel", "POST", "intake", f"/v1/held-mail/{held['id']}/accept", json={})
    assert accepted.status_code == 200, accepted.text
    (item,) = accepted.json()["items"]
    assert accepted.json()["held"]["state"] == "accepted" and accepted.json()["held"]["evidence_id"] == item["id"]
    assert item["uploaded_by"] == "rachel" and item["visibility"] == "reps" and item["channel"] == "email"
    assert item["channel_detail"]["accepted_by"] == "rachel"
    assert item["channel_detail"]["from"] == "renee.obrien@example.com"
    wait_items(platform, case["id"], len(before) + 2)
    assert len(found(platform, "rachel", word)) == 1
    again = platform.call("rachel", "POST", "intake", f"/v1/held-mail/{held['id']}/accept", json={})
    assert again.status_code == 409, again.text
    gone = platform.call("rachel", "GET", "intake", f"/v1/held-mail/{held['id']}/content")
    assert gone.status_code == 409, gone.text
    # No receipt for held mail: whoever the From field names may not have sent it (checked after the
    # accepted message was indexed, by when a receipt sent at DATA would long have been captured).
    assert receipts_for(platform, raw) == []


def test_a_rejected_message_is_deleted_and_its_record_kept(platform: Platform, case: dict[str, Any]) -> None:
    raw = compose("spam@bulk.example.net", case["address"], "You have won", body="Click here")
    code, _ = send(platform, raw, case["address"])
    assert code == 250
    (held,) = [h for h in held_of(platform, case["id"]) if h["subject"] == "You have won"]
    rejected = platform.call("rachel", "POST", "intake", f"/v1/held-mail/{held['id']}/reject")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["state"] == "rejected" and rejected.json()["decided_by"] == "rachel"
    assert platform.call("rachel", "GET", "intake", f"/v1/held-mail/{held['id']}/content").status_code == 409
    assert platform.call("rachel", "POST", "intake", f"/v1/held-mail/{held['id']}/accept").status_code == 409
    waiting = held_of(platform, case["id"])
    assert [h["state"] for h in waiting if h["id"] == held["id"]] == ["rejected"]


def test_a_sender_without_access_to_the_case_is_held(platform: Platform, case: dict[str, Any]) -> None:
    raw = compose("Ravi <ravi@union.example.org>", case["address"], "From another branch")
    code, _ = send(platform, raw, case["address"])
    assert code == 250
    (held,) = [h for h in held_of(platform, case["id"]) if h["subject"] == "From another branch"]
    assert held["reason"] == "sender_not_allowed"


def test_the_cases_member_files_evidence_they_can_see(platform: Platform, case: dict[str, Any]) -> None:
    word = testdocs.fresh_word()
    raw = compose(
        "Maria Okafor <maria@union.example.org>",
        case["address"],
        "my payslip",
        body=f"Here it is, {word}.",
    )
    code, _ = send(platform, raw, case["address"])
    assert code == 250
    mine = items(platform, case["id"], user="maria")
    (item,) = [i for i in mine.values() if i["filename"] == "my payslip.eml"]
    assert item["visibility"] == "member" and item["uploaded_by"] == "maria"


def test_the_same_message_delivered_twice_adds_nothing(platform: Platform, case: dict[str, Any]) -> None:
    raw = compose(
        "rachel@union.example.org",
        case["address"],
        "minutes of the hearing",
        attachments=[("minutes.txt", b"Minutes.", "text/plain")],
    )
    before = len(items(platform, case["id"]))
    assert send(platform, raw, case["address"])[0] == 250
    count = len(wait_items(platform, case["id"], before + 2))  # the message and its attachment
    # Delivered again by another server, which added its trace fields.
    relayed = b"Received: from mx2.example.org by mx.test; Tue, 1 Dec 2026 09:31:00 +0000\r\n" + raw
    code, text = send(platform, relayed, case["address"])
    assert code == 250 and "before" in text, text
    assert len(wait_items(platform, case["id"], count)) == count
    assert mail_rows(platform, message_id(raw)) == [("filed", None, case["address"])]
    assert len(receipts_for(platform, raw)) == 1
    # Filed, but sent with another envelope sender: no receipt (it would go to someone else).
    other = compose("rachel@union.example.org", case["address"], "minutes, sent on behalf")
    code, text = send(platform, other, case["address"], envelope_from="bounces@lists.example.net")
    assert code == 250 and "Filed" in text, text
    platform.wait_for_mail(lambda m: m["In-Reply-To"] == f"<{message_id(raw)}>")  # the mailbox answers
    assert receipts_for(platform, other) == []


def test_mail_to_a_withdrawn_address_is_refused(platform: Platform, case: dict[str, Any]) -> None:
    other = platform.create_case("rachel", unique_number())
    first = platform.call("rachel", "POST", "intake", f"/v1/cases/{other['id']}/intake-address").json()["address"]
    second = platform.call("rachel", "POST", "intake", f"/v1/cases/{other['id']}/intake-address").json()["address"]
    assert first != second
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(platform, compose("rachel@union.example.org", first, "late"), first)
    code, text = refused.value.recipients[first]
    assert code == 550 and b"not in use" in text
    withdrawn = platform.call("rachel", "DELETE", "intake", f"/v1/cases/{other['id']}/intake-address")
    assert withdrawn.status_code == 200 and withdrawn.json()["address"] is None
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(platform, compose("rachel@union.example.org", second, "late"), second)
    # Nor is anything kept of a refused message.
    assert items(platform, other["id"]) == {}


def test_the_general_address_routes_by_the_reference_in_the_subject(platform: Platform) -> None:
    other = platform.create_case("rachel", unique_number())
    reference = other["reference"].lower()
    raw = compose("Rachel <rachel@union.example.org>", GENERAL, f"Fwd: letter from the employer re {reference}")
    code, text = send(platform, raw, GENERAL)
    assert code == 250 and other["reference"] in text, text
    (item,) = items(platform, other["id"]).values()
    assert item["channel_detail"]["from"] == "rachel@union.example.org"
    # Without a reference, or with one of no case: refused, saying what to do.
    code, text = send(platform, compose("rachel@union.example.org", GENERAL, "letter from the employer"), GENERAL)
    assert code == 550 and "reference" in text and "subject" in text, text
    code, text = send(platform, compose("rachel@union.example.org", GENERAL, "re CW-1999-999999"), GENERAL)
    assert code == 550 and "CW-1999-999999" in text, text


def test_the_general_address_tells_strangers_nothing_about_references(platform: Platform) -> None:
    secret = platform.create_case("rachel", unique_number())
    # A stranger gets the same reply whether the reference is a case or not; an unknown one is dropped.
    known = compose("nosy@example.net", GENERAL, f"about {secret['reference']}")
    unknown = compose("nosy@example.net", GENERAL, "about CW-1999-999998")
    replies = [send(platform, raw, GENERAL) for raw in (known, unknown)]
    assert replies[0] == replies[1] == (250, "2.0.0 Received."), replies
    assert [row[:2] for row in mail_rows(platform, message_id(known))] == [("waiting", "unknown_sender")]
    assert mail_rows(platform, message_id(unknown)) == []
    # An account holder without access (ravi, another branch) gets the refusal of a case that does
    # not exist, and nothing is kept on the case they typed.
    typed = compose("ravi@union.example.org", GENERAL, f"re {secret['reference']}")
    code, text = send(platform, typed, GENERAL)
    assert code == 550 and f"No case has the reference {secret['reference']}" in text, text
    nothing = compose("ravi@union.example.org", GENERAL, "re CW-1999-999997")
    assert send(platform, nothing, GENERAL)[1] == text.replace(secret["reference"], "CW-1999-999997")
    assert mail_rows(platform, message_id(typed)) == []
    assert receipts_for(platform, known) == receipts_for(platform, typed) == []


def test_a_failed_authentication_is_held_without_a_receipt(platform: Platform, case: dict[str, Any]) -> None:
    failed = compose(
        "Rachel <rachel@union.example.org>",
        case["address"],
        "Urgent: new bank details",
        headers={
            "Authentication-Results": f"{AUTHSERV}; spf=fail smtp.mailfrom=union.example.org; "
            "dkim=none; dmarc=fail header.from=union.example.org"
        },
        authenticated=False,
    )
    code, _ = send(platform, failed, case["address"], envelope_from="rachel@union.example.org")
    assert code == 250
    (held,) = [h for h in held_of(platform, case["id"]) if h["subject"] == "Urgent: new bank details"]
    assert held["reason"] == "failed_authentication" and "dmarc=fail" in held["authentication"]
    # A header claiming a failure from any other server proves nothing: a known sender is filed.
    forged = compose(
        "rachel@union.example.org",
        case["address"],
        "a letter with a stray header",
        headers={"Authentication-Results": "mx.elsewhere.example; dmarc=fail header.from=union.example.org"},
    )
    code, text = send(platform, forged, case["address"], envelope_from="rachel@union.example.org")
    assert code == 250 and "Filed" in text, text
    platform.wait_for_mail(lambda m: m["In-Reply-To"] == f"<{message_id(forged)}>")
    assert receipts_for(platform, failed) == []


@pytest.mark.parametrize(
    "stamp",
    [
        None,  # no trusted field: nothing vouches for the From address
        "mx.elsewhere.example; dmarc=pass header.from=union.example.org",  # not the trusted server's
        f"{AUTHSERV}; dkim=pass header.d=evil.example.org; spf=pass smtp.mailfrom=x@evil.example.org",
        f"{AUTHSERV}; dmarc=fail header.from=x; spf=fail smtp.mailfrom=<>",  # unreadable
        f"{AUTHSERV}; spf=pass smtp.helo=[192.0.2.1]",  # unreadable
    ],
    ids=["none", "untrusted-pass", "unrelated-domain", "unreadable-mailfrom", "unreadable-helo"],
)
def test_a_reps_address_that_is_not_confirmed_is_held(
    platform: Platform, case: dict[str, Any], stamp: str | None
) -> None:
    subject = f"new bank details {uuid.uuid4().hex[:8]}"
    raw = compose(
        "rachel@union.example.org",
        case["address"],
        subject,
        headers={"Authentication-Results": stamp} if stamp else None,
        authenticated=False,
    )
    code, text = send(platform, raw, case["address"], envelope_from="rachel@union.example.org")
    assert code == 250 and "Filed" not in text, text
    (held,) = [h for h in held_of(platform, case["id"]) if h["subject"] == subject]
    assert held["reason"] == "failed_authentication" and held["state"] == "waiting"
    assert not [i for i in items(platform, case["id"]).values() if i["filename"] == f"{subject}.eml"]


def test_held_mail_is_only_the_cases_staffs(platform: Platform, case: dict[str, Any]) -> None:
    raw = compose("someone@example.net", case["address"], "held for the access test")
    assert send(platform, raw, case["address"])[0] == 250
    (held,) = [h for h in held_of(platform, case["id"]) if h["subject"] == "held for the access test"]
    paths = [
        ("GET", f"/v1/held-mail/{held['id']}"),
        ("GET", f"/v1/held-mail/{held['id']}/content"),
        ("POST", f"/v1/held-mail/{held['id']}/accept"),
        ("POST", f"/v1/held-mail/{held['id']}/reject"),
        ("GET", f"/v1/cases/{case['id']}/held-mail"),
    ]
    # ravi: a rep of another branch; sam: a member of another case; maria: the case's own member.
    for user in ("ravi", "sam", "maria"):
        for method, path in paths:
            response = platform.call(user, method, "intake", path)
            assert response.status_code == 404, (user, method, path, response.text)
        listed = platform.call(user, "GET", "intake", "/v1/held-mail")
        assert listed.status_code == 200 and held["id"] not in {h["id"] for h in listed.json()["items"]}
    for method, path in [*paths, ("GET", "/v1/held-mail")]:
        assert platform.call(None, method, "intake", path).status_code == 401
    # The member sees the addresses, but may not change them.
    assert platform.call("maria", "GET", "intake", f"/v1/cases/{case['id']}/intake-address").status_code == 200
    assert platform.call("maria", "POST", "intake", f"/v1/cases/{case['id']}/intake-address").status_code == 403
    assert platform.call("sam", "GET", "intake", f"/v1/cases/{case['id']}/intake-address").status_code == 404
    # Still waiting for the case's team.
    assert platform.call("rachel", "GET", "intake", f"/v1/held-mail/{held['id']}").json()["state"] == "waiting"


def test_a_flood_of_held_mail_to_one_case_hides_no_other_case(platform: Platform, case: dict[str, Any]) -> None:
    # 501 waiting messages, older than anything else, to a case of another branch (ravi's): more
    # than the list's 500, all the oldest.
    flooded = platform.create_case("ravi", unique_number())
    with platform.superuser_db() as db:
        db.execute(
            "INSERT INTO intake.mail_messages (id, dedupe_key, recipient, route, case_id, sender, size_bytes,"
            " state, reason, received_at) SELECT gen_random_uuid(), 'flood ' || n, 'flood@x', 'general', %s,"
            " 'flood@example.net', 1, 'waiting', 'unknown_sender', now() - interval '1 day'"
            " FROM generate_series(1, 501) n",
            (flooded["id"],),
        )
    try:
        raw = compose("someone@example.net", case["address"], "after the flood")
        assert send(platform, raw, case["address"])[0] == 250
        mine = platform.call("rachel", "GET", "intake", "/v1/held-mail").json()["items"]
        assert "after the flood" in {h["subject"] for h in mine}
        assert flooded["id"] not in {h["case_id"] for h in mine}
        theirs = platform.call("ravi", "GET", "intake", "/v1/held-mail").json()["items"]
        assert len(theirs) == 500 and flooded["id"] in {h["case_id"] for h in theirs}
    finally:
        with platform.superuser_db() as db:
            db.execute("DELETE FROM intake.mail_messages WHERE recipient = 'flood@x'")


def test_the_scanner_address_refuses_people_who_are_not_staff(platform: Platform) -> None:
    scanner = f"scanner@{DOMAIN}"
    raw = compose(
        "maria@union.example.org",
        scanner,
        "scan",
        attachments=[("scan.pdf", testdocs.text_pdf(["x"]), "application/pdf")],
    )
    code, text = send(platform, raw, scanner)
    assert code == 550 and "staff" in text, text


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        (b"To: x@y\r\nSubject: no sender\r\n\r\nbody\r\n", 550, "From"),
        (b"From: a@example.org, b@example.org\r\nSubject: two\r\n\r\nbody\r\n", 550, "one mailbox"),
        (b"From: a@example.org\r\nFrom: b@example.org\r\nSubject: two\r\n\r\nbody\r\n", 550, "one From"),
        (b"From: \xff\xfe\x80\x81 junk\r\nSubject: \xc3\x28\xa0\r\n\r\n\xff\xfe\xfd\r\n", 550, "one mailbox"),
        (b"From: a@example.org\r\nX-Long: " + b"y" * 5000 + b"\r\n\r\nbody\r\n", 500, "too long"),
        (b"From: a@example.org\r\n" + b"X-Filler: " + b"y" * 900 + b"\r\n" * 1 + b"\r\nbody\r\n", 250, "Filed"),
        (b"From: a@example.org\r\n" + (b"X-Filler: " + b"y" * 900 + b"\r\n") * 400 + b"\r\nbody\r\n", 552, "header"),
    ],
    ids=["no-from", "two-mailboxes", "two-from-fields", "8-bit-junk", "line-too-long", "big-but-fine", "huge-header"],
)
def test_hostile_messages_get_a_clear_reply_and_store_nothing(
    platform: Platform, raw: bytes, code: int, words: str
) -> None:
    target = platform.create_case("rachel", unique_number())
    address = platform.call("rachel", "POST", "intake", f"/v1/cases/{target['id']}/intake-address").json()["address"]
    raw = f"Authentication-Results: {AUTHSERV}; dmarc=pass header.from=union.example.org\r\n".encode() + raw
    raw = raw.replace(b"a@example.org", b"rachel@union.example.org")
    got, text = send(platform, raw, address)
    assert got == code and words.lower() in text.lower(), text
    stored = items(platform, target["id"])
    assert len(stored) == (1 if code == 250 else 0)
    with platform.superuser_db() as db:
        rows = db.execute("SELECT count(*) FROM intake.mail_messages WHERE recipient = %s", (address,)).fetchone()
    assert rows[0] == (1 if code == 250 else 0)
    # The listener is still there for the next sender.
    with smtp(platform) as client:
        assert client.noop()[0] == 250


def test_the_listener_relays_nothing(platform: Platform) -> None:
    with smtp(platform) as client:
        client.ehlo("mail.example.org")
        client.mail("a@example.org")
        code, text = client.rcpt("someone@elsewhere.example.com")
        assert code == 550 and b"5.7.1" in text
        code, text = client.rcpt(f"postmaster@{DOMAIN}")
        assert code == 550 and b"not in use" in text


def test_the_mailroom_counts_what_it_took_in(platform: Platform) -> None:
    # After the tests above (pytest runs a module's tests in order), each outcome has happened.
    metrics = requests.get(f"{platform.url('intake_mailroom')}/metrics", timeout=10).text
    for outcome in ("filed", "held", "duplicate", "refused"):
        line = next(
            (
                line
                for line in metrics.splitlines()
                if line.startswith(f'casework_intake_mail_messages_total{{outcome="{outcome}"}}')
            ),
            None,
        )
        assert line is not None and float(line.split()[-1]) >= 1, (outcome, line)
    api_metrics = requests.get(f"{platform.url('intake')}/metrics", timeout=10).text
    assert 'casework_intake_held_decisions_total{decision="accepted",queue="mail"}' in api_metrics
