"""The mailroom's pure logic: routing, case references, reading a message, the redelivery key,
Authentication-Results, receipts and the IMAP poller's helpers."""

from __future__ import annotations

from email.message import EmailMessage
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy.exc

from casework_common.problems import Problem
from casework_intake.mailroom import addresses, imap, receipts
from casework_intake.mailroom.authresults import judge
from casework_intake.mailroom.intake import TEMPORARY, MailIntake, Outcome
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


@pytest.mark.parametrize(
    "head",
    [
        b"From: rachel@union.example.org <evil@x.example.org>",  # two addresses, read as the first
        b"From: <rachel@union.example.org> <evil@x.example.org>",
        b"From: rachel@union.example.org;evil@x.example.org",
        b"From: rachel@union.example.org\r\nFrom : evil@x.example.org",  # a second From behind a blank
        b"From: rachel@union.example.org\r\nfrom\t: evil@x.example.org",
        b"From : evil@x.example.org\r\nFrom: rachel@union.example.org",
    ],
)
def test_a_from_field_readers_could_read_two_ways_is_refused(head: bytes) -> None:
    with pytest.raises(Refused) as refused:
        parse(head + b"\r\nSubject: x\r\n\r\nbody", 20)
    assert refused.value.reply.startswith("550 5.1.7"), refused.value.reply


def test_an_internationalised_from_is_read_as_utf8_or_refused() -> None:
    received = parse(b"From: Zo\xc3\xab <Zo\xc3\xab@example.org>\r\nSubject: caf\xc3\xa9\r\n\r\nbody", 20)
    assert (received.sender, received.sender_name, received.subject) == (
        "zo\u00eb@example.org",
        "Zo\u00eb",
        "caf\u00e9",
    )
    received.sender.encode("utf-8")  # no surrogate escapes left: the workflow call and the database take it
    with pytest.raises(Refused) as refused:
        parse(b"From: zo\xff@example.org\r\nSubject: x\r\n\r\nbody", 20)
    assert refused.value.reply.startswith("553 5.6.7"), refused.value.reply
    # A subject in some 8-bit charset is shown with replacement characters, never refused.
    assert parse(b"From: a@example.org\r\nSubject: caf\xe9\r\n\r\nbody", 20).subject == "caf\ufffd"


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


FROM = "rachel@union.example.org"


@pytest.mark.parametrize(
    ("fields", "confirmed", "failed"),
    [
        (["mx.union.example.org; dmarc=pass header.from=union.example.org"], True, False),
        (["MX.Union.Example.org 1; dmarc=pass header.from=union.example.org"], True, False),
        (["mx.union.example.org; dkim=pass header.d=union.example.org"], True, False),
        (["mx.union.example.org; dkim=pass header.d=mail.union.example.org"], True, False),  # a subdomain
        (["mx.union.example.org; spf=pass smtp.mailfrom=bounces@union.example.org"], True, False),
        (["mx.union.example.org; dkim=fail header.d=a.com; dkim=pass header.d=union.example.org"], True, False),
        # A pass for some other domain vouches for nothing about the From address.
        (
            ["mx.union.example.org; dkim=pass header.d=evil.example.org; spf=pass smtp.mailfrom=x@evil.org"],
            False,
            False,
        ),
        (["mx.union.example.org; dkim=pass header.d=example.org"], False, False),  # a parent: not enough
        (["mx.union.example.org; dkim=pass header.d=notunion.example.org"], False, False),
        (["mx.union.example.org; dmarc=pass header.from=evil.example.org"], False, False),
        (["mx.union.example.org; dmarc=fail header.from=union.example.org"], False, True),
        (["mx.union.example.org; dkim=pass header.d=union.example.org; dmarc=fail header.from=x"], False, True),
        (["mx.union.example.org; spf=fail smtp.mailfrom=x@union.example.org"], False, False),
        (["mx.union.example.org; none"], False, False),
        # Not the trusted server's: proves nothing either way.
        (["forged.example.com; dmarc=pass header.from=union.example.org"], False, False),
        ([], False, False),
        # A trusted field authres cannot parse is a failure, not something to skip.
        (["mx.union.example.org;;; =garbage"], False, True),
        (["mx.union.example.org; dmarc=fail header.from=x; spf=fail smtp.mailfrom=<>"], False, True),
        (["mx.union.example.org; spf=pass smtp.helo=[1.2.3.4]"], False, True),
        (["mx.union.example.org; spf=pass smtp.mailfrom=\u00e9@evil.org"], False, True),
        (
            [
                "mx.union.example.org; dmarc=pass header.from=union.example.org",
                "mx.union.example.org; spf=pass smtp.mailfrom=<>",
            ],
            False,
            True,
        ),
    ],
)
def test_only_the_trusted_servers_pass_for_the_from_domain_confirms(
    fields: list[str], confirmed: bool, failed: bool
) -> None:
    verdict = judge(fields, "mx.union.example.org", FROM)
    assert (verdict.confirmed, verdict.failed) == (confirmed, failed), verdict


