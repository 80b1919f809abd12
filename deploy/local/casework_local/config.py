"""Where the one-machine stack keeps its data, which ports it uses, and its generated secrets."""

from __future__ import annotations

import json
import os
import random
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DEPLOY_DIR = Path(__file__).resolve().parents[2]

# Name -> default port. Each can be overridden with CASEWORK_PORT_<NAME>.
DEFAULT_PORTS: dict[str, int] = {
    "portal": 8080,
    "idp": 8180,
    "workflow": 8110,
    "workflow_grpc": 8111,
    "intake": 8120,
    "intake_mailroom": 8121,
    "mailroom": 2526,  # the mailroom's SMTP listener (intake addresses); "smtp" is the outgoing relay
    "ocr": 8130,
    "search": 8140,
    "search_grpc": 8141,
    "notify": 8150,
    "bundle": 8160,
    "bundle_worker": 8161,
    "organising": 8170,
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
    """Free ports for a throw-away stack (tests, benchmarks). They are drawn from 15000-21999, below
    the kernel's ephemeral range (32768+) that outgoing connections take ports from, so a port
    checked free now is not grabbed by some client socket before the server binds it; their
    +10000 gRPC siblings stay below that range too."""
    found: list[int] = []
    for port in random.sample(range(15000, 22000), 7000):
        if not port_in_use(host, port) and not port_in_use(host, port + GRPC_OFFSET):
            found.append(port)
            if len(found) == count:
                return found
    raise RuntimeError("no free ports between 15000 and 21999")


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


def _ed25519_pem() -> str:
    """A new Ed25519 private key as unencrypted PKCS#8 PEM (the audit anchors' signing key)."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass(frozen=True)
class Secrets:
    """Generated on first start and kept in the state dir (mode 0600); never in the repo."""

    postgres_password: str
    db_passwords: dict[str, str]
    s3_access_key: str
    s3_secret_key: str
    # The retention identity: the only one SeaweedFS lets remove governance-locked versions
    # (servers/s3.py); given to the processes that carry out erasure only (services.py).
    s3_retention_access_key: str
    s3_retention_secret_key: str
    # SeaweedFS's key-encryption key for SSE-S3 (32 bytes, hex): kept here, not in the S3 data dir.
    s3_sse_kek: str
    portal_client_secret: str
    services_client_secret: str
    portal_session_secret: str
    demo_password: str
    provisioner_client_secret: str
    dev_admin_client_secret: str
    cover_sheet_secret: str
    audit_signing_key: str  # Ed25519 private key (PEM) that signs the audit chain's anchors (workflow)

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
        data.setdefault("s3_retention_access_key", "casework-retention-" + secrets.token_hex(6))
        data.setdefault("s3_retention_secret_key", token())
        data.setdefault("s3_sse_kek", secrets.token_hex(32))
        data.setdefault("portal_client_secret", token())
        data.setdefault("services_client_secret", token())
        data.setdefault("portal_session_secret", token())
        # Readable words for the person at the keyboard; still unique per installation.
        data.setdefault("demo_password", "demo-" + secrets.token_hex(3))
        data.setdefault("provisioner_client_secret", token())
        data.setdefault("dev_admin_client_secret", token())
        data.setdefault("cover_sheet_secret", secrets.token_urlsafe(32))
        if "audit_signing_key" not in data:
            data["audit_signing_key"] = _ed25519_pem()
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
    secrets: Secrets | None = None  # loaded or generated by Stack

    def url(self, port_name: str) -> str:
        return f"http://{self.host}:{self.ports[port_name]}"

    @property
    def issuer(self) -> str:
        return f"{self.url('idp')}/realms/casework"

    def path(self, *parts: str) -> Path:
        return self.state_dir.joinpath(*parts)
