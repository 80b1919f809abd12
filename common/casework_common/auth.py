"""Bearer-token validation and the principal it yields.

Tokens are Keycloak access tokens (or the local provider's, which have the same
shape). Every service validates them itself: RS256 signature against the realm's
JWKS (found through OIDC discovery), issuer, audience, expiry. There is no code path
specific to the local provider.

A token once verified is remembered for a short while: a person's every request carries the same
token, often through two services (search, then workflow for the scope), and decoding and checking
its signature again took 0.33 ms each time. A remembered token is still refused once it expires.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests

from casework_common.recent import Recent
from casework_common.settings import OidcSettings

log = logging.getLogger(__name__)

# In order of seniority (primary_role picks the last one held). "dpo", the data-protection officer,
# answers subject access and erasure requests and sees no case otherwise (docs/design.md#data-protection).
HUMAN_ROLES = ("member", "rep", "coordinator", "official", "caseworker", "dpo", "admin")
SERVICE_ROLE = "service"

# How many verified tokens a validator remembers, and for how long at most (short beside the key
# set's own hour in cache: remembering adds at most a minute to how long a withdrawn key is honoured).
REMEMBERED_TOKENS = 1024
REMEMBER_FOR_S = 60.0


class AuthError(Exception):
    """The token is missing, malformed, unverifiable, expired or meant for someone else.

    ``code`` names the failure from a small fixed set (metric labels and the audit log use it);
    the message is what the client is told."""

    def __init__(self, message: str, code: str = "token-invalid") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Principal:
    """Who is calling, as far as the token says."""

    subject: str
    username: str
    roles: frozenset[str]
    branch: str | None = None
    region: str | None = None
    membership_number: str | None = None
    email: str | None = None
    name: str | None = None
    client: str | None = None  # the OAuth client the token was issued to (azp)
    token: str = field(default="", repr=False, compare=False)

    @property
    def is_service(self) -> bool:
        return SERVICE_ROLE in self.roles

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def primary_role(self) -> str:
        """The most senior human role, for labels and metrics."""
        for role in reversed(HUMAN_ROLES):
            if role in self.roles:
                return role
        return SERVICE_ROLE if self.is_service else "none"

    @classmethod
    def from_claims(cls, claims: dict[str, Any], token: str = "") -> Principal:
        roles = claims.get("realm_access", {}).get("roles", [])
        return cls(
            subject=str(claims["sub"]),
            username=str(claims.get("preferred_username") or claims["sub"]),
            roles=frozenset(r for r in roles if isinstance(r, str)),
            branch=claims.get("branch"),
            region=claims.get("region"),
            membership_number=claims.get("membership_number"),
            email=claims.get("email"),
            name=claims.get("name"),
            client=claims.get("azp"),
            token=token,
        )


class TokenValidator:
    """Validates access tokens against an OIDC issuer.

    Discovery happens lazily on first use (so a service can start before the
    identity provider) and PyJWKClient caches the signing keys, refetching when it
    meets an unknown ``kid`` (key rotation).
    """

    def __init__(self, issuer: str, audience: str, discovery_url: str | None = None, leeway_s: int = 0) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.discovery_url = discovery_url or f"{self.issuer}/.well-known/openid-configuration"
        self.leeway_s = leeway_s
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()
        # token -> (principal, its expiry, remembered until)
        self._verified: Recent[str, tuple[Principal, float, float]] = Recent(REMEMBERED_TOKENS)

    @classmethod
    def from_settings(cls, settings: OidcSettings) -> TokenValidator:
        return cls(settings.oidc_issuer, settings.oidc_audience, settings.discovery_url)

    def _jwks_client(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._jwks is None:
                response = requests.get(self.discovery_url, timeout=5)
                response.raise_for_status()
                self._jwks = jwt.PyJWKClient(response.json()["jwks_uri"], cache_keys=True, lifespan=3600)
            return self._jwks

    def ready(self) -> bool:
        """True when the issuer's discovery document and keys can be fetched."""
        try:
            self._jwks_client().get_signing_keys()
            return True
        except Exception:
            log.warning("identity provider not reachable", exc_info=True)
            return False

    def validate(self, token: str) -> Principal:
        """The principal for a valid token; AuthError with a client-safe reason otherwise."""
        now = time.time()
        known = self._verified.get(token)
        if known is not None:
            principal, expires_at, remembered_until = known
            if now < remembered_until and now < expires_at + self.leeway_s:
                return principal
        principal, expires_at = self._verify(token)
        self._verified.put(token, (principal, expires_at, now + REMEMBER_FOR_S))
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        if not token:
            raise AuthError("A bearer token is required.", "token-missing")
        try:
            key = self._jwks_client().get_signing_key_from_jwt(token)
        except jwt.PyJWKClientError as exc:
            raise AuthError("The token is not signed by a known key.", "token-unknown-key") from exc
        except jwt.DecodeError as exc:
            raise AuthError("The token is malformed.", "token-malformed") from exc
        except requests.RequestException as exc:
            raise AuthError(
                "The identity provider cannot be reached to verify the token.", "identity-unreachable"
            ) from exc
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("The token has expired.", "token-expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthError("The token is not meant for this API.", "token-wrong-audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthError("The token was issued by an unknown issuer.", "token-wrong-issuer") from exc
        except jwt.InvalidTokenError as exc:
            raise AuthError("The token is not valid.", "token-invalid") from exc
        return Principal.from_claims(claims, token), float(claims["exp"])


def bearer_token(header_value: str | None) -> str:
    """The token from an ``Authorization: Bearer ...`` value ('' if absent)."""
    if not header_value:
        return ""
    scheme, _, token = header_value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
