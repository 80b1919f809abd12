"""A received message read for routing and filing (pure): who sent it, its subject, its
attachments' names and sizes, and the key that recognises a redelivery.

Anything that cannot be read safely raises :class:`Refused` with the SMTP reply to give; nothing
has been stored by then.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
from dataclasses import dataclass
from email import errors, utils
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from casework_common.safe_input import CONTROL
from casework_intake.filenames import display_name

# The header fields mail servers add or change in transit: a message delivered again (by another
# route, or by a server retrying) differs in these only. DKIM-Signature is the sender's: kept.
TRACE_HEADERS = frozenset(
    {
        "received",
        "return-path",
        "delivered-to",
        "x-original-to",
        "authentication-results",
        "arc-authentication-results",
        "arc-message-signature",
        "arc-seal",
        "received-spf",
        "x-received",
    }
)
MAX_HEADER_BYTES = 256 * 1024
MAX_HEADER_FIELDS = 1000
_LINE_BREAKS = re.compile(rb"\r\n|\r|\n")
_BLANKS = re.compile(r"\s+")


class Refused(Exception):
    """The message is refused: ``reply`` is the whole SMTP reply ("550 5.1.7 ...")."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True)
class Part:
    """An attachment as the receipt and the held queue show it: name and size, never content."""

    filename: str
    size_bytes: int
    content_type: str


@dataclass(frozen=True)
class Received:
    """A message as the mailroom reads it."""

    raw: bytes
    message: EmailMessage
    sender: str  # the From address, lower-cased
    sender_name: str
    subject: str
    message_id: str | None
    parts: tuple[Part, ...]
    dedupe_key: str
    auto_submitted: bool  # a bounce, an auto-reply or list traffic: never answered with a receipt

    def attachment_data(self) -> list[tuple[Part, bytes]]:
        """Each attachment with its decoded bytes (the scanner address files them one by one)."""
        return [(part, _payload(item)) for part, item in zip(self.parts, self.message.iter_attachments(), strict=True)]


def one_line(text: str | None, limit: int = 998) -> str:
    """Header text on one line, without control characters (encoded words can carry them)."""
    return _BLANKS.sub(" ", CONTROL.sub(" ", text or "")).strip()[:limit]


def readable(text: str | None) -> str:
    """Header text with raw 8-bit bytes (kept by the parser as surrogate escapes, which no database
    or protobuf can encode) read as UTF-8, anything else replaced: shown to people, never matched."""
    return (text or "").encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def normalised_message_id(value: str | None) -> str | None:
    """A Message-ID without blanks and angle brackets, or None when there is none."""
    cleaned = "".join(one_line(readable(value)).split()).strip("<>")
    return cleaned[:500] or None


def header_block(raw: bytes) -> tuple[bytes, bytes]:
    """The header block and the body of a raw message (split at the first empty line)."""
    match = re.search(rb"\r?\n\r?\n", raw)
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end() :]


def _fields(head: bytes) -> list[list[bytes]]:
    """The header block's fields, each as its lines (a folded field has several)."""
    fields: list[list[bytes]] = []
    for line in _LINE_BREAKS.split(head):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1].append(line)  # a folded continuation of the field before
        elif line:
            fields.append([line])
    return fields


def raw_fields(head: bytes, name: bytes) -> list[bytes]:
    """The unfolded values of the header fields called ``name`` (lower case), as sent."""
    found = []
    for field in _fields(head):
        field_name, _, value = b"".join(field).partition(b":")
        if field_name.lower() == name:
            found.append(value.strip())
    return found


def content_hash(raw: bytes) -> str:
    """SHA-256 of the message without its trace header fields, line endings made CRLF: what a
    redelivery of the same message has in common with the first delivery."""
    head, body = header_block(raw)
    digest = hashlib.sha256()
    for field in _fields(head):
        name = field[0].split(b":", 1)[0].strip().lower()
        if name.decode("latin-1") in TRACE_HEADERS:
            continue
        digest.update(b"\r\n".join(field) + b"\r\n")
    digest.update(b"\r\n")
    digest.update(b"\r\n".join(_LINE_BREAKS.split(body)))
    return digest.hexdigest()


def dedupe_key(message_id: str | None, raw: bytes) -> str:
    return f"{message_id or ''} sha256:{content_hash(raw)}"


