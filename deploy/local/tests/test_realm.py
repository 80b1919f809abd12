"""The local provider reads the realm export (+ dev overlay) exactly as Keycloak would (pure logic)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from casework_keycloak.realmfile import DEV_OVERLAY, REALM_FILE
from standalone_idp import REALM_ENV

from casework_local.idp.claims import mapped_claims, scope_claim
from casework_local.idp.realm import load_realm

ENV = {**REALM_ENV, "CASEWORK_PORTAL_CLIENT_SECRET": "p"}


def test_realm_has_the_roles_clients_and_demo_users() -> None:
    realm = load_realm(REALM_FILE, ENV, [DEV_OVERLAY])
    assert {"member", "rep", "coordinator", "official", "caseworker", "admin"} <= set(realm.realm_roles)
    portal = realm.clients["casework-portal"]
    assert portal.pkce_method == "S256" and portal.secret == "p" and not portal.public and not portal.direct_access
    assert portal.redirect_allowed("https://portal.example.org/auth/callback")
    assert not portal.redirect_allowed("https://evil.example.org/auth/callback")
    assert realm.clients["casework-services"].service_accounts
    assert realm.clients["casework-dev"].direct_access and realm.clients["casework-dev"].public
    assert realm.users["maria"].password == REALM_ENV["CASEWORK_DEMO_PASSWORD"]
    assert realm.users["maria"].property("membership_number") == "M100001"


def test_the_production_realm_alone_has_no_demo_users_or_dev_clients() -> None:
    realm = load_realm(REALM_FILE, ENV)
    assert all(u.service_account_client for u in realm.users.values())
    assert "casework-dev" not in realm.clients and "casework-dev-admin" not in realm.clients


def test_claims_follow_the_protocol_mappers() -> None:
    realm = load_realm(REALM_FILE, ENV, [DEV_OVERLAY])
    portal, rachel = realm.clients["casework-portal"], realm.users["rachel"]
    claims = mapped_claims(realm, portal, rachel, "access", notes={"AUTH_TIME": "1700000000"})
    assert claims["aud"] == "casework-api" and claims["sub"] == rachel.id and claims["auth_time"] == 1700000000
    assert claims["branch"] == "north-london" and claims["preferred_username"] == "rachel"
    assert "rep" in claims["realm_access"]["roles"] and claims["name"] == "Rachel Adeyemi"
    assert claims["allowed-origins"] == ["https://portal.example.org"] and claims["email_verified"] is True
    id_claims = mapped_claims(realm, portal, rachel, "id")
    assert "realm_access" not in id_claims and "aud" not in id_claims and "sub" not in id_claims  # sub: server.py
    userinfo = mapped_claims(realm, portal, rachel, "userinfo")
    assert userinfo["email"] == "rachel@union.example.org" and "acr" not in userinfo


def test_optional_scopes_apply_only_when_asked_for() -> None:
    realm = load_realm(REALM_FILE, ENV, [DEV_OVERLAY])
    portal = realm.clients["casework-portal"]
    assert scope_claim(realm, portal, None) == "profile email"
    assert scope_claim(realm, portal, "openid offline_access") == "openid profile email offline_access"
    assert scope_claim(realm, portal, "openid made-up") == "openid profile email"


def test_service_account_tokens_carry_the_client_id_and_the_admin_api_audience() -> None:
    realm = load_realm(REALM_FILE, ENV)
    services = realm.clients["casework-services"]
    account = realm.service_account("casework-services")
    claims = mapped_claims(realm, services, account, "access", notes={"client_id": "casework-services"})
    assert claims["client_id"] == "casework-services"
    assert sorted(claims["aud"]) == ["casework-api", "realm-management"]
    assert claims["resource_access"]["realm-management"]["roles"] == ["view-users"]


def test_missing_placeholder_values_are_an_error() -> None:
    with pytest.raises(KeyError, match="CASEWORK_PORTAL_CLIENT_SECRET"):
        load_realm(REALM_FILE, {k: v for k, v in ENV.items() if k != "CASEWORK_PORTAL_CLIENT_SECRET"})


def test_a_mapper_type_the_provider_cannot_reproduce_is_refused(tmp_path: Path) -> None:
    document = json.loads(REALM_FILE.read_text())
    document["clientScopes"][0]["protocolMappers"].append(
        {"name": "groups", "protocol": "openid-connect", "protocolMapper": "oidc-group-membership-mapper", "config": {}}
    )
    (tmp_path / "casework-realm.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="oidc-group-membership-mapper"):
        load_realm(tmp_path / "casework-realm.json", ENV)
