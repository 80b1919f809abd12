"""The launcher's failure messages say what went wrong and what to do about it."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from casework_local.config import Secrets, StackConfig, resolve_ports
from casework_local.process import Managed, StartError
from casework_local.servers.postgres import SERVICE_ROLES
from casework_local.stack import Stack


def test_a_busy_port_is_named_with_the_setting_that_moves_it(tmp_path: Path) -> None:
    ports = resolve_ports(dynamic=True)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", ports["intake"]))
        blocker.listen()
        config = StackConfig(
            state_dir=tmp_path, ports=ports, secrets=Secrets.load_or_create(tmp_path / "s.json", SERVICE_ROLES)
        )
        with pytest.raises(StartError) as raised:
            Stack(config).check_ports()
    message = str(raised.value)
    assert f"port {ports['intake']} (intake) is already in use" in message
    assert "CASEWORK_PORT_INTAKE=" in message
    assert "postgres" not in message  # only the busy one is reported


def test_a_process_that_dies_during_start_up_is_reported_with_its_log(tmp_path: Path) -> None:
    process = Managed(
        "broken", [sys.executable, "-c", "print('cannot open data dir'); raise SystemExit(3)"], tmp_path / "broken.log"
    )
    process.start()
    with pytest.raises(StartError) as raised:
        process.wait_until(lambda: False, 10, "ready")
    process.stop()
    assert "broken exited with code 3" in str(raised.value)
    assert "cannot open data dir" in str(raised.value)


def test_a_server_that_never_gets_ready_times_out_with_the_last_error(tmp_path: Path) -> None:
    process = Managed("sleepy", [sys.executable, "-c", "import time; time.sleep(30)"], tmp_path / "sleepy.log")
    process.start()

    def check() -> bool:
        raise ConnectionRefusedError("nothing listening")

    with pytest.raises(StartError) as raised:
        process.wait_until(check, 1, "ready")
    process.stop()
    assert "not ready after 1s" in str(raised.value) and "nothing listening" in str(raised.value)


def test_secrets_are_generated_once_and_private(tmp_path: Path) -> None:
    first = Secrets.load_or_create(tmp_path / "secrets.json", SERVICE_ROLES)
    again = Secrets.load_or_create(tmp_path / "secrets.json", SERVICE_ROLES)
    assert first == again and set(first.db_passwords) == set(SERVICE_ROLES)
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
