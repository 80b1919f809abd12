"""Reads a Keycloak realm export (and its users files) into the local provider's model.

Only the parts of the export the casework realm uses are interpreted: realm roles,
clients, client scopes with their protocol mappers, users with attributes, roles and
passwords. ``${VAR}`` / ``${VAR:default}`` placeholders are resolved from the
environment, as Keycloak does at import.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)(?::([^}]*))?\}")
_UUID_NAMESPACE = uuid.UUID("0f4b9f7e-3c55-4e59-9b1e-6c3c5f1f2a10")


def _resolve(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise KeyError(f"realm file needs environment variable {name}")

        return _PLACEHOLDER.sub(sub, value)
    if isinstance(value, list):
        return [_resolve(v, env) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, env) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Mapper:
    name: str
    kind: str  # Keycloak protocolMapper id, e.g. oidc-usermodel-attribute-mapper
    config: dict[str, str]

    def applies_to(self, kind: str) -> bool:
        """Whether this mapper writes into the ``kind`` ("access", "id", "userinfo") token."""
        return self.config.get(f"{kind}.token.claim", "true" if kind == "access" else "false") == "true"


@dataclass(frozen=True)
class Client:
    client_id: str
    secret: str | None
    public: bool
    standard_flow: bool
    direct_access: bool
    service_accounts: bool
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    web_origins: tuple[str, ...]
    default_scopes: tuple[str, ...]
    pkce_method: str | None
    access_token_lifespan: int | None

    def redirect_allowed(self, uri: str) -> bool:
        return any(fnmatch.fnmatchcase(uri, pattern) for pattern in self.redirect_uris)

    def post_logout_allowed(self, uri: str) -> bool:
        return any(fnmatch.fnmatchcase(uri, pattern) for pattern in self.post_logout_redirect_uris)


@dataclass(frozen=True)
class User:
    id: str
    username: str
    enabled: bool
    email: str | None
    email_verified: bool
    first_name: str | None
    last_name: str | None
    attributes: dict[str, list[str]]
    realm_roles: tuple[str, ...]
    client_roles: dict[str, tuple[str, ...]]
    password: str | None = field(repr=False)
    service_account_client: str | None = None

    def property(self, name: str) -> Any:
        """A user property or attribute as Keycloak's attribute mapper reads it."""
        builtin = {
            "username": self.username,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "emailVerified": self.email_verified,
        }
        if name in builtin:
            return builtin[name]
        values = self.attributes.get(name)
        return values[0] if values else None

    def representation(self) -> dict[str, Any]:
        """Keycloak's admin-API UserRepresentation."""
        return {
            "id": self.id,
            "username": self.username,
            "enabled": self.enabled,
            "email": self.email,
            "emailVerified": self.email_verified,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "attributes": self.attributes,
        }


@dataclass
class Realm:
    name: str
    access_token_lifespan: int
    realm_roles: set[str]
    clients: dict[str, Client]
    scopes: dict[str, list[Mapper]]
    users: dict[str, User]

    @property
    def default_roles(self) -> list[str]:
        # Keycloak gives every user the composite default role and its members.
        return [f"default-roles-{self.name}", "offline_access", "uma_authorization"]

    def user_by_id(self, user_id: str) -> User | None:
        return next((u for u in self.users.values() if u.id == user_id), None)

    def service_account(self, client_id: str) -> User | None:
        return next((u for u in self.users.values() if u.service_account_client == client_id), None)


def _client(raw: dict[str, Any]) -> Client:
    attributes = raw.get("attributes", {})
    lifespan = attributes.get("access.token.lifespan")
    post_logout = attributes.get("post.logout.redirect.uris", "")
    return Client(
        client_id=raw["clientId"],
        secret=raw.get("secret"),
        public=bool(raw.get("publicClient", False)),
        standard_flow=bool(raw.get("standardFlowEnabled", True)),
        direct_access=bool(raw.get("directAccessGrantsEnabled", False)),
        service_accounts=bool(raw.get("serviceAccountsEnabled", False)),
        redirect_uris=tuple(raw.get("redirectUris", [])),
        post_logout_redirect_uris=tuple(p for p in post_logout.split("##") if p),
        web_origins=tuple(raw.get("webOrigins", [])),
        default_scopes=tuple(raw.get("defaultClientScopes", [])),
        pkce_method=attributes.get("pkce.code.challenge.method"),
        access_token_lifespan=int(lifespan) if lifespan else None,
    )


def _user(raw: dict[str, Any]) -> User:
    password = next((c.get("value") for c in raw.get("credentials", []) if c.get("type") == "password"), None)
    return User(
        id=raw.get("id") or str(uuid.uuid5(_UUID_NAMESPACE, raw["username"])),
        username=raw["username"],
        enabled=bool(raw.get("enabled", True)),
        email=raw.get("email"),
        email_verified=bool(raw.get("emailVerified", False)),
        first_name=raw.get("firstName"),
        last_name=raw.get("lastName"),
        attributes={k: list(v) for k, v in raw.get("attributes", {}).items()},
        realm_roles=tuple(raw.get("realmRoles", [])),
        client_roles={k: tuple(v) for k, v in raw.get("clientRoles", {}).items()},
        password=password,
        service_account_client=raw.get("serviceAccountClientId"),
    )


def load_realm(realm_file: Path, env: dict[str, str] | None = None) -> Realm:
    """Load ``<realm>-realm.json`` and any ``<realm>-users-N.json`` beside it."""
    env = dict(os.environ if env is None else env)
    raw = _resolve(json.loads(realm_file.read_text()), env)
    name = raw["realm"]
    lifespan = int(raw.get("accessTokenLifespan", 300))
    users_raw = list(raw.get("users", []))
    for users_file in sorted(realm_file.parent.glob(f"{name}-users-*.json")):
        users_raw.extend(_resolve(json.loads(users_file.read_text()), env).get("users", []))
    scopes = {
        scope["name"]: [
            Mapper(m["name"], m["protocolMapper"], dict(m.get("config", {}))) for m in scope.get("protocolMappers", [])
        ]
        for scope in raw.get("clientScopes", [])
    }
    return Realm(
        name=name,
        access_token_lifespan=lifespan,
        realm_roles={r["name"] for r in raw.get("roles", {}).get("realm", [])},
        clients={c["clientId"]: _client(c) for c in raw.get("clients", [])},
        scopes=scopes,
        users={user.username: user for user in map(_user, users_raw)},
    )
