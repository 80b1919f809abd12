"""Token claims built the way Keycloak builds them: from the client's scopes' protocol mappers."""

from __future__ import annotations

from typing import Any

from casework_local.idp.realm import Client, Mapper, Realm, User


def _set(claims: dict[str, Any], name: str, value: Any) -> None:
    """Keycloak treats dots in a claim name as nesting (``realm_access.roles``)."""
    *parents, leaf = name.split(".")
    target = claims
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def _apply(mapper: Mapper, realm: Realm, client: Client, user: User, claims: dict[str, Any], aud: list[str]) -> None:
    config = mapper.config
    if mapper.kind in ("oidc-usermodel-attribute-mapper", "oidc-usermodel-property-mapper"):
        value = user.property(config["user.attribute"])
        if value is not None:
            _set(claims, config["claim.name"], value)
    elif mapper.kind == "oidc-full-name-mapper":
        name = " ".join(p for p in (user.first_name, user.last_name) if p)
        if name:
            claims["name"] = name
    elif mapper.kind == "oidc-audience-mapper":
        audience = config.get("included.custom.audience") or config.get("included.client.audience")
        if audience and audience not in aud:
            aud.append(audience)
    elif mapper.kind == "oidc-usermodel-realm-role-mapper":
        _set(claims, config["claim.name"], realm.default_roles + list(user.realm_roles))
    elif mapper.kind == "oidc-usermodel-client-role-mapper":
        for client_id, roles in user.client_roles.items():
            _set(claims, config["claim.name"].replace("${client_id}", client_id), list(roles))
    else:
        raise ValueError(f"protocol mapper {mapper.kind} is not supported by the local provider")


def mapped_claims(realm: Realm, client: Client, user: User, token: str) -> tuple[dict[str, Any], list[str]]:
    """Claims for ``token`` ("access", "id" or "userinfo") and the audiences mappers add."""
    claims: dict[str, Any] = {}
    audiences: list[str] = []
    for scope in client.default_scopes:
        for mapper in realm.scopes.get(scope, []):
            if mapper.applies_to(token):
                _apply(mapper, realm, client, user, claims, audiences)
    return claims, audiences
