"""Reads a Keycloak realm export (and its users files) into the local provider's model.

Only the parts of the export the casework realm uses are interpreted: realm roles, clients,
client scopes with their protocol mappers, users with attributes, roles, passwords and required
actions. Placeholders and overlays are handled by casework_keycloak.realmfile, as for the
admin-API tools. Users can also be created and changed at run time through the admin API
subset (app.py), so the user table is guarded by a lock.
"""

from __future__ import annotations

import fnmatch
import json
import os
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from casework_keycloak.realmfile import load_document, resolve

_UUID_NAMESPACE = uuid.UUID("0f4b9f7e-3c55-4e59-9b1e-6c3c5f1f2a10")
TOKEN_KINDS = ("access", "id", "userinfo", "introspection")


@dataclass(frozen=True)
class Mapper:
    name: str
    kind: str  # Keycloak protocolMapper id, e.g. oidc-usermodel-attribute-mapper
    config: dict[str, str]

    def applies_to(self, token: str) -> bool:
        """Whether this mapper writes into the ``token`` ("access", "id", "userinfo", "introspection") token.

        As in Keycloak, a flag that is absent means "no", except introspection, which follows the
        access-token flag when it is not set.
        """
        flag = self.config.get(f"{token}.token.claim")
        if flag is None and token == "introspection":  # noqa: S105 - a token kind, not a secret
            flag = self.config.get("access.token.claim")
        return flag == "true"


@dataclass(frozen=True)
class Scope:
    name: str
    include_in_token_scope: bool
    mappers: tuple[Mapper, ...]


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
    optional_scopes: tuple[str, ...]
    mappers: tuple[Mapper, ...]
    pkce_method: str | None
    access_token_lifespan: int | None

    def redirect_allowed(self, uri: str) -> bool:
        return any(fnmatch.fnmatchcase(uri, pattern) for pattern in self.redirect_uris)

    def post_logout_allowed(self, uri: str) -> bool:
        return any(fnmatch.fnmatchcase(uri, pattern) for pattern in self.post_logout_redirect_uris)

    def allowed_origins(self) -> list[str]:
        """webOrigins as Keycloak resolves them: "+" means the origins of the redirect URIs."""
        origins: list[str] = []
        for origin in self.web_origins:
            if origin == "+":
                origins += [f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in self.redirect_uris if "://" in u]
            else:
                origins.append(origin)
        return list(dict.fromkeys(origins))


@dataclass
class User:
    id: str
    username: str
    enabled: bool
    email: str | None
    email_verified: bool
    first_name: str | None
    last_name: str | None
    attributes: dict[str, list[str]]
    realm_roles: list[str]
    client_roles: dict[str, list[str]]
    password: str | None = field(default=None, repr=False)
    service_account_client: str | None = None
    required_actions: list[str] = field(default_factory=list)
    created_timestamp: int = field(default_factory=lambda: int(time.time() * 1000))

    def property(self, name: str) -> Any:
        """A user property or attribute as Keycloak's attribute and property mappers read it."""
        builtin = {
            "id": self.id,
            "username": self.username,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "emailVerified": self.email_verified,
            "enabled": self.enabled,
            "createdTimestamp": self.created_timestamp,
        }
        if name in builtin:
            return builtin[name]
        values = self.attributes.get(name)
        return values[0] if values else None

    def values(self, name: str) -> list[Any]:
        """All values of a property or attribute (for multivalued mappers)."""
        if name in self.attributes:
            return list(self.attributes[name])
        single = self.property(name)
        return [] if single is None else [single]

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
            "requiredActions": list(self.required_actions),
            "createdTimestamp": self.created_timestamp,
            "totp": False,
            "disableableCredentialTypes": [],
            "notBefore": 0,
            "access": {"manage": True, "impersonate": False},
        }


