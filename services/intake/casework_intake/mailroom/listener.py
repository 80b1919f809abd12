"""The SMTP (or LMTP) listener of the intake addresses, with aiosmtpd.

Recipients are checked at RCPT (another domain: no relaying; an unknown or revoked address:
refused), so a sender's server bounces at once instead of after sending the whole message. The
message itself is taken at the end of DATA by MailIntake, in worker threads (database, object
store and workflow calls block), one recipient after the other. SMTP gives one reply for all
recipients: the first that is not a success (a temporary one first, so the sender tries again; a
redelivery adds nothing to the recipients that took it). LMTP gives one reply per recipient.

STARTTLS is offered when a certificate and key are configured; ``mailroom_require_tls`` then
refuses every command but EHLO/STARTTLS/QUIT before it.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from casework_intake.mailroom.context import Mailroom
from casework_intake.mailroom.intake import MailIntake
from casework_intake.settings import IntakeSettings

log = logging.getLogger(__name__)
MAX_RECIPIENTS = 20
WORKERS = 4


class Handler:
    """aiosmtpd's handler: the intake addresses' RCPT check and DATA."""

    def __init__(self, intake: MailIntake, lmtp: bool) -> None:
        self.intake = intake
        self.lmtp = lmtp
        self.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="mailroom")

    async def _blocking(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)

    async def handle_RCPT(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return f"452 4.5.3 At most {MAX_RECIPIENTS} recipients per message."
        try:
            refusal = await self._blocking(self.intake.check_recipient, address)
        except Exception:
            log.exception("the recipient %s could not be checked", address)
            return "451 4.3.0 The address cannot be checked just now; try again later."
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):  # only with decode_data, which the listener never sets
            raw = raw.encode("utf-8", "surrogateescape")
        replies = []
        for recipient in envelope.rcpt_tos:
            outcome = await self._blocking(self.intake.take, raw, envelope.mail_from, recipient)
            replies.append(outcome.reply)
        if self.lmtp:
            return "\r\n".join(replies)  # LMTP: one reply line per recipient, in their order
        for first in ("4", "5"):
            for reply in replies:
                if reply.startswith(first):
                    return reply
        return replies[0] if len(replies) == 1 else "250 2.0.0 Received for every recipient."


class _Controller(Controller):
    def __init__(self, handler: Handler, settings: IntakeSettings, tls: ssl.SSLContext | None) -> None:
        super().__init__(
            handler,
            hostname=settings.mailroom_host,
            port=settings.mailroom_port,
            server_hostname=settings.mail_domain,
            data_size_limit=settings.mail_max_message_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            tls_context=tls,
            require_starttls=bool(tls) and settings.mailroom_require_tls,
            ident="Casework mailroom",
        )
        self._lmtp = settings.mailroom_protocol == "lmtp"

    def factory(self) -> SMTP:
        return (LMTP if self._lmtp else SMTP)(self.handler, **self.SMTP_kwargs)


def tls_context(settings: IntakeSettings) -> ssl.SSLContext | None:
    """The STARTTLS context, when a certificate and key are set. Requiring TLS without them is a
    configuration error: the listener would take mail in the clear while the setting says it may not."""
    cert, key = settings.mailroom_tls_cert_file, settings.mailroom_tls_key_file
    if bool(cert) != bool(key):
        raise ValueError("Set both CASEWORK_MAILROOM_TLS_CERT_FILE and CASEWORK_MAILROOM_TLS_KEY_FILE, or neither.")
    if not cert or not key:
        if settings.mailroom_require_tls:
            raise ValueError("CASEWORK_MAILROOM_REQUIRE_TLS needs a certificate and key to offer STARTTLS with.")
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return context


def smtp_loop(room: Mailroom) -> Any:
    """The runtime loop that runs the listener until the process stops."""
    tls = tls_context(room.settings)  # at start: a bad certificate stops the process at once
    # aiosmtpd logs every command of every session at INFO.
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    def run(stop: threading.Event) -> None:
        handler = Handler(MailIntake(room), lmtp=room.settings.mailroom_protocol == "lmtp")
        controller = _Controller(handler, room.settings, tls)
        controller.start()
        log.info(
            "mailroom listening (%s) on %s:%s for @%s%s",
            room.settings.mailroom_protocol,
            room.settings.mailroom_host,
            room.settings.mailroom_port,
            room.settings.mail_domain,
            ", STARTTLS" + (" required" if room.settings.mailroom_require_tls else "") if tls else "",
        )
        try:
            stop.wait()
        finally:
            controller.stop()
            handler.pool.shutdown(wait=True, cancel_futures=False)

    return run
