"""The local OpenID Connect provider (casework_local.idp) serving deploy/keycloak's realm + dev overlay."""

from __future__ import annotations

import sys

import requests
from casework_keycloak.realmfile import DEV_OVERLAY, REALM_FILE

from casework_local.process import Managed
from casework_local.servers.base import Server


class IdentityProvider(Server):
    name = "idp"
    port_names = ("idp",)

    def realm_env(self) -> dict[str, str]:
        """The values the realm file's ${...} placeholders need."""
        secrets = self.config.secrets
        return {
            "CASEWORK_PORTAL_URL": self.config.url("portal"),
            "CASEWORK_PORTAL_CLIENT_SECRET": secrets.portal_client_secret,
            "CASEWORK_SERVICES_CLIENT_SECRET": secrets.services_client_secret,
            "CASEWORK_DEMO_PASSWORD": secrets.demo_password,
            "CASEWORK_PROVISIONER_CLIENT_SECRET": secrets.provisioner_client_secret,
            "CASEWORK_DEV_ADMIN_CLIENT_SECRET": secrets.dev_admin_client_secret,
        }

    def process(self) -> Managed:
        key = self.config.path("idp", "signing-key.pem")
        key.parent.mkdir(parents=True, exist_ok=True)
        return Managed(
            self.name,
            [
                sys.executable,
                "-m",
                "casework_local.idp",
                "--realm-file",
                str(REALM_FILE),
                "--overlay",
                str(DEV_OVERLAY),
                "--key-file",
                str(key),
                "--public-url",
                self.config.url("idp"),
                "--host",
                self.config.host,
                "--port",
                str(self.config.ports["idp"]),
            ],
            self.config.path("logs", "idp.log"),
            env=self.realm_env(),
        )

    def ready(self) -> bool:
        return requests.get(f"{self.config.issuer}/.well-known/openid-configuration", timeout=2).ok

    def env(self) -> dict[str, str]:
        return {
            "CASEWORK_OIDC_ISSUER": self.config.issuer,
            "CASEWORK_OIDC_CLIENT_ID": "casework-services",
            "CASEWORK_OIDC_CLIENT_SECRET": self.config.secrets.services_client_secret,
            "CASEWORK_KEYCLOAK_URL": self.config.url("idp"),
        }
