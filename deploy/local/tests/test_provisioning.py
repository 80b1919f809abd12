"""Provisioning from a membership export, end to end over HTTP against the local provider's admin API.

The same python-keycloak calls run against Keycloak; here they go to a standalone provider serving
the production realm plus the dev overlay, signed in as the production realm's casework-provisioner
service account (manage-users, view-realm: nothing more).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from casework_keycloak.members import read_export
from casework_keycloak.provision import Provisioner
from casework_keycloak.realmfile import DEV_OVERLAY, REALM_FILE, load_document
from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakPostError
from standalone_idp import REALM_ENV, Idp

from casework_common.auth import TokenValidator

EXPORT = (
    "Membership number,Name,Email,Branch,Region,Role\r\n"
    "M100001,Maria Okafor,maria@union.example.org,north-london,london,member\r\n"
    "M200001,Sam Taylor,sam@union.example.org,north-london,london,member\r\n"  # moves from south-london
    "M300001,Siobhán Ó Briain,siobhan@union.example.org,north-london,london,member\r\n"  # joins
    "M300002,Zoë Ngata,zoe@union.example.org,north-london,london,official\r\n"  # joins as staff: needs OTP
    "M300003,Broken Row,not-an-email,north-london,london,member\r\n"
)  # M100002 (Mark, north-london) is not in it: he has left


def admin_for(idp: Idp, client_id: str = "casework-provisioner", secret: str | None = None) -> KeycloakAdmin:
    connection = KeycloakOpenIDConnection(
        server_url=idp.url,
        realm_name="casework",
        client_id=client_id,
        client_secret_key=secret or REALM_ENV["CASEWORK_PROVISIONER_CLIENT_SECRET"],
    )
    return KeycloakAdmin(connection=connection)


def by_number(admin: KeycloakAdmin, number: str) -> dict[str, Any] | None:
    found = admin.get_users({"q": f"membership_number:{number}"})
    return found[0] if found else None


@pytest.fixture
def idp(start_idp: Callable[[dict[str, Any]], Idp]) -> Idp:
    return start_idp(load_document(REALM_FILE, [DEV_OVERLAY], REALM_ENV))


def test_dry_run_reports_and_changes_nothing(idp: Idp) -> None:
    admin = admin_for(idp)
    report = Provisioner(admin, dry_run=True).run(read_export(EXPORT.encode("utf-8")))
    assert report.counts() == {"created": 2, "updated": 1, "disabled": 1, "unchanged": 1, "errors": 1}
    assert report.summary().startswith("dry run, nothing changed")
    assert by_number(admin, "M300001") is None
    assert by_number(admin, "M100002")["enabled"] is True
    assert by_number(admin, "M200001")["attributes"]["branch"] == ["south-london"]


def test_provisioning_creates_moves_disables_and_is_idempotent(idp: Idp) -> None:
    admin = admin_for(idp)
    first = Provisioner(admin).run(read_export(b"\xef\xbb\xbf" + EXPORT.encode("utf-8")))
    assert first.counts() == {"created": 2, "updated": 1, "disabled": 1, "unchanged": 1, "errors": 1}
    assert first.created == ["M300001", "M300002"] and first.updated == ["M200001"] and first.disabled == ["M100002"]
    assert first.errors == ["row 6: email 'not-an-email' is not an email address"]
    assert "branch south-london -> north-london" in " ".join(first.lines)

    siobhan, zoe, mark = by_number(admin, "M300001"), by_number(admin, "M300002"), by_number(admin, "M100002")
    assert (siobhan["firstName"], siobhan["lastName"], siobhan["username"]) == ("Siobhán Ó", "Briain", "m300001")
    assert siobhan["requiredActions"] == ["VERIFY_EMAIL", "UPDATE_PASSWORD"] and not siobhan["emailVerified"]
    assert zoe["requiredActions"] == ["VERIFY_EMAIL", "UPDATE_PASSWORD", "CONFIGURE_TOTP"]
    assert {r["name"] for r in admin.get_realm_roles_of_user(zoe["id"])} >= {"official"}
    assert mark["enabled"] is False  # kept, not deleted: his cases still point at him
    assert by_number(admin, "M200001")["attributes"]["branch"] == ["north-london"]

    # The same people exported again, this time from a Windows spreadsheet: nothing to do.
    again = Provisioner(admin).run(read_export(EXPORT.encode("cp1252")))
    assert again.counts() == {"created": 0, "updated": 0, "disabled": 0, "unchanged": 4, "errors": 1}

    # A leaver cannot sign in; a new member cannot until the required actions are done.
    assert idp.password_token("mark").status_code in (400, 401)
    admin.set_user_password(siobhan["id"], "first-password", temporary=False)
    refused = idp.password_token("siobhan@union.example.org", "first-password")
    assert refused.status_code == 400 and refused.json()["error_description"] == "Account is not fully set up"

    # Once the actions are done (here by an administrator: realm-admin works as well as manage-users),
    # the member signs in and services accept the token with the export's branch, region and role.
    admin_for(idp, "casework-dev-admin", REALM_ENV["CASEWORK_DEV_ADMIN_CLIENT_SECRET"]).update_user(
        siobhan["id"], {"requiredActions": [], "emailVerified": True}
    )
    token = idp.password_token("siobhan@union.example.org", "first-password")
    assert token.status_code == 200, token.text
    principal = TokenValidator(idp.issuer, "casework-api").validate(token.json()["access_token"])
    assert (principal.branch, principal.region, principal.membership_number) == ("north-london", "london", "M300001")
    assert "member" in principal.roles and principal.name == "Siobhán Ó Briain"


def test_the_provisioner_account_cannot_do_more_than_manage_users(idp: Idp) -> None:
    services = admin_for(idp, "casework-services", REALM_ENV["CASEWORK_SERVICES_CLIENT_SECRET"])  # view-users only
    with pytest.raises(KeycloakPostError) as refused:
        services.create_user({"username": "intruder", "email": "x@example.org"})
    assert refused.value.response_code == 403
    assert services.get_users({"q": "membership_number:M100001"})[0]["username"] == "maria"


def test_the_command_line_runs_a_dry_run(idp: Idp, tmp_path: Path) -> None:
    export = tmp_path / "members.csv"
    export.write_bytes(EXPORT.encode("cp1252"))
    command = [sys.executable, "-m", "casework_keycloak", "provision", str(export), "--dry-run"]
    command += ["--server-url", idp.url, "--client-secret", REALM_ENV["CASEWORK_PROVISIONER_CLIENT_SECRET"]]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr  # done, but one row was refused
    assert "4 valid rows (windows-1252)" in result.stdout and "error: row 6: email" in result.stdout
    assert "would have 2 created, 1 updated, 1 disabled, 1 unchanged, 1 errors" in result.stdout
    assert "created M300001 (member, north-london/london; required actions VERIFY_EMAIL, UPDATE_PASSWORD)" in (
        result.stdout
    )
