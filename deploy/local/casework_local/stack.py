"""Start, supervise and stop the whole platform on one machine."""

from __future__ import annotations

import logging
import threading
import time

import requests

from casework_local import servers as server_registry
from casework_local.config import Secrets, StackConfig, port_in_use
from casework_local.process import Managed, StartError
from casework_local.servers import Server
from casework_local.servers.postgres import SERVICE_ROLES
from casework_local.services import SERVICES, ServiceSpec, service_process

log = logging.getLogger("casework.stack")

SERVICE_READY_TIMEOUT_S = 120.0


class Stack:
    """The real servers, then the services; stopped in reverse order."""

    def __init__(self, config: StackConfig) -> None:
        config.state_dir.mkdir(parents=True, exist_ok=True)
        config.state_dir.chmod(0o755)
        if config.secrets is None:
            config.secrets = Secrets.load_or_create(config.path("secrets.json"), SERVICE_ROLES)
        self.config = config
        self.servers: list[Server] = [cls(config) for cls in server_registry.ALL]
        self.infra: list[Managed] = []
        self.services: dict[str, tuple[ServiceSpec, Managed]] = {}
        self.restarts: dict[str, int] = {}

    def check_ports(self) -> None:
        """Fail before starting anything if a port is taken, naming the setting that moves it."""
        wanted = [port for server in self.servers for port in server.ports()]
        wanted += [
            (key, self.config.ports[key], key) for spec in SERVICES for key in (spec.port, spec.grpc_port) if key
        ]
        busy = [(what, port, key) for what, port, key in wanted if port_in_use(self.config.host, port)]
        if busy:
            lines = "\n".join(
                f"  port {port} ({what}) is already in use; set CASEWORK_PORT_{key.upper()}=<free port>"
                for what, port, key in busy
            )
            raise StartError(f"cannot start: ports in use (is another casework stack running?)\n{lines}")

    def start(self) -> None:
        self.check_ports()
        try:
            for server in self.servers:
                started = time.monotonic()
                process = server.process()
                process.start()
                self.infra.append(process)
                process.wait_until(server.ready, server.startup_timeout_s, "ready")
                server.provision()
                log.info("%-10s ready in %.1fs", server.name, time.monotonic() - started)
            for spec in SERVICES:
                process = service_process(spec, self.config, self.servers)
                process.start()
                self.services[spec.name] = (spec, process)
            for spec, process in self.services.values():
                started = time.monotonic()
                process.wait_until(lambda s=spec: self._service_ready(s), SERVICE_READY_TIMEOUT_S, "ready (/readyz)")
                log.info("%-10s ready in %.1fs", spec.name, time.monotonic() - started)
        except BaseException:
            self.stop()
            raise

    def _service_ready(self, spec: ServiceSpec) -> bool:
        return requests.get(f"{self.config.url(spec.port)}/readyz", timeout=3).status_code == 200

    def supervise(self, stop: threading.Event) -> None:
        """Restart a service that dies (as Kubernetes would) until ``stop`` is set."""
        while not stop.wait(1.0):
            for name, (spec, process) in list(self.services.items()):
                if process.alive() or stop.is_set():
                    continue
                self.restarts[name] = self.restarts.get(name, 0) + 1
                log.warning(
                    "%s exited (code %s); restarting (restart #%d, log: %s)",
                    name,
                    process.process.returncode if process.process else "?",
                    self.restarts[name],
                    process.log_path,
                )
                process.stop()
                replacement = service_process(spec, self.config, self.servers)
                replacement.start()
                self.services[name] = (spec, replacement)
            for process in self.infra:
                if not process.alive() and not stop.is_set():
                    log.error(
                        "%s exited unexpectedly; stopping the stack. Log: %s\n%s",
                        process.name,
                        process.log_path,
                        process.tail(),
                    )
                    stop.set()

    def stop(self) -> None:
        for _spec, process in reversed(list(self.services.values())):
            process.stop()
        for process in reversed(self.infra):
            process.stop()
        self.services.clear()
        self.infra.clear()
