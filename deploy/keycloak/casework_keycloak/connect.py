"""A python-keycloak admin client from command-line options or the environment."""

from __future__ import annotations

import argparse
import os

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Where Keycloak is and how to sign in: a service account (client id + secret) or an admin user."""
    env = os.environ.get
    parser.add_argument("--server-url", default=env("CASEWORK_KEYCLOAK_URL", "http://127.0.0.1:8180"))
    parser.add_argument("--realm", default=env("CASEWORK_KEYCLOAK_REALM", "casework"))
    parser.add_argument(
        "--client-id",
        default=env("CASEWORK_KEYCLOAK_ADMIN_CLIENT_ID", "casework-provisioner"),
        help="service account with realm-management roles (or admin-cli with --username)",
    )
    parser.add_argument("--client-secret", default=env("CASEWORK_KEYCLOAK_ADMIN_CLIENT_SECRET"))
    parser.add_argument("--username", default=env("CASEWORK_KEYCLOAK_ADMIN_USERNAME"), help="an admin user instead")
    parser.add_argument("--password", default=env("CASEWORK_KEYCLOAK_ADMIN_PASSWORD"))
    parser.add_argument(
        "--user-realm", default=env("CASEWORK_KEYCLOAK_ADMIN_REALM"), help="the admin user's realm, e.g. master"
    )
    parser.add_argument("--insecure", action="store_true", help="do not verify Keycloak's TLS certificate")


def admin_from_options(args: argparse.Namespace) -> KeycloakAdmin:
    """A KeycloakAdmin working on ``args.realm``; the token comes from ``args.user_realm`` (default: the same)."""
    if args.username:
        connection = KeycloakOpenIDConnection(
            server_url=args.server_url,
            username=args.username,
            password=args.password,
            realm_name=args.realm,
            user_realm_name=args.user_realm or "master",
            client_id="admin-cli" if args.client_id == "casework-provisioner" else args.client_id,
            verify=not args.insecure,
        )
    else:
        if not args.client_secret:
            raise SystemExit("give --client-secret (or CASEWORK_KEYCLOAK_ADMIN_CLIENT_SECRET), or --username")
        connection = KeycloakOpenIDConnection(
            server_url=args.server_url,
            realm_name=args.realm,
            user_realm_name=args.user_realm or args.realm,
            client_id=args.client_id,
            client_secret_key=args.client_secret,
            verify=not args.insecure,
        )
    return KeycloakAdmin(connection=connection)
