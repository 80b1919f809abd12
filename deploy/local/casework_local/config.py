"""Where the one-machine stack keeps its data, which ports it uses, and its generated secrets."""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

DEPLOY_DIR = Path(__file__).resolve().parents[2]
REALM_FILE = DEPLOY_DIR / "keycloak" / "casework-realm.json"

# Name -> default port. Each can be overridden with CASEWORK_PORT_<NAME>.
DEFAULT_PORTS: dict[str, int] = {
    "portal": 8080,
    "idp": 8180,
    "workflow": 8110,
    "workflow_grpc": 8111,
    "intake": 8120,
    "ocr": 8130,
    "search": 8140,
    "notify": 8150,
    "postgres": 5433,
    "kafka": 9092,
    "opensearch": 9200,
    "smtp": 2525,
    "s3": 8333,
    # SeaweedFS's own components; each also listens on its port + 10000 for gRPC.
    "s3_master": 9333,
    "s3_volume": 9340,
    "s3_filer": 8888,
    "s3_admin": 23646,
}

# Ports a server opens beyond the configured one (SeaweedFS: gRPC = HTTP + 10000).
GRPC_OFFSET = 10000
SEAWEED_PORTS = ("s3", "s3_master", "s3_volume", "s3_filer", "s3_admin")


def default_state_dir() -> Path:
    """Under /var/lib when root (the unprivileged Postgres user must reach it), else XDG state."""
    if os.geteuid() == 0:
        return Path("/var/lib/casework")
    return Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state")) / "casework"


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports the OS says are free now, below 55000 so +10000 gRPC siblings stay valid."""
    found: list[int] = []
    while len(found) < count:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = sock.getsockname()[1]
        if port < 55000 and port not in found and not port_in_use(host, port + GRPC_OFFSET):
            found.append(port)
    return found


def resolve_ports(dynamic: bool = False) -> dict[str, int]:
    """Ports from CASEWORK_PORT_* overrides, else defaults (or free ports when ``dynamic``)."""
    ports = dict(DEFAULT_PORTS)
    if dynamic:
        ports = dict(zip(DEFAULT_PORTS, free_ports(len(DEFAULT_PORTS)), strict=True))
    for name in ports:
        override = os.environ.get(f"CASEWORK_PORT_{name.upper()}")
        if override:
            ports[name] = int(override)
    return ports


@dataclass(frozen=True)
class Secrets:
    """Generated on first start and kept in the state dir (mode 0600); never in the repo."""

    postgres_password: str
    db_passwords: dict[str, str]
    s3_access_key: str
    s3_secret_key: str
    portal_client_secret: str
    services_client_secret: str
    portal_session_secret: str
    demo_password: str

    @classmethod
    def load_or_create(cls, path: Path, db_roles: tuple[str, ...]) -> Secrets:
        data = json.loads(path.read_text()) if path.exists() else {}
        token = lambda: secrets.token_urlsafe(24)  # noqa: E731
        data.setdefault("postgres_password", token())
        data.setdefault("db_passwords", {})
        for role in db_roles:
            data["db_passwords"].setdefault(role, token())
        data.setdefault("s3_access_key", "casework-" + secrets.token_hex(6))
        data.setdefault("s3_secret_key", token())
        data.setdefault("portal_client_secret", token())
        data.setdefault("services_client_secret", token())
        data.setdefault("portal_session_secret", token())
        # Readable words for the person at the keyboard; still unique per installation.
        data.setdefault("demo_password", "demo-" + secrets.token_hex(3))
        path.write_text(json.dumps(data, indent=2))
        path.chmod(0o600)
        return cls(**data)


@dataclass
class StackConfig:
    state_dir: Path
    ports: dict[str, int]
    host: str = "127.0.0.1"
    ocr_workers: int = max(1, os.cpu_count() or 1)
    log_level: str = "INFO"
    seed_demo: bool = True
    # Tokens last this long; tests shorten nothing here (expiry is tested with forged tokens).
    secrets: Secrets | None = None

    def url(self, port_name: str) -> str:
        return f"http://{self.host}:{self.ports[port_name]}"

    @property
    def issuer(self) -> str:
        return f"{self.url('idp')}/realms/casework"

    def path(self, *parts: str) -> Path:
        return self.state_dir.joinpath(*parts)
