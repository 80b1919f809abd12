"""Sending e-mail through the platform's SMTP relay, the one way every service does it."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from casework_common.settings import SmtpSettings


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Send ``message`` (its From is set to ``settings.mail_from`` when it has none) over the relay,
    with STARTTLS and a login when the settings ask for them; smtplib's errors reach the caller."""
    if "From" not in message:
        message["From"] = settings.mail_from
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(message)


def relay_ready(settings: SmtpSettings) -> bool:
    """The relay answers NOOP (a readiness check)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=3) as smtp:
        return smtp.noop()[0] == 250