@dataclass
class Realm:
    name: str
    access_token_lifespan: int
    realm_roles: dict[str, dict[str, Any]]
    clients: dict[str, Client]
    scopes: dict[str, Scope]
    users: dict[str, User]
    document: dict[str, Any] = field(default_factory=dict, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def default_roles(self) -> list[str]:
        # Keycloak gives every user the composite default role and its members.
        return [f"default-roles-{self.name}", "offline_access", "uma_authorization"]

    def user_by_id(self, user_id: str) -> User | None:
        with self.lock:
            return next((u for u in self.users.values() if u.id == user_id), None)

    def service_account(self, client_id: str) -> User | None:
        with self.lock:
            return next((u for u in self.users.values() if u.service_account_client == client_id), None)

    def reconfigure(self, document: dict[str, Any]) -> None:
        """Take a changed realm configuration (admin API writes); people and sessions stay as they are."""
        fresh = realm_from_document({**document, "users": []})
        with self.lock:
            self.access_token_lifespan = fresh.access_token_lifespan
            self.realm_roles, self.clients, self.scopes = fresh.realm_roles, fresh.clients, fresh.scopes
            self.document = document
            for client in self.clients.values():
                # Keycloak gives a client its service-account user when service accounts are switched on.
                if client.service_accounts and self.service_account(client.client_id) is None:
                    username = f"service-account-{client.client_id}"
                    self.users[username] = user_from_representation(
                        {"username": username, "serviceAccountClientId": client.client_id}
                    )

    def add_user(self, user: User) -> None:
        with self.lock:
            if user.username in self.users:
                raise ValueError(f"User exists with same username: {user.username}")
            self.users[user.username] = user


def _mappers(raw: Iterable[dict[str, Any]]) -> tuple[Mapper, ...]:
    return tuple(Mapper(m["name"], m["protocolMapper"], dict(m.get("config", {}))) for m in raw)


def _client(raw: dict[str, Any], realm_defaults: list[str], realm_optional: list[str]) -> Client:
    attributes = raw.get("attributes", {})
    lifespan = attributes.get("access.token.lifespan")
    post_logout = attributes.get("post.logout.redirect.uris", "")
    return Client(
        client_id=raw["clientId"],
        secret=raw.get("secret"),
        public=bool(raw.get("publicClient", False)),
        # Keycloak's defaults for a client entry that does not say: both flows on.
        standard_flow=bool(raw.get("standardFlowEnabled", True)),
        direct_access=bool(raw.get("directAccessGrantsEnabled", True)),
        service_accounts=bool(raw.get("serviceAccountsEnabled", False)),
        redirect_uris=tuple(raw.get("redirectUris", [])),
        post_logout_redirect_uris=tuple(p for p in post_logout.split("##") if p),
        web_origins=tuple(raw.get("webOrigins", [])),
        # A client imported without its own scope lists gets the realm's default ones.
        default_scopes=tuple(raw.get("defaultClientScopes", realm_defaults)),
        optional_scopes=tuple(raw.get("optionalClientScopes", realm_optional)),
        mappers=_mappers(raw.get("protocolMappers", [])),
        pkce_method=attributes.get("pkce.code.challenge.method"),
        access_token_lifespan=int(lifespan) if lifespan else None,
    )


def user_from_representation(raw: dict[str, Any]) -> User:
    """A user from Keycloak's UserRepresentation (realm export or admin-API create)."""
    password = next((c.get("value") for c in raw.get("credentials", []) if c.get("type") == "password"), None)
    return User(
        id=raw.get("id") or str(uuid.uuid5(_UUID_NAMESPACE, raw["username"].lower())),
        username=raw["username"].lower(),  # Keycloak stores usernames in lower case
        enabled=bool(raw.get("enabled", True)),
        email=raw.get("email"),
        email_verified=bool(raw.get("emailVerified", False)),
        first_name=raw.get("firstName"),
        last_name=raw.get("lastName"),
        attributes={k: list(v) if isinstance(v, list) else [v] for k, v in (raw.get("attributes") or {}).items()},
        realm_roles=list(raw.get("realmRoles", [])),
        client_roles={k: list(v) for k, v in raw.get("clientRoles", {}).items()},
        password=password,
        service_account_client=raw.get("serviceAccountClientId"),
        required_actions=list(raw.get("requiredActions", [])),
    )


def object_id(*names: str) -> str:
    """A stable id for a client, client scope or mapper the file gives none (Keycloak would make a random one)."""
    return str(uuid.uuid5(_UUID_NAMESPACE, "/".join(names)))


def _give_ids(raw: dict[str, Any]) -> None:
    for kind, items, key in (
        ("scope", raw.get("clientScopes", []), "name"),
        ("client", raw.get("clients", []), "clientId"),
    ):
        for item in items:
            item.setdefault("id", object_id(kind, item[key]))
            for mapper in item.get("protocolMappers", []):
                mapper.setdefault("id", object_id(kind, item[key], mapper["name"]))


def realm_from_document(raw: dict[str, Any]) -> Realm:
    """The provider's model of a realm document (placeholders already resolved)."""
    from casework_local.idp.claims import check_mappers  # claims imports this module's types

    _give_ids(raw)

    scopes = {
        scope["name"]: Scope(
            name=scope["name"],
            include_in_token_scope=scope.get("attributes", {}).get("include.in.token.scope", "true") == "true",
            mappers=_mappers(scope.get("protocolMappers", [])),
        )
        for scope in raw.get("clientScopes", [])
    }
    defaults = list(raw.get("defaultDefaultClientScopes", []))
    optional = list(raw.get("defaultOptionalClientScopes", []))
    realm = Realm(
        name=raw["realm"],
        access_token_lifespan=int(raw.get("accessTokenLifespan", 300)),
        realm_roles={r["name"]: dict(r) for r in raw.get("roles", {}).get("realm", [])},
        clients={c["clientId"]: _client(c, defaults, optional) for c in raw.get("clients", [])},
        scopes=scopes,
        users={user.username: user for user in map(user_from_representation, raw.get("users", []))},
        document=raw,
    )
    check_mappers(realm)
    return realm


def load_realm(realm_file: Path, env: dict[str, str] | None = None, overlays: Iterable[Path] = ()) -> Realm:
    """Load ``<realm>-realm.json`` with ``overlays`` merged, and any ``<realm>-users-N.json`` beside it."""
    env = dict(os.environ if env is None else env)
    raw = load_document(realm_file, overlays, env)
    for users_file in sorted(realm_file.parent.glob(f"{raw['realm']}-users-*.json")):
        raw.setdefault("users", []).extend(resolve(json.loads(users_file.read_text()), env).get("users", []))
    return realm_from_document(raw)
