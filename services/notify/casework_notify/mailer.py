"""Email delivery over SMTP: plain-text and HTML alternatives, rendered from Jinja templates."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from casework_notify.settings import NotifySettings


class Mailer:
    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, text: str, html: str, message_key: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        # Stable per (event, recipient): a resend after a crash is recognisable as the same mail.
        message["Message-ID"] = make_msgid(idstring=message_key, domain="casework.invalid")
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=30) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls()
            if self.settings.smtp_username:
                smtp.login(self.settings.smtp_username, self.settings.smtp_password or "")
            smtp.send_message(message)

    def ready(self) -> bool:
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=3) as smtp:
            return smtp.noop()[0] == 250
