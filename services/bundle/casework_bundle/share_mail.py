"""The two e-mails of a share: the link in one, the one-time code in the other, never both in one, so
that a single intercepted or misdirected message opens nothing. Sent over the platform's SMTP relay
with the same settings as notify (docs/design.md, 'Bundles shared with solicitors', says why not through notify)."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from casework_bundle.settings import BundleSettings
from casework_common import mail


class ShareMailer:
    def __init__(self, settings: BundleSettings) -> None:
        self.settings = settings

    def link_url(self, token: str) -> str:
        return f"{self.settings.portal_url.rstrip('/')}/shared/{token}"

    def send_link(self, name: str, email: str, token: str, shared_by: str, reference: str, expires: str) -> None:
        text = (
            f"Dear {name},\n\n"
            f"{shared_by} has shared a case bundle with you through Casework (case {reference}).\n\n"
            f"Open it here:\n{self.link_url(token)}\n\n"
            f"The link works until {expires}. To open it you need the one-time code we are sending you in a "
            "separate e-mail. Please do not forward this message.\n\n"
            "Casework\n"
        )
        self._send(name, email, "A case bundle has been shared with you", text)

    def send_code(self, name: str, email: str, code: str, first: bool) -> None:
        lead = (
            "Here is the one-time code for the case bundle shared with you (the link is in a separate e-mail)."
            if first
            else "Here is the new one-time code you asked for, for the case bundle shared with you."
        )
        text = (
            f"Dear {name},\n\n{lead}\n\n    {code}\n\n"
            "Enter it on the page the link opens. It works once; if you need to open the bundle again later, "
            "the page can send you a new code.\n\nCasework\n"
        )
        self._send(name, email, "Your one-time code for the shared case bundle", text)

    def _send(self, name: str, email: str, subject: str, text: str) -> None:
        message = EmailMessage()
        # Built as an Address object, so a name or address can never add a header of its own.
        username, _, domain = email.rpartition("@")
        message["To"] = Address(display_name=name, username=username, domain=domain)
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="casework.invalid")
        message.set_content(text)
        mail.send(self.settings, message)
