"""The optional IMAP poller: for a union that prefers its own mail server to deliver intake mail
into a mailbox, the mailroom reads that mailbox every ``imap_interval_s`` (stdlib imaplib).

``imap_url`` is ``imaps://user@host:993/INBOX`` (TLS from the start) or ``imap://user@host:143/INBOX``
(STARTTLS, required). Each unseen message goes through MailIntake as if it had come over SMTP, to
the first intake address among Delivered-To, X-Original-To and To. Once recorded (filed, held, or
a redelivery) it is deleted from the mailbox; one refused for good is marked seen and left there
for the mailbox's owner to look at; a temporary failure leaves it unseen, for the next pass - at
most MAX_ATTEMPTS times (counted in memory, per UID): then it is set aside, flagged and marked seen,
so a few messages that always fail cannot fill every pass and block the mailbox.
"""

from __future__ import annotations

import email.policy
import imaplib
import logging
import re
import ssl
import threading
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any
from urllib.parse import unquote, urlsplit

from casework_common.runtime import periodic
from casework_intake.mailroom import addresses
from casework_intake.mailroom.context import Mailroom
from casework_intake.mailroom.intake import MailIntake
from casework_intake.settings import IntakeSettings

log = logging.getLogger(__name__)
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To")
BATCH = 50
MAX_ATTEMPTS = 3
SET_ASIDE = "(\\Seen \\Flagged)"


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    tls: bool  # TLS from the start (imaps); else STARTTLS
    user: str
    folder: str


def parse_url(url: str) -> Mailbox:
    """The mailbox an ``imap_url`` names; ValueError for anything but imap(s)://user@host[:port][/folder]."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ValueError("CASEWORK_IMAP_URL must look like imaps://user@host:993/INBOX")
    tls = parts.scheme == "imaps"
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return Mailbox(parts.hostname, parts.port or (993 if tls else 143), tls, unquote(parts.username), folder)


def recipient_of(raw: bytes, settings: IntakeSettings) -> str | None:
    """The intake address a message in the mailbox was for: the first address of Delivered-To,
    X-Original-To, then To, that is in the mail domain."""
    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
    for name in RECIPIENT_HEADERS:
        for value in headers.get_all(name) or []:
            # Delivered-To and X-Original-To are no address fields to the email package: read them as such.
            found = [address for _name, address in getaddresses([str(value)]) if address]
            for address in found:
                try:
                    addresses.route(settings, address)
                except (addresses.NotOurs, addresses.NotInUse):
                    continue
                return address.lower()
    return None


def envelope_sender(raw: bytes) -> str | None:
    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
    value = str(headers.get("Return-Path") or "").strip().strip("<>")
    return value or None


class Poller:
    """One pass over the mailbox at a time."""

    def __init__(self, room: Mailroom, intake: MailIntake) -> None:
        self.room = room
        self.intake = intake
        self.mailbox = parse_url(room.settings.imap_url or "")
        self.failures: dict[bytes, int] = {}  # temporary failures per UID, since this process started

    def _connect(self) -> imaplib.IMAP4:
        box = self.mailbox
        context = ssl.create_default_context()
        client: imaplib.IMAP4
        if box.tls:
            client = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=context, timeout=30)
        else:
            client = imaplib.IMAP4(box.host, box.port, timeout=30)
            client.starttls(ssl_context=context)
        password = self.room.settings.imap_password
        client.login(box.user, password.get_secret_value() if password else "")
        return client

    def poll_once(self) -> int:
        """Take every unseen message (at most BATCH); returns how many were handled."""
        client = self._connect()
        try:
            status, _ = client.select(_quoted(self.mailbox.folder))
            if status != "OK":
                raise RuntimeError(f"the IMAP folder {self.mailbox.folder!r} cannot be opened")
            _, found = client.uid("SEARCH", None, "UNSEEN")
            uids = (found[0] or b"").split()[:BATCH]
            handled = 0
            for uid in uids:
                handled += self._one(client, uid)
            client.expunge()
            return handled
        finally:
            try:
                client.logout()
            except Exception:
                log.debug("IMAP logout failed", exc_info=True)

    def _one(self, client: imaplib.IMAP4, uid: bytes) -> int:
        # The size first: an oversized message is never read into memory, only set aside.
        _, sized = client.uid("FETCH", uid, "(RFC822.SIZE)")
        size = message_size(sized)
        limit = self.room.settings.mail_max_message_bytes
        if size is None or size > limit:
            log.error(
                "IMAP message %s is %s bytes (at most %s taken); flagged and set aside", uid.decode(), size, limit
            )
            client.uid("STORE", uid, "+FLAGS", SET_ASIDE)
            return 1
        _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
        if raw is None:
            return 0
        recipient = recipient_of(raw, self.room.settings)
        if recipient is None:
            log.warning("IMAP message %s names no intake address; marked seen and left", uid.decode())
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            return 1
        outcome = self.intake.take(raw, envelope_sender(raw), recipient)
        if outcome.reply.startswith("4"):
            failures = self.failures[uid] = self.failures.get(uid, 0) + 1
            if failures < MAX_ATTEMPTS:
                return 0  # left unseen: the next pass tries again
            log.error(
                "IMAP message %s failed %s times (%s); flagged, marked seen and set aside",
                uid.decode(),
                failures,
                outcome.reply,
            )
            client.uid("STORE", uid, "+FLAGS", SET_ASIDE)
            self.failures.pop(uid, None)
            return 1
        self.failures.pop(uid, None)
        if outcome.reply.startswith("2"):
            client.uid("STORE", uid, "+FLAGS", "(\\Seen \\Deleted)")
        else:
            log.warning("IMAP message %s refused: %s; marked seen and left", uid.decode(), outcome.reply)
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        return 1


def message_size(fetched: list[Any]) -> int | None:
    """The RFC822.SIZE in a FETCH response, None when it has none."""
    for item in fetched:
        line = item[0] if isinstance(item, tuple) else item
        match = re.search(rb"RFC822\.SIZE (\d+)", line or b"")
        if match:
            return int(match.group(1))
    return None


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_loop(room: Mailroom) -> Any:
    """The runtime loop polling the mailbox until the process stops (a failed pass is logged and retried)."""
    poller = Poller(room, MailIntake(room))  # at start: a malformed URL stops the process at once

    def run(stop: threading.Event) -> None:
        log.info("polling IMAP %s:%s/%s", poller.mailbox.host, poller.mailbox.port, poller.mailbox.folder)
        periodic("IMAP", poller.poll_once, room.settings.imap_interval_s)(stop)

    return run
