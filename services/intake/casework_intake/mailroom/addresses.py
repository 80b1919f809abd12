"""Intake addresses and how a recipient routes a message (pure: no database, no network).

A case's private address is ``<mail_case_prefix><token>@<mail_domain>``: the token is 26 lower-case
base32 characters (130 random bits), unguessable, stored in ``intake_addresses`` and revocable.
``<mail_general_local>@<mail_domain>`` takes a case reference in the subject;
``<mail_scanner_local>@<mail_domain>`` takes scanned batches.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from casework_intake.settings import IntakeSettings

TOKEN_LENGTH = 26
_TOKEN = re.compile(r"^[a-z2-7]{26}$")
# A case reference as people write it in a subject: "CW-2026-000123", "cw-2026-000123", and "re:CW-2026-000123".
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])CW-(\d{4})-(\d{6})(?![0-9])", re.IGNORECASE)

RouteKind = Literal["case-address", "general", "scanner"]


@dataclass(frozen=True)
class Route:
    """Where a recipient address sends a message: a case's address (with its token), the general
    address or the scanner address."""

    kind: RouteKind
    token: str | None = None


class NotOurs(Exception):
    """The address is in another domain: the mailroom relays nothing."""


class NotInUse(Exception):
    """The address is in the mail domain but is no intake address (or not in the form of one)."""


def new_token() -> str:
    """A fresh case address token: 130 random bits as 26 lower-case base32 characters."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").lower()[:TOKEN_LENGTH]


def case_address(settings: IntakeSettings, token: str) -> str:
    return f"{settings.mail_case_prefix}{token}@{settings.mail_domain}"


def general_address(settings: IntakeSettings) -> str:
    return f"{settings.mail_general_local}@{settings.mail_domain}"


def scanner_address(settings: IntakeSettings) -> str:
    return f"{settings.mail_scanner_local}@{settings.mail_domain}"


def route(settings: IntakeSettings, address: str) -> Route:
    """The route of a recipient address. Local parts and domains are compared without regard to
    case (senders' clients change it); raises NotOurs or NotInUse."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or not local:
        raise NotInUse(address)
    if domain.lower().rstrip(".") != settings.mail_domain.lower():
        raise NotOurs(address)
    local = local.lower()
    if local == settings.mail_general_local.lower():
        return Route("general")
    if local == settings.mail_scanner_local.lower():
        return Route("scanner")
    prefix = settings.mail_case_prefix.lower()
    if local.startswith(prefix) and _TOKEN.match(local[len(prefix) :]):
        return Route("case-address", local[len(prefix) :])
    raise NotInUse(address)


def reference_in(subject: str | None) -> str | None:
    """The first case reference in a subject, upper-cased ("Fwd: re cw-2026-000123" -> "CW-2026-000123")."""
    found = _REFERENCE.search(subject or "")
    return f"CW-{found.group(1)}-{found.group(2)}" if found else None
