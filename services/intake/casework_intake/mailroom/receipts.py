"""The receipt a sender gets: what arrived (file names and sizes) and what happened to it, never
any of its content, and not its subject either (a receipt may be read by whoever else reads that
mailbox). Sent after the message is recorded: a crash in between loses the receipt, never the
message. Not sent for a redelivery, for a message whose sender failed authentication (a forged
sender would turn receipts into backscatter), nor to bounces and auto-replies (mail loops)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid

from casework_common import mail
from casework_intake.mailroom.messages import Part
from casework_intake.settings import IntakeSettings

log = logging.getLogger(__name__)


def size_text(size: int) -> str:
    """A size as people read it: "512 bytes", "14 KB", "2.3 MB"."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def build(
    settings: IntakeSettings,
    to: str,
    in_reply_to: str | None,
    size_bytes: int,
    parts: Sequence[Part],
    outcome: str,
) -> EmailMessage:
    """The receipt for one message. ``outcome`` is one sentence on what happened to it."""
    receipt = EmailMessage()
    receipt["From"] = settings.mail_receipt_from
    receipt["To"] = to
    receipt["Subject"] = "Casework: we received your email"
    receipt["Message-ID"] = make_msgid(domain=settings.mail_domain)
    # RFC 3834: an automatic reply, which other robots must not answer.
    receipt["Auto-Submitted"] = "auto-replied"
    if in_reply_to:
        receipt["In-Reply-To"] = f"<{in_reply_to}>"
        receipt["References"] = f"<{in_reply_to}>"
    lines = [
        "Casework received your email.",
        "",
        outcome,
        "",
        f"The email itself ({size_text(size_bytes)}).",
    ]
    if parts:
        lines.append(f"{len(parts)} attachment{'' if len(parts) == 1 else 's'}:")
        lines.extend(f"  - {part.filename} ({size_text(part.size_bytes)})" for part in parts)
    else:
        lines.append("No attachments.")
    lines += [
        "",
        "This receipt lists names and sizes only. If you did not send this email, tell your union rep.",
    ]
    receipt.set_content("\n".join(lines) + "\n")
    return receipt


def send(settings: IntakeSettings, receipt: EmailMessage) -> None:
    """Send a receipt; a relay that fails loses the receipt only (logged), never the message."""
    try:
        mail.send(settings, receipt)
    except Exception:
        log.exception("the receipt to %s could not be sent", receipt["To"])
