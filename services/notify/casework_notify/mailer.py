"""Email delivery over SMTP: plain-text and HTML alternatives, rendered from Jinja templates."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from casework_common import mail
from casework_notify.settings import NotifySettings


class Mailer:
    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, text: str, html: str, message_key: str) -> None:
        message = EmailMessage()
        message["To"] = to
        message["Subject"] = subject
        # Stable per (event, recipient): a resend after a crash is recognisable as the same mail.
        message["Message-ID"] = make_msgid(idstring=message_key, domain="casework.invalid")
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        mail.send(self.settings, message)

    def ready(self) -> bool:
        return mail.relay_ready(self.settings)
