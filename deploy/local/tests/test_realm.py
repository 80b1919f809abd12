"""The local provider reads the realm export exactly as Keycloak would (pure logic)."""

from __future__ import annotations

import pytest

from casework_local.config import REALM_FILE
from casework_local.idp.claims import mapped_claims
from casework_local.idp.realm import load_realm

ENV = {
    "CASEWORK_PORTAL_URL": "https://portal.example.org",
    "CASEWORK_PORTAL_CLIENT_SECRET": "p",
    "CASEWORK_SERVICES_CLIENT_SECRET": "s",
    "CASEWORK_DEMO_PASSWORD": "pw",
}


def test_realm_has_the_roles_clients_and_demo_users() -> None:
    realm = load_realm(REALM_FILE, ENV)
    assert {"member", "rep", "coordinator", "official", "caseworker", "admin"} <= realm.realm_roles
    portal = realm.clients["casework-portal"]
    assert portal.pkce_method == "S256" and portal.secret == "p" and not portal.public
    assert portal.redirect_allowed("https://portal.example.org/auth/callback")
    assert not portal.redirect_allowed("https://evil.example.org/auth/callback")
    assert realm.clients["casework-services"].service_accounts
    assert realm.users["maria"].password == "pw" and realm.users["maria"].property("membership_number") == "M100001"


def test_claims_follow_the_protocol_mappers() -> None:
    realm = load_realm(REALM_FILE, ENV)
    claims, audiences = mapped_claims(realm, realm.clients["casework-portal"], realm.users["rachel"], "access")
    assert audiences == ["casework-api"]
    assert claims["branch"] == "north-london" and claims["preferred_username"] == "rachel"
    assert "rep" in claims["realm_access"]["roles"] and claims["name"] == "Rachel Adeyemi"
    id_claims, id_audiences = mapped_claims(realm, realm.clients["casework-portal"], realm.users["rachel"], "id")
    assert "realm_access" not in id_claims and id_audiences == []


def test_missing_placeholder_values_are_an_error() -> None:
    with pytest.raises(KeyError, match="CASEWORK_PORTAL_CLIENT_SECRET"):
        load_realm(REALM_FILE, {k: v for k, v in ENV.items() if k != "CASEWORK_PORTAL_CLIENT_SECRET"})