def test_without_a_trusted_server_nothing_is_confirmed() -> None:
    verdict = judge(["mx.union.example.org; dmarc=pass header.from=union.example.org"], None, FROM)
    assert not verdict.confirmed and verdict.summary is None


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


# -- permanent and temporary failures ----------------------------------------------------------


class _Failing(MailIntake):
    """MailIntake whose work fails with ``error`` (no platform: only take()'s replies are tested)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def _take(self, raw: bytes, envelope_from: str | None, recipient: str) -> Outcome:
        raise self.error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UnicodeEncodeError("utf-8", "zo\udcc3", 2, 3, "surrogates not allowed"), "554 5.6.0"),
        (sqlalchemy.exc.DataError("INSERT", {}, Exception("invalid byte sequence")), "554 5.6.0"),
        (Problem(422, "validation", "Invalid email"), "554 5.6.0"),
        (Problem(503, "unavailable", "Workflow is unavailable"), "451 4.3.0"),
        (ConnectionError("object store down"), "451 4.3.0"),
    ],
)
def test_only_platform_outages_are_temporary(error: Exception, code: str) -> None:
    assert _Failing(error).take(b"", None, "evidence@intake.union.example.org").reply.startswith(code)


class _Mailbox:
    """An IMAP client holding one message: records the flags stored on it."""

    def __init__(self, size: int = 100) -> None:
        self.size = size
        self.flags: list[str] = []
        self.fetched: list[str] = []

    def uid(self, command: str, uid: bytes, *args: str) -> tuple[str, list[Any]]:
        if command == "FETCH":
            self.fetched.append(args[0])
            if "RFC822.SIZE" in args[0]:
                return "OK", [f"1 (UID {uid.decode()} RFC822.SIZE {self.size})".encode()]
            return "OK", [(b"1 (UID 7 BODY[] {10}", message()), b")"]
        if command == "STORE":
            self.flags.append(args[1])
        return "OK", []


class _Intake:
    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls = 0

    def take(self, raw: bytes, envelope_from: str | None, recipient: str) -> Outcome:
        self.calls += 1
        return Outcome("refused", self.reply)


def poller(reply: str, settings: IntakeSettings = SETTINGS) -> imap.Poller:
    found = imap.Poller.__new__(imap.Poller)
    found.room = SimpleNamespace(settings=settings)  # type: ignore[assignment]
    found.intake = _Intake(reply)  # type: ignore[assignment]
    found.failures = {}
    return found


def test_a_message_that_keeps_failing_is_set_aside_after_three_passes() -> None:
    box, pass_ = _Mailbox(), poller(TEMPORARY)
    assert [pass_._one(box, b"7") for _ in range(3)] == [0, 0, 1]  # type: ignore[arg-type]
    assert box.flags == ["(\\Seen \\Flagged)"] and pass_.failures == {}
    # One that is taken in the end is not counted against again.
    box, pass_ = _Mailbox(), poller(TEMPORARY)
    pass_._one(box, b"7")  # type: ignore[arg-type]
    pass_.intake.reply = "250 2.0.0 Received."  # type: ignore[attr-defined]
    assert pass_._one(box, b"7") == 1 and pass_.failures == {}  # type: ignore[arg-type]
    assert box.flags == ["(\\Seen \\Deleted)"]


def test_an_oversized_polled_message_is_set_aside_unread() -> None:
    small = SETTINGS.model_copy(update={"mail_max_message_bytes": 1000})
    box, pass_ = _Mailbox(size=1001), poller("250 2.0.0 Received.", small)
    assert pass_._one(box, b"7") == 1  # type: ignore[arg-type]
    assert box.fetched == ["(RFC822.SIZE)"] and box.flags == ["(\\Seen \\Flagged)"]
    assert pass_.intake.calls == 0  # type: ignore[attr-defined]
    box, pass_ = _Mailbox(size=1000), poller("250 2.0.0 Received.", small)
    assert pass_._one(box, b"7") == 1 and box.fetched == ["(RFC822.SIZE)", "(BODY.PEEK[])"]  # type: ignore[arg-type]


def test_a_message_over_the_mail_limit_is_refused_whatever_brought_it() -> None:
    intake = MailIntake.__new__(MailIntake)
    intake.settings = SETTINGS.model_copy(update={"mail_max_message_bytes": 1000})
    raw = message() + b"x" * 1000
    reply = intake.take(raw, None, "evidence@intake.union.example.org").reply
    assert reply.startswith("552 5.3.4"), reply
    assert SETTINGS.mail_max_message_bytes == 50 * 1024 * 1024