def _payload(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        return (inner[0] if isinstance(inner, list) else inner).as_bytes()
    return part.get_payload(decode=True) or b""


# A From field whose name has blanks before its colon: readers disagree whether it is a From field,
# so two readers could take two different senders from one message.
_SPACED_FROM = re.compile(rb"^from[ \t]+:", re.IGNORECASE | re.MULTILINE)
# Defects of an internationalised address (RFC 6532), which _checked_sender decodes and checks itself.
_NON_ASCII_DEFECTS = (errors.NonASCIILocalPartDefect, errors.UndecodableBytesDefect)
_MALFORMED_FROM = "550 5.1.7 The From field is malformed; it must name exactly one mailbox (user@domain)."


def _utf8(text: str) -> str:
    """``text`` with the raw bytes the parser kept (as surrogate escapes) read as UTF-8; an address
    that is not UTF-8 is refused (it could never be written back, nor matched to an account)."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        raise Refused("553 5.6.7 The From address is not valid UTF-8; send it from an ASCII address.") from None


def _checked_sender(head: bytes, field: Any, addr_spec: str) -> str:
    """The From address (lower-cased), once every reader of the header agrees on it: refused when
    the field has a defect, when a second From field hides behind a blank before its colon, or when
    ``email.utils.getaddresses`` reads the raw field as anything but this one address."""
    if _SPACED_FROM.search(head):
        raise Refused(_MALFORMED_FROM)
    if any(not isinstance(defect, _NON_ASCII_DEFECTS) for defect in field.defects):
        raise Refused(_MALFORMED_FROM)
    sender = _utf8(addr_spec)
    values = [_utf8(value.decode("utf-8", "surrogateescape")) for value in raw_fields(head, b"from")]
    seen = [address for _name, address in utils.getaddresses(values)]
    if len(values) != 1 or len(seen) != 1 or seen[0].strip().lower() != sender.strip().lower():
        raise Refused(_MALFORMED_FROM)
    if CONTROL.search(sender) or any(character.isspace() for character in sender):
        raise Refused(_MALFORMED_FROM)
    return sender[:320].lower()


def parse(raw: bytes, max_attachments: int) -> Received:
    """Read ``raw`` (the DATA of one message). Refuses a message without exactly one From mailbox,
    with an oversized header, or with more than ``max_attachments`` attachments."""
    head, _body = header_block(raw)
    if len(head) > MAX_HEADER_BYTES or head.count(b"\n") > MAX_HEADER_FIELDS * 4:
        raise Refused(f"552 5.3.4 The message's header is too large (at most {MAX_HEADER_BYTES // 1024} KiB).")
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        froms = message.get_all("From") or []
        if len(froms) != 1:
            raise Refused(
                "550 5.1.7 The message must have one From address (it has "
                f"{'none' if not froms else len(froms)}); send it from your own address."
            )
        mailboxes = froms[0].addresses
        if len(mailboxes) != 1 or "@" not in (mailboxes[0].addr_spec or ""):
            raise Refused(
                "550 5.1.7 The From field must name exactly one mailbox (user@domain); send it from your own address."
            )
        sender = _checked_sender(head, froms[0], mailboxes[0].addr_spec)
        sender_name = one_line(readable(mailboxes[0].display_name), 200)
        subject = one_line(readable(message.get("Subject")), 500)
        message_id = normalised_message_id(message.get("Message-ID"))
        parts = []
        for index, item in enumerate(message.iter_attachments()):
            name = item.get_filename() or f"attachment-{index + 1}" + (
                ".eml" if item.get_content_type() == "message/rfc822" else ""
            )
            parts.append(Part(display_name(one_line(name, 400)), len(_payload(item)), item.get_content_type()))
        auto = one_line(message.get("Auto-Submitted")).lower()
        precedence = one_line(message.get("Precedence")).lower()
    except Refused:
        raise
    except Exception as exc:  # the email package raises many kinds on hostile input; none may reach the listener
        raise Refused(f"554 5.6.0 The message could not be read ({type(exc).__name__}); nothing was stored.") from exc
    if len(parts) > max_attachments:
        raise Refused(
            f"552 5.3.4 The message has {len(parts)} attachments; at most {max_attachments} are taken in one "
            "message. Send them in several messages."
        )
    return Received(
        raw=raw,
        message=message,
        sender=sender,
        sender_name=sender_name,
        subject=subject,
        message_id=message_id,
        parts=tuple(parts),
        dedupe_key=dedupe_key(message_id, raw),
        auto_submitted=(auto not in ("", "no")) or precedence in ("bulk", "list", "junk"),
    )


def evidence_filename(subject: str) -> str:
    """The file name of a filed message: its subject made safe, + ".eml" ("message.eml" without one)."""
    stem = re.sub(r'[\\/:*?"<>|]+', " ", subject)
    stem = _BLANKS.sub(" ", stem).strip(" .")[:150]
    return display_name(f"{stem or 'message'}.eml")
