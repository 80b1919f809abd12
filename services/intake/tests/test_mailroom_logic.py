"""The mailroom's pure logic: routing, case references, reading a message, the redelivery key,
Authentication-Results, receipts and the IMAP poller's helpers."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from casework_intake.mailroom import addresses, imap, receipts
from casework_intake.mailroom.authresults import judge
from casework_intake.mailroom.messages import Refused, content_hash, evidence_filename, parse
from casework_intake.settings import IntakeSettings

SETTINGS = IntakeSettings(
    oidc_client_secret="x",
    database_url="postgresql+psycopg://unused@127.0.0.1/unused",
    oidc_issuer="http://127.0.0.1/realms/unused",
    mail_domain="intake.union.example.org",
)
TOKEN = "abcdefghijklmnopqrstuvwxyz"


def message(
    sender: str = "Rachel Rep <rachel@union.example.org>", subject: str = "letter", attachments: int = 0
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = f"case-{TOKEN}@intake.union.example.org"
    mail["Subject"] = subject
    mail["Message-ID"] = "<1234.5678@mail.example.org>"
    mail.set_content("Please see attached.\n")
    for n in range(attachments):
        mail.add_attachment(b"%PDF-1.4 fake " + bytes([n]), maintype="application", subtype="pdf", filename=f"p{n}.pdf")
    return bytes(mail)


# -- routing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind", "token"),
    [
        (f"case-{TOKEN}@intake.union.example.org", "case-address", TOKEN),
        (f"Case-{TOKEN.upper()}@Intake.Union.Example.ORG", "case-address", TOKEN),
        (f"<case-{TOKEN}@intake.union.example.org>", "case-address", TOKEN),
        ("evidence@intake.union.example.org", "general", None),
        ("EVIDENCE@intake.union.example.org.", "general", None),
        ("scanner@intake.union.example.org", "scanner", None),
    ],
)
def test_recipients_route_whatever_their_case(address: str, kind: str, token: str | None) -> None:
    assert addresses.route(SETTINGS, address) == addresses.Route(kind, token)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("evidence@union.example.org", addresses.NotOurs),
        (f"case-{TOKEN}@elsewhere.example.com", addresses.NotOurs),
        ("postmaster@intake.union.example.org", addresses.NotInUse),
        ("case-short@intake.union.example.org", addresses.NotInUse),
        (f"case-{TOKEN}1@intake.union.example.org", addresses.NotInUse),
        ("case-abcdefghijklmnopqrstuvwxy0@intake.union.example.org", addresses.NotInUse),  # 0 is not base32
        ("no-at-sign", addresses.NotInUse),
    ],
)
def test_other_addresses_are_refused(address: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        addresses.route(SETTINGS, address)


def test_new_tokens_are_unguessable_and_route() -> None:
    tokens = {addresses.new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in list(tokens)[:20]:
        assert addresses.route(SETTINGS, addresses.case_address(SETTINGS, token)).token == token


@pytest.mark.parametrize(
    ("subject", "reference"),
    [
        ("Fwd: letter from the employer re CW-2026-000123", "CW-2026-000123"),
        ("cw-2026-000123 grievance outcome", "CW-2026-000123"),
        ("RE: [CW-2025-004567] minutes", "CW-2025-004567"),
        ("re:CW-2026-000123", "CW-2026-000123"),
        ("CW-2026-0001234 is too long", None),
        ("XCW-2026-000123", None),
        ("letter from the employer", None),
        (None, None),
    ],
)
def test_the_case_reference_is_found_as_people_write_it(subject: str | None, reference: str | None) -> None:
    assert addresses.reference_in(subject) == reference


# -- reading a message -------------------------------------------------------------------------


def test_names_in_encoded_words_and_odd_case_are_read() -> None:
    raw = (
        b"From: =?windows-1252?q?Ren=E9e_O=92Brien?= <Renee.OBrien@Example.ORG>\r\n"
        b"Subject: =?utf-8?q?Fwd=3A_Zo=C3=AB=27s_letter?= re CW-2026-000123\r\n"
        b"Message-ID: < abc@x.example >\r\n\r\nhello\r\n"
    )
    received = parse(raw, 20)
    assert received.sender == "renee.obrien@example.org"
    assert received.sender_name == "Renée O’Brien"
    assert received.subject == "Fwd: Zoë's letter re CW-2026-000123"
    assert received.message_id == "abc@x.example"


def test_attachments_are_listed_by_name_and_size() -> None:
    received = parse(message(attachments=2), 20)
    assert [(p.filename, p.size_bytes) for p in received.parts] == [("p0.pdf", 15), ("p1.pdf", 15)]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"To: x@y\r\nSubject: none\r\n\r\nbody", "550 5.1.7"),
        (b"From: a@example.org, b@example.org\r\n\r\nbody", "550 5.1.7"),
        (b"From: a@example.org\r\nFrom: b@example.org\r\n\r\nbody", "550 5.1.7"),
        (b"From: undisclosed-recipients:;\r\n\r\nbody", "550 5.1.7"),
        (b"From: \xff\xfe\x00\x80junk\r\n\r\n\xff\xfe", "550 5.1.7"),
        (b"\xff" * 300, "550 5.1.7"),
        (b"From: a@example.org\r\n" + b"X-Filler: " + b"y" * 900 + b"\r\n" * 1, None),
        (b"From: a@example.org\r\n" + (b"X-Filler: " + b"y" * 900 + b"\r\n") * 400 + b"\r\nbody", "552 5.3.4"),
    ],
)
def test_hostile_messages_are_refused_with_a_clear_reply(raw: bytes, code: str | None) -> None:
    if code is None:
        assert parse(raw, 20).sender == "a@example.org"
        return
    with pytest.raises(Refused) as refused:
        parse(raw, 20)
    assert refused.value.reply.startswith(code)
    assert len(refused.value.reply) < 300 and "\n" not in refused.value.reply


def test_too_many_attachments_are_refused_with_the_limit() -> None:
    with pytest.raises(Refused) as refused:
        parse(message(attachments=3), 2)
    assert refused.value.reply.startswith("552 5.3.4") and "at most 2" in refused.value.reply


def test_a_redelivery_has_the_same_key_whatever_servers_added() -> None:
    raw = message(attachments=1)
    relayed = (
        b"Received: from mx1.example.org by mx2.union.example.org; Tue, 1 Dec 2026 10:00:00 +0000\r\n"
        b"Return-Path: <rachel@union.example.org>\r\nDelivered-To: someone@intake.union.example.org\r\n"
        b"Authentication-Results: mx.union.example.org; dkim=pass\r\n" + raw
    )
    assert parse(relayed, 20).dedupe_key == parse(raw, 20).dedupe_key
    assert content_hash(raw.replace(b"\r\n", b"\n")) == content_hash(raw)
    # Any change the sender made is another message: the body, or a header such as the subject.
    assert content_hash(raw.replace(b"Please see", b"Please read")) != content_hash(raw)
    assert content_hash(raw.replace(b"Subject: letter", b"Subject: letters")) != content_hash(raw)


def test_auto_replies_and_bounces_are_marked() -> None:
    assert not parse(message(), 20).auto_submitted
    auto = parse(b"Auto-Submitted: auto-replied\r\n" + message(), 20)
    bulk = parse(b"Precedence: bulk\r\n" + message(), 20)
    assert auto.auto_submitted and bulk.auto_submitted


def test_a_filed_message_is_named_after_its_subject() -> None:
    assert evidence_filename("Fwd: letter re CW-2026-000123") == "Fwd letter re CW-2026-000123.eml"
    assert evidence_filename("../../etc/passwd") == "etc passwd.eml"
    assert evidence_filename("") == "message.eml"


# -- Authentication-Results --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "failed"),
    [
        (["mx.union.example.org; dmarc=fail header.from=example.com"], True),
        (["mx.union.example.org; dkim=fail header.d=example.com"], True),
        (["mx.union.example.org; dkim=fail header.d=a.com; dkim=pass header.d=b.com"], False),
        (["mx.union.example.org; spf=fail smtp.mailfrom=x@example.com"], True),
        (["mx.union.example.org; spf=fail smtp.mailfrom=x@example.com; dmarc=pass header.from=example.com"], False),
        (["mx.union.example.org; dkim=pass; spf=pass; dmarc=pass"], False),
        (["MX.Union.Example.org 1; dmarc=fail header.from=example.com"], True),
        (["forged.example.com; dmarc=fail header.from=example.com"], False),  # not the trusted server's
        (["mx.union.example.org; none"], False),
        (["mx.union.example.org;;; =garbage"], False),
    ],
)
def test_only_the_trusted_servers_failures_count(fields: list[str], failed: bool) -> None:
    assert judge(fields, "mx.union.example.org").failed is failed


def test_without_a_trusted_server_nothing_is_checked() -> None:
    verdict = judge(["mx.union.example.org; dmarc=fail"], None)
    assert not verdict.checked and not verdict.failed and verdict.summary is None


# -- receipts ----------------------------------------------------------------------------------


def test_a_receipt_lists_names_and_sizes_and_nothing_of_the_content() -> None:
    received = parse(message(subject="Secret disciplinary matter", attachments=2), 20)
    receipt = receipts.build(SETTINGS, received.sender, received.message_id, 2048, received.parts, "It was filed.")
    text = receipt.get_content()
    assert "p0.pdf (15 bytes)" in text and "p1.pdf (15 bytes)" in text and "It was filed." in text
    assert "Secret" not in str(receipt) and "Please see attached" not in str(receipt)
    assert receipt["Auto-Submitted"] == "auto-replied"
    assert receipt["In-Reply-To"] == "<1234.5678@mail.example.org>"


@pytest.mark.parametrize(
    ("size", "text"), [(1, "1 byte"), (900, "900 bytes"), (15_000, "15 KB"), (2_400_000, "2.3 MB")]
)
def test_sizes_read_as_people_read_them(size: int, text: str) -> None:
    assert receipts.size_text(size) == text


# -- IMAP --------------------------------------------------------------------------------------


def test_imap_urls_name_a_mailbox() -> None:
    box = imap.parse_url("imaps://intake%40union.example.org@mail.example.org/Casework%20In")
    assert (box.host, box.port, box.tls, box.user, box.folder) == (
        "mail.example.org",
        993,
        True,
        "intake@union.example.org",
        "Casework In",
    )
    assert imap.parse_url("imap://u@h:1143").folder == "INBOX"
    with pytest.raises(ValueError):
        imap.parse_url("pop3://u@h")


def test_a_polled_message_goes_to_the_first_intake_address_it_names() -> None:
    raw = b"Delivered-To: inbox@union.example.org\r\nX-Original-To: Evidence@Intake.Union.Example.org\r\n" + message()
    assert imap.recipient_of(raw, SETTINGS) == "evidence@intake.union.example.org"
    assert imap.recipient_of(message(), SETTINGS) == f"case-{TOKEN}@intake.union.example.org"
    assert imap.recipient_of(b"To: someone@else.example\r\nFrom: a@b\r\n\r\nx", SETTINGS) is None
