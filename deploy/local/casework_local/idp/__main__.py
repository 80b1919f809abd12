"""Run the local provider.

python -m casework_local.idp --realm-file F [--overlay O ...] --key-file K --public-url U --port P
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from cheroot.wsgi import Server

from casework_local.idp.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--realm-file", type=Path, required=True)
    parser.add_argument(
        "--overlay", type=Path, action="append", default=[], help="realm overlay merged on top (repeatable)"
    )
    parser.add_argument("--key-file", type=Path, required=True)
    parser.add_argument("--public-url", required=True, help="base URL clients use, e.g. http://127.0.0.1:8180")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s idp %(levelname)s %(message)s")
    server = Server(
        (args.host, args.port),
        create_app(args.realm_file, args.key_file, args.public_url, args.overlay),
        numthreads=8,
        server_name="casework-idp",
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server.prepare()
    threading.Thread(target=server.serve, daemon=True).start()
    logging.info("identity provider for %s listening on %s:%s", args.realm_file.name, args.host, args.port)
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
