"""A standalone local identity provider on a free port, for tests that need a real one but not the platform."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from casework_local.config import free_ports

#: Values for the realm files' ${...} placeholders.
REALM_ENV = {
    "CASEWORK_PORTAL_URL": "https://portal.example.org",
    "CASEWORK_PORTAL_CLIENT_SECRET": "portal-secret",
    "CASEWORK_SERVICES_CLIENT_SECRET": "services-secret",
    "CASEWORK_PROVISIONER_CLIENT_SECRET": "provisioner-secret",
    "CASEWORK_DEV_ADMIN_CLIENT_SECRET": "dev-admin-secret",
    "CASEWORK_DEMO_PASSWORD": "demo-pw",
}


@dataclass
class Idp:
    """A running provider: its base URL, issuer and the realm document it serves."""

    url: str
    realm: dict[str, Any]

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{self.realm['realm']}"

    def password_token(
        self, username: str, password: str = REALM_ENV["CASEWORK_DEMO_PASSWORD"], client_id: str | None = None
    ) -> requests.Response:
        """The token response of a password grant on ``client_id`` (default: the first client that allows it)."""
        allowing = [c for c in self.realm["clients"] if c.get("directAccessGrantsEnabled", True)]
        client = next(c for c in allowing if client_id in (None, c["clientId"]))
        data = {"grant_type": "password", "username": username, "password": password, "client_id": client["clientId"]}
        auth = None if client.get("publicClient") else (client["clientId"], client["secret"])
        return requests.post(f"{self.issuer}/protocol/openid-connect/token", data=data, auth=auth, timeout=10)


def start_idp_process(realm: dict[str, Any], folder: Path) -> tuple[Idp, subprocess.Popen[bytes]]:
    """Run python -m casework_local.idp on a free port serving ``realm`` (a realm document)."""
    (port,) = free_ports(1)
    folder.mkdir(parents=True, exist_ok=True)
    realm_file = folder / f"{realm['realm']}-realm.json"
    realm_file.write_text(json.dumps(realm))
    url = f"http://127.0.0.1:{port}"
    log = (folder / "idp.log").open("wb")
    command = [sys.executable, "-m", "casework_local.idp", "--realm-file", str(realm_file)]
    command += ["--key-file", str(folder / "key.pem"), "--public-url", url, "--port", str(port)]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **REALM_ENV})
    discovery = f"{url}/realms/{realm['realm']}/.well-known/openid-configuration"
    for _ in range(300):  # readiness poll, not a timing assertion
        if process.poll() is not None:
            break
        try:
            if requests.get(discovery, timeout=1).ok:
                return Idp(url, realm), process
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the identity provider did not start: " + (folder / "idp.log").read_text())
