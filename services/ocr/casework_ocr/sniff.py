"""File type from content (libmagic), never from the uploader's name or declared type."""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from pathlib import Path

import magic

# libmagic knows a message only by a few first headers (From, Received, Return-Path, Delivered-To...);
# one that starts with Authentication-Results, DKIM-Signature or MIME-Version (as mail servers and
# mail clients write them) it calls text/plain, and its attachments would never be taken out.
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
_MESSAGE_HEADERS = ("date", "message-id", "subject", "to")
_HEAD_BYTES = 256 * 1024


def mime_type(path: Path) -> str:
    found = magic.from_file(str(path), mime=True)
    if found == "text/plain" and _is_message(path):
        return "message/rfc822"
    return found


def _is_message(path: Path) -> bool:
    """A header block at the very start (field lines up to a blank line) with a From field and one
    of Date, Message-ID, Subject or To: what RFC 5322 requires of a message, not what a note that
    merely mentions "From:" looks like."""
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES)
    if not _HEADER_LINE.match(head):
        return False
    end = re.search(rb"\r?\n\r?\n", head)
    if end is None:
        return False
    block = head[: end.start()]
    for line in re.split(rb"\r?\n", block):
        if not (_HEADER_LINE.match(line) or line[:1] in (b" ", b"\t")):
            return False  # not a header block: prose with a colon on its first line
    headers = BytesHeaderParser().parsebytes(block + b"\r\n\r\n")
    names = {name.lower() for name in headers}
    return "from" in names and any(name in names for name in _MESSAGE_HEADERS)
