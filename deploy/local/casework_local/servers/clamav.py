"""ClamAV's clamd (Debian clamav-daemon), on a local socket, with the signatures in deploy/clamav/.

freshclam cannot reach the signature mirror from these machines, so the shipped database (the
EICAR test signature, ClamAV's own .ndb format) is what this clamd loads.
"""

from __future__ import annotations

import getpass
import shutil
from pathlib import Path

from clamdpy import ClamdUnixSocket

from casework_local.config import DEPLOY_DIR
from casework_local.process import Managed, StartError
from casework_local.servers.base import Server


class ClamAV(Server):
    name = "clamav"
    startup_timeout_s = 120.0  # loading signatures

    @property
    def socket(self) -> str:
        return str(self.config.path("clamav", "clamd.sock"))

    def process(self) -> Managed:
        binary = shutil.which("clamd") or "/usr/sbin/clamd"
        if not Path(binary).exists():
            raise StartError(
                "clamd is not installed (Debian package clamav-daemon); run ./casework up or test to install it."
            )
        root = self.config.path("clamav")
        database = root / "db"
        database.mkdir(parents=True, exist_ok=True)
        for signatures in (DEPLOY_DIR / "clamav").glob("*.ndb"):
            shutil.copy(signatures, database / signatures.name)
        conf = root / "clamd.conf"
        conf.write_text(
            "\n".join(
                [
                    f"LocalSocket {self.socket}",
                    "LocalSocketMode 660",
                    "Foreground yes",
                    f"DatabaseDirectory {database}",
                    f"User {getpass.getuser()}",
                    "LogTime yes",
                    "ScanArchive yes",
                    "MaxFileSize 200M",
                    "MaxScanSize 400M",
                    "StreamMaxLength 210M",
                    # Image fuzzy hashing serves only image-similarity signatures, and made scanning a scanned
                    # PDF 8x slower (0.70 s vs 0.09 s, measured here). Malware detection is unaffected.
                    "ScanImageFuzzyHash no",
                    "",
                ]
            )
        )
        return Managed(self.name, [binary, f"--config-file={conf}"], self.config.path("logs", "clamav.log"))

    def ready(self) -> bool:
        return ClamdUnixSocket(path=self.socket, timeout=2).ping() == "PONG"

    def env(self) -> dict[str, str]:
        return {"CASEWORK_CLAMD_SOCKET": self.socket}
