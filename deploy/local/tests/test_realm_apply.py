"""Realm changes after the first install reach a running realm through the admin API, idempotently.

The provider starts with the realm as a first install might have imported it (no ``basic`` scope,
password grant on the portal, no provisioning client); ``apply`` then brings it in line with the
realm file, over HTTP, with the same python-keycloak calls it makes against Keycloak.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jwt
from casework_keycloak.apply import RealmApplier
from casework_keycloak.realmfile import DEV_OVERLAY, REALM_FILE, load_document
from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from standalone_idp import REALM_ENV, Idp

from casework_common.auth import TokenValidator


def first_install(realm: dict[str, Any]) -> dict[str, Any]:
    """``realm`` as an earlier file had it: basic without auth_time and not a default of the realm or
    of casework-dev, password grant on the portal, no provisioning client. (The admin client keeps
    basic: an admin whose tokens lack sub cannot sign in to the admin API to fix anything; in
    production apply signs in through the master realm.)"""
    old = json.loads(json.dumps(realm))
    basic = next(s for s in old["clientScopes"] if s["name"] == "basic")
    basic["protocolMappers"] = [m for m in basic["protocolMappers"] if m["name"] != "auth_time"]
    old["defaultDefaultClientScopes"].remove("basic")
    clients = {c["clientId"]: c for c in old["clients"]}
    clients["casework-dev"]["defaultClientScopes"].remove("basic")
    clients["casework-portal"]["directAccessGrantsEnabled"] = True
    old["clients"] = [c for c in old["clients"] if c["clientId"] != "casework-provisioner"]
    old["users"] = [u for u in old["users"] if u.get("serviceAccountClientId") != "casework-provisioner"]
    return old


def test_apply_brings_an_installed_realm_in_line_with_the_file(start_idp: Callable[[dict[str, Any]], Idp]) -> None:
    desired = load_document(REALM_FILE, [DEV_OVERLAY], REALM_ENV)
    idp = start_idp(first_install(desired))
    admin = KeycloakAdmin(
        connection=KeycloakOpenIDConnection(
            server_url=idp.url,
            realm_name="casework",
            client_id="casework-dev-admin",
            client_secret_key=REALM_ENV["CASEWORK_DEV_ADMIN_CLIENT_SECRET"],
        )
    )
    before = jwt.decode(
        idp.password_token("rachel", client_id="casework-dev").json()["access_token"],
        options={"verify_signature": False},
    )
    assert "sub" not in before

    planned = RealmApplier(admin, desired, dry_run=True).run()
    assert "client scope basic: add mapper auth_time" in planned.changes
    assert "client casework-portal: directAccessGrantsEnabled" in planned.changes
    assert "client casework-provisioner: create" in planned.changes
    assert "realm default client scope basic: add" in planned.changes
    assert "client casework-dev: defaultClientScopes add basic" in planned.changes
    assert "sub" not in jwt.decode(
        idp.password_token("rachel", client_id="casework-dev").json()["access_token"],
        options={"verify_signature": False},
    )

    done = RealmApplier(admin, desired).run()
    assert {c for c in planned.changes if "once the client exists" not in c} <= set(done.changes)
    assert any(c.startswith("service account of casework-provisioner: realm-management roles") for c in done.changes)

    # Tokens now carry sub and services accept them; the portal no longer takes passwords.
    token = idp.password_token("rachel", client_id="casework-dev").json()["access_token"]
    assert TokenValidator(idp.issuer, "casework-api").validate(token).username == "rachel"
    assert "auth_time" in jwt.decode(token, options={"verify_signature": False})
    portal = admin.get_clients()
    assert not next(c for c in portal if c["clientId"] == "casework-portal")["directAccessGrantsEnabled"]
    # The new provisioning client works with the roles apply gave its service account.
    provisioner = KeycloakAdmin(
        connection=KeycloakOpenIDConnection(
            server_url=idp.url,
            realm_name="casework",
            client_id="casework-provisioner",
            client_secret_key=REALM_ENV["CASEWORK_PROVISIONER_CLIENT_SECRET"],
        )
    )
    assert provisioner.get_users({"q": "membership_number:M100001"})[0]["username"] == "maria"

    again = RealmApplier(admin, desired).run()
    assert again.changes == [] and again.summary() == "the realm already matches the file"
