"""Token claims built the way Keycloak builds them: from the client scopes' protocol mappers.

Nothing here adds a claim on its own account: ``sub`` comes from the ``basic`` scope's
oidc-sub-mapper, roles from the ``roles`` scope, the audience from audience mappers, and so on.
A realm without those scopes gives tokens without those claims, as Keycloak would. The only
exceptions are the ones Keycloak makes too: ``sub`` in ID tokens and userinfo (OpenID Connect
requires it) and the protocol claims (iss, exp, iat, jti, typ, azp, sid, scope) set by server.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from casework_local.idp.realm import Client, Mapper, Realm, Scope, User


@dataclass
class Context:
    """What a mapper may read: the realm, client, user, login-session notes and the token being built."""

    realm: Realm
    client: Client
    user: User
    token: str  # "access", "id", "userinfo" or "introspection"
    notes: dict[str, str]
    claims: dict[str, Any] = field(default_factory=dict)
    audience: list[str] = field(default_factory=list)


def _set(claims: dict[str, Any], name: str, value: Any) -> None:
    """Keycloak treats unescaped dots in a claim name as nesting (``realm_access.roles``)."""
    parts = [p.replace("\\.", ".") for p in _split(name)]
    target = claims
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _split(name: str) -> list[str]:
    parts, current, escaped = [], "", False
    for char in name:
        if char == "." and not escaped:
            parts.append(current)
            current = ""
        else:
            current += char
        escaped = char == "\\"
    return [*parts, current]


_JSON_TYPES: dict[str, Callable[[Any], Any]] = {
    "String": str,
    "long": int,
    "int": int,
    "boolean": lambda v: v if isinstance(v, bool) else str(v).lower() == "true",
    "JSON": lambda v: v if isinstance(v, (dict, list)) else json.loads(v),
}


def _typed(config: dict[str, str], values: list[Any]) -> Any:
    """One value or (multivalued) a list, converted to the mapper's jsonType.label."""
    convert = _JSON_TYPES.get(config.get("jsonType.label") or "String", str)
    converted = [convert(v) for v in values if v is not None]
    if config.get("multivalued") == "true":
        return converted
    return converted[0] if converted else None


def _claim(ctx: Context, config: dict[str, str], values: list[Any]) -> None:
    value = _typed(config, values)
    if value is not None and value != [] and config.get("claim.name"):
        _set(ctx.claims, config["claim.name"], value)


def _user_attribute(mapper: Mapper, ctx: Context) -> None:
    _claim(ctx, mapper.config, ctx.user.values(mapper.config.get("user.attribute", "")))


def _session_note(mapper: Mapper, ctx: Context) -> None:
    note = ctx.notes.get(mapper.config.get("user.session.note", ""))
    _claim(ctx, mapper.config, [] if note is None else [note])


def _sub(mapper: Mapper, ctx: Context) -> None:
    ctx.claims["sub"] = ctx.user.id


def _full_name(mapper: Mapper, ctx: Context) -> None:
    name = " ".join(p for p in (ctx.user.first_name, ctx.user.last_name) if p)
    if name:
        ctx.claims["name"] = name


def _realm_roles(mapper: Mapper, ctx: Context) -> None:
    prefix = mapper.config.get("usermodel.realmRoleMapping.rolePrefix", "")
    roles = [prefix + r for r in dict.fromkeys(ctx.realm.default_roles + list(ctx.user.realm_roles))]
    _set(ctx.claims, mapper.config.get("claim.name") or "realm_access.roles", roles)


def _client_roles(mapper: Mapper, ctx: Context) -> None:
    only = mapper.config.get("usermodel.clientRoleMapping.clientId")
    name = mapper.config.get("claim.name") or "resource_access.${client_id}.roles"
    for client_id, roles in ctx.user.client_roles.items():
        if roles and (not only or only == client_id):
            _set(ctx.claims, name.replace("${client_id}", client_id), list(roles))


def _audience(mapper: Mapper, ctx: Context) -> None:
    audience = mapper.config.get("included.client.audience") or mapper.config.get("included.custom.audience")
    if audience:
        ctx.audience.append(audience)


def _audience_resolve(mapper: Mapper, ctx: Context) -> None:
    # Keycloak adds every other client the user holds client roles of (those roles are in the token).
    ctx.audience.extend(c for c, roles in ctx.user.client_roles.items() if roles and c != ctx.client.client_id)


def _allowed_origins(mapper: Mapper, ctx: Context) -> None:
    origins = ctx.client.allowed_origins()
    if origins:
        ctx.claims["allowed-origins"] = origins


def _acr(mapper: Mapper, ctx: Context) -> None:
    # "1" after a login with credentials, "0" when the session was reused from the SSO cookie.
    ctx.claims["acr"] = ctx.notes.get("acr", "1")


def _hardcoded(mapper: Mapper, ctx: Context) -> None:
    _claim(ctx, mapper.config, [mapper.config.get("claim.value")])


MAPPERS: dict[str, Callable[[Mapper, Context], None]] = {
    "oidc-sub-mapper": _sub,
    "oidc-usersessionmodel-note-mapper": _session_note,
    "oidc-usermodel-attribute-mapper": _user_attribute,
    "oidc-usermodel-property-mapper": _user_attribute,
    "oidc-full-name-mapper": _full_name,
    "oidc-usermodel-realm-role-mapper": _realm_roles,
    "oidc-usermodel-client-role-mapper": _client_roles,
    "oidc-audience-mapper": _audience,
    "oidc-audience-resolve-mapper": _audience_resolve,
    "oidc-allowed-origins-mapper": _allowed_origins,
    "oidc-acr-mapper": _acr,
    "oidc-hardcoded-claim-mapper": _hardcoded,
}


def check_mappers(realm: Realm) -> None:
    """Refuse a realm using a mapper type this provider cannot reproduce (better than a silently missing claim)."""
    every = [m for s in realm.scopes.values() for m in s.mappers] + [
        m for c in realm.clients.values() for m in c.mappers
    ]
    unknown = sorted({m.kind for m in every} - MAPPERS.keys())
    if unknown:
        raise ValueError(f"protocol mappers not supported by the local provider: {', '.join(unknown)}")


def applied_scopes(realm: Realm, client: Client, requested: str | None) -> list[Scope]:
    """The client's default scopes plus the optional ones named in the ``scope`` parameter."""
    wanted = set((requested or "").split())
    names = list(client.default_scopes) + [s for s in client.optional_scopes if s in wanted]
    return [realm.scopes[name] for name in dict.fromkeys(names) if name in realm.scopes]


def scope_claim(realm: Realm, client: Client, requested: str | None) -> str:
    """The ``scope`` claim: openid if asked for, then the applied scopes marked include.in.token.scope."""
    names = ["openid"] if "openid" in (requested or "").split() else []
    return " ".join(names + [s.name for s in applied_scopes(realm, client, requested) if s.include_in_token_scope])


def mapped_claims(
    realm: Realm,
    client: Client,
    user: User,
    token: str,
    requested_scope: str | None = None,
    notes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The claims the realm's mappers put into ``token`` ("access", "id", "userinfo", "introspection")."""
    ctx = Context(realm, client, user, token, dict(notes or {}))
    mappers = [m for s in applied_scopes(realm, client, requested_scope) for m in s.mappers] + list(client.mappers)
    for mapper in mappers:
        if mapper.applies_to(token):
            MAPPERS[mapper.kind](mapper, ctx)
    audience = list(dict.fromkeys(ctx.audience))
    if audience:
        ctx.claims["aud"] = audience[0] if len(audience) == 1 else audience
    return ctx.claims
