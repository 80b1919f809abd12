"""A local SMTP relay (aiosmtpd) that delivers every message into a Maildir in the state dir."""

from __future__ import annotations

import smtplib
import sys

from casework_local.process import Managed
from casework_local.servers.base import Server


class Smtp(Server):
    name = "smtp"
    port_names = ("smtp",)

    @property
    def maildir(self):
        return self.config.path("mail")

    def process(self) -> Managed:
        return Managed(
            self.name,
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"{self.config.host}:{self.config.ports['smtp']}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(self.maildir),
            ],
            self.config.path("logs", "smtp.log"),
        )

    def ready(self) -> bool:
        with smtplib.SMTP(self.config.host, self.config.ports["smtp"], timeout=2) as client:
            return client.noop()[0] == 250

    def env(self) -> dict[str, str]:
        return {"CASEWORK_SMTP_HOST": self.config.host, "CASEWORK_SMTP_PORT": str(self.config.ports["smtp"])}
