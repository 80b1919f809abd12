"""The local stack's command line.

python -m casework_local up      start everything, print where to go, run until Ctrl-C
python -m casework_local token U print an access token for demo user U (for curl)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import requests

from casework_local import demo
from casework_local.config import StackConfig, default_state_dir, resolve_ports
from casework_local.process import StartError
from casework_local.stack import Stack
from casework_local.supervision import Unrecoverable


def _config() -> StackConfig:
    state_dir = Path(os.environ.get("CASEWORK_STATE_DIR") or default_state_dir())
    config = StackConfig(state_dir=state_dir, ports=resolve_ports())
    if os.environ.get("CASEWORK_OCR_WORKERS"):
        config.ocr_workers = int(os.environ["CASEWORK_OCR_WORKERS"])
    return config


def banner(stack: Stack) -> str:
    config = stack.config
    users = "\n".join(f"      {name:<8} {about}" for name, about in demo.DEMO_USERS.items())
    return f"""
  Casework is running.

    Portal     {config.url("portal")}
    Log in as one of these demo users, password: {config.secrets.demo_password}
{users}

    APIs       workflow {config.url("workflow")}  intake {config.url("intake")}  search {config.url("search")}
               notify {config.url("notify")}  (bearer tokens: python -m casework_local token <user>)
    Identity   {config.issuer}
    Email      every message sent is delivered to {config.path("mail")} (Maildir)
    Logs       {config.path("logs")}
    State      {config.state_dir}  (kept between runs; delete it to start afresh)

  Press Ctrl-C to stop.
"""


def up() -> int:
    config = _config()
    logging.basicConfig(level=logging.WARNING, format="  %(message)s")
    logging.getLogger("casework.stack").setLevel(logging.INFO)
    for chatty in ("kafka", "urllib3"):  # connection retries while servers start are expected
        logging.getLogger(chatty).setLevel(logging.CRITICAL)
    return run(Stack(config))


def run(stack: Stack) -> int:
    """Start ``stack``, supervise it until Ctrl-C/SIGTERM, stop it. The exit code: 0 when stopped
    on request, 1 when it could not start or could not recover from a failure, 130 when
    interrupted while starting. Call from the main thread (it installs signal handlers)."""
    config = stack.config
    print(f"Starting casework (state in {config.state_dir}) ...", flush=True)
    # While starting, Ctrl-C or SIGTERM interrupts at once (start() stops what it started).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        stack.start()
        if config.seed_demo:
            demo.seed(config)
    except (StartError, requests.RequestException) as exc:
        stack.stop()
        print(f"\ncasework: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        stack.stop()
        print("\nStopped before start-up finished.", file=sys.stderr)
        return 130
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(banner(stack), flush=True)
    code = 0
    try:
        stack.supervise(stop)
    except Unrecoverable as exc:
        print(f"\ncasework: the stack cannot recover: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        print("Stopping casework ...", flush=True)
        stack.stop()
        print("Stopped.", flush=True)
    return code


def token(username: str) -> int:
    config = _config()
    stack = Stack(config)  # loads the secrets; starts nothing
    print(demo.password_token(stack.config, username))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="casework_local", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the platform")
    token_parser = sub.add_parser("token", help="print an access token for a demo user")
    token_parser.add_argument("username")
    args = parser.parse_args()
    if args.command == "up":
        return up()
    return token(args.username)


if __name__ == "__main__":
    sys.exit(main())
