"""Who people are: usernames, addresses, roles, branch and region, from Keycloak's admin API.

Used to find who to notify (a region's officials, a branch's coordinators, the member of
a case) and to check that a rep being assigned belongs to the branch. Results are cached
briefly; the identity provider stays the only source of truth.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakGetError

from casework_common.settings import KeycloakSettings

CACHE_S = 120.0


@dataclass(frozen=True)
class Person:
    username: str
    email: str | None  # verified addresses only
    roles: frozenset[str]
    branch: str | None
    region: str | None
    membership_number: str | None
    enabled: bool = True  # a disabled account keeps its entry but may not sign in
    user_id: str = ""  # the identity provider's id (a token's ``sub``)


def _attribute(representation: dict[str, Any], name: str) -> str | None:
    values = (representation.get("attributes") or {}).get(name) or []
    return values[0] if values else None


class Directory:
    def __init__(self, settings: KeycloakSettings) -> None:
        connection = KeycloakOpenIDConnection(
            server_url=settings.keycloak_url,
            realm_name=settings.keycloak_realm,
            user_realm_name=settings.keycloak_realm,
            client_id=settings.oidc_client_id,
            client_secret_key=settings.oidc_client_secret.get_secret_value(),
            verify=True,
        )
        self._admin = KeycloakAdmin(connection=connection)
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def _cached(self, key: tuple[str, str], load: Any) -> Any:
        with self._lock:
            hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < CACHE_S:
                return hit[1]
        value = load()
        with self._lock:
            self._cache[key] = (time.monotonic(), value)
        return value

    def _person(self, representation: dict[str, Any], roles: frozenset[str]) -> Person:
        return Person(
            username=representation["username"],
            user_id=representation.get("id", ""),
            email=representation.get("email") if representation.get("emailVerified") else None,
            roles=roles,
            branch=_attribute(representation, "branch"),
            region=_attribute(representation, "region"),
            membership_number=_attribute(representation, "membership_number"),
            enabled=bool(representation.get("enabled", True)),
        )

    def _with_roles(self, representation: dict[str, Any]) -> Person:
        roles = frozenset(r["name"] for r in self._admin.get_realm_roles_of_user(representation["id"]))
        return self._person(representation, roles)

    def person(self, username: str) -> Person | None:
        """The person with exactly this username, or None."""

        def load() -> Person | None:
            users = self._admin.get_users({"username": username, "exact": True})
            match = next((u for u in users if u.get("username") == username), None)
            return self._with_roles(match) if match else None

        return self._cached(("person", username), load)

    def current(self, user_id: str) -> Person | None:
        """The person with this identity-provider id (a token's ``sub``) as they are right now, or None
        when there is no such account: never cached, for decisions that must follow a change at once
        (a calendar feed fetched without a token, whose owner may have been moved or disabled)."""
        try:
            representation = self._admin.get_user(user_id)
        except KeycloakGetError as exc:
            if exc.response_code == 404:
                return None
            raise
        return self._with_roles(representation)

    def current_by_username(self, username: str) -> Person | None:
        """The enabled person with exactly this username as they are right now (never cached), or None."""
        users = self._admin.get_users({"username": username, "exact": True})
        match = next((u for u in users if u.get("username") == username and u.get("enabled", True)), None)
        return self._with_roles(match) if match else None

    def current_by_email(self, address: str) -> Person | None:
        """The one enabled person whose *verified* address this is (case-insensitive), as they are
        right now (never cached); None when there is none, or more than one (an ambiguous sender
        is nobody)."""
        wanted = address.strip().lower()
        if not wanted:
            return None
        users = self._admin.get_users({"email": wanted, "exact": True})
        matches = [
            u
            for u in users
            if (u.get("email") or "").lower() == wanted and u.get("emailVerified") and u.get("enabled", True)
        ]
        return self._with_roles(matches[0]) if len(matches) == 1 else None

    def member(self, membership_number: str) -> Person | None:
        """The member account carrying this membership number, or None."""

        def load() -> Person | None:
            users = self._admin.get_users({"q": f"membership_number:{membership_number}"})
            return self._with_roles(users[0]) if len(users) == 1 else None

        return self._cached(("member", membership_number), load)

    def with_role(self, role: str, *, branch: str | None = None, region: str | None = None) -> list[Person]:
        """Everyone holding ``role``, optionally only in ``branch`` and/or ``region``."""

        def load() -> list[Person]:
            members = self._admin.get_realm_role_members(role, {"briefRepresentation": False})
            return [self._person(m, frozenset({role})) for m in members]

        people = self._cached(("role", role), load)
        return [p for p in people if (branch is None or p.branch == branch) and (region is None or p.region == region)]
