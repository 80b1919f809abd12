"""The realm file imports into Keycloak 26 as it is, and the local provider derives tokens from it as Keycloak does.

Keycloak builds its built-in client scopes (``basic``, ``roles``, ...) only for a realm import that
declares no clientScopes; ours declares some, so every built-in scope a token depends on must be in
the file. The local provider adds no claim of its own: a realm without ``basic`` gives tokens
without ``sub`` here exactly as it would in Keycloak, and the services refuse them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from casework_keycloak.realmfile import DEV_OVERLAY, REALM_FILE, load_document
from standalone_idp import REALM_ENV, Idp

from casework_common.auth import AuthError, TokenValidator

BUILT_IN_SCOPES = {
    "basic": {"sub": "oidc-sub-mapper", "auth_time": "oidc-usersessionmodel-note-mapper"},
    "roles": {
        "realm roles": "oidc-usermodel-realm-role-mapper",
        "client roles": "oidc-usermodel-client-role-mapper",
        "audience resolve": "oidc-audience-resolve-mapper",
    },
    "web-origins": {"allowed web origins": "oidc-allowed-origins-mapper"},
    "acr": {"acr loa level": "oidc-acr-mapper"},
    "email": {"email": "oidc-usermodel-attribute-mapper", "email verified": "oidc-usermodel-property-mapper"},
}


def production_realm() -> dict[str, Any]:
    return json.loads(REALM_FILE.read_text())


def dev_realm() -> dict[str, Any]:
    return load_document(REALM_FILE, [DEV_OVERLAY], REALM_ENV)


def without_scope(realm: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy of ``realm`` in which the client scope ``name`` does not exist."""
    copy = json.loads(json.dumps(realm))
    copy["clientScopes"] = [s for s in copy["clientScopes"] if s["name"] != name]
    for holder in [copy, *copy["clients"]]:
        for key in ("defaultDefaultClientScopes", "defaultClientScopes"):
            if key in holder:
                holder[key] = [s for s in holder[key] if s != name]
    return copy


def test_production_realm_is_a_keycloak_26_export_with_the_built_in_scopes() -> None:
    realm = production_realm()
    assert realm["keycloakVersion"].startswith("26.")
    scopes = {s["name"]: s for s in realm["clientScopes"]}
    for name, mappers in BUILT_IN_SCOPES.items():
        found = {m["name"]: m["protocolMapper"] for m in scopes[name]["protocolMappers"]}
        assert mappers.items() <= found.items(), name
    assert scopes["basic"]["protocolMappers"][0]["config"]["access.token.claim"] == "true"
    expected_defaults = {"basic", "roles", "web-origins", "acr", "profile", "email", "casework-claims", "casework-api"}
    assert set(realm["defaultDefaultClientScopes"]) == expected_defaults
    clients = {c["clientId"]: c for c in realm["clients"]}
    assert set(clients["casework-portal"]["defaultClientScopes"]) == expected_defaults
    assert "casework-api" in clients["casework-services"]["defaultClientScopes"]
    for client in realm["clients"]:
        assert {"basic", "roles"} <= set(client["defaultClientScopes"]), client["clientId"]
        assert set(client["defaultClientScopes"]) | set(client.get("optionalClientScopes", [])) <= set(scopes)


def test_production_realm_has_no_password_grant_and_no_demo_users() -> None:
    realm = production_realm()
    # Keycloak enables the direct-access (password) grant on a client whose entry does not say otherwise.
    allowing = [c["clientId"] for c in realm["clients"] if c.get("directAccessGrantsEnabled", True)]
    assert allowing == []
    assert {c["clientId"] for c in realm["clients"]} >= {"casework-portal", "casework-services"}
    assert [u["username"] for u in realm.get("users", [])] == [
        u["username"] for u in realm.get("users", []) if u.get("serviceAccountClientId")
    ]
    assert not any("credentials" in u for u in realm.get("users", []))


def test_a_realm_without_basic_gives_tokens_without_sub_that_services_refuse(
    start_idp: Callable[[dict[str, Any]], Idp],
) -> None:
    idp = start_idp(without_scope(dev_realm(), "basic"))
    response = idp.password_token("rachel")
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert "sub" not in claims and "auth_time" not in claims
    assert claims["branch"] == "north-london"  # the other scopes still apply
    with pytest.raises(AuthError):
        TokenValidator(idp.issuer, "casework-api").validate(token)


def test_the_full_realm_gives_tokens_services_accept(start_idp: Callable[[dict[str, Any]], Idp]) -> None:
    idp = start_idp(dev_realm())
    token = idp.password_token("rachel").json()["access_token"]
    principal = TokenValidator(idp.issuer, "casework-api").validate(token)
    assert principal.username == "rachel" and principal.branch == "north-london" and "rep" in principal.roles
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == principal.subject and claims["acr"] == "1" and "auth_time" in claims
    assert claims["scope"] == "profile email"  # include.in.token.scope: roles, basic, acr ... are not listed
