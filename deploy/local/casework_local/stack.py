"""Start, supervise and stop the whole platform on one machine."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from casework_local import servers as server_registry
from casework_local.config import Secrets, StackConfig, port_in_use
from casework_local.process import Managed, StartError
from casework_local.servers import Server
from casework_local.servers.postgres import SERVICE_ROLES
from casework_local.services import SERVICES, ServiceSpec, service_process
from casework_local.supervision import RestartHistory, RestartPolicy, Unrecoverable

log = logging.getLogger("casework.stack")

SERVICE_READY_TIMEOUT_S = 120.0


class Stack:
    """The real servers, then the services; stopped in reverse order."""

    def __init__(self, config: StackConfig, restart_policy: RestartPolicy | None = None) -> None:
        config.state_dir.mkdir(parents=True, exist_ok=True)
        config.state_dir.chmod(0o755)
        if config.secrets is None:
            config.secrets = Secrets.load_or_create(config.path("secrets.json"), SERVICE_ROLES)
        self.config = config
        self.servers: list[Server] = [cls(config) for cls in server_registry.ALL]
        self.service_specs: tuple[ServiceSpec, ...] = SERVICES
        self.infra: list[Managed] = []  # one per server, in the order of self.servers
        self.services: dict[str, tuple[ServiceSpec, Managed]] = {}
        self.restarts: dict[str, int] = {}
        self.restart_policy = restart_policy or RestartPolicy()
        self._histories: dict[str, RestartHistory] = {}
        self.running = threading.Event()  # set once start() has brought everything up

    def check_ports(self) -> None:
        """Fail before starting anything if a port is taken, naming the setting that moves it."""
        wanted = [port for server in self.servers for port in server.ports()]
        wanted += [
            (key, self.config.ports[key], key)
            for spec in self.service_specs
            for key in (spec.port, spec.grpc_port)
            if key
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
                process = server.process()
                self.infra.append(process)
                self._bring_up(server, process)
            for spec in self.service_specs:
                process = service_process(spec, self.config, self.servers)
                process.start()
                self.services[spec.name] = (spec, process)
            for spec, process in self.services.values():
                started = time.monotonic()
                process.wait_until(lambda s=spec: self.service_ready(s), SERVICE_READY_TIMEOUT_S, "ready (/readyz)")
                log.info("%-10s ready in %.1fs", spec.name, time.monotonic() - started)
        except BaseException:
            self.stop()
            raise
        self.running.set()

    def _bring_up(self, server: Server, process: Managed) -> None:
        started = time.monotonic()
        process.start()
        process.wait_until(server.ready, server.startup_timeout_s, "ready")
        server.provision()
        log.info("%-10s ready in %.1fs", server.name, time.monotonic() - started)

    def service_ready(self, spec: ServiceSpec) -> bool:
        """True when the service's /readyz answers 200."""
        return requests.get(f"{self.config.url(spec.port)}/readyz", timeout=3).status_code == 200

    def supervise(self, stop: threading.Event) -> None:
        """Restart a server or service that dies (as Kubernetes would) until ``stop`` is set.

        Each restart of one process waits longer than the last. A process that keeps dying, or a
        server that will not come back, raises Unrecoverable; the caller then stops the stack.
        """
        while not stop.wait(1.0):
            for index, process in enumerate(list(self.infra)):
                if not process.alive() and not stop.is_set():
                    self._restart_server(index, process, stop)
            if not all(process.alive() for process in self.infra):
                continue  # services would only crash against a missing server; retried with it
            for spec, process in list(self.services.values()):
                if not process.alive() and not stop.is_set():
                    self._restart_service(spec, process, stop, _exit_reason(process))

    def _may_restart(self, name: str, why: str, process: Managed, stop: threading.Event) -> bool:
        """Log the restart and wait its backoff; False if ``stop`` was set meanwhile.
        Raises Unrecoverable once the restart policy's limit is reached."""
        history = self._histories.setdefault(name, RestartHistory(self.restart_policy))
        delay = history.next_delay()
        if delay is None:
            policy = self.restart_policy
            raise Unrecoverable(
                f"{name} {why}, after {policy.max_restarts} restarts within {policy.window_s:.0f}s; giving up.\n"
                f"  Last lines of {process.log_path}:\n{process.tail()}"
            )
        history.record()
        self.restarts[name] = self.restarts.get(name, 0) + 1
        log.warning(
            "%s %s; restarting in %.0fs (restart #%d, log: %s)", name, why, delay, self.restarts[name], process.log_path
        )
        return not stop.wait(delay)

    def _restart_service(self, spec: ServiceSpec, process: Managed, stop: threading.Event, why: str) -> None:
        process.stop()
        if not self._may_restart(spec.name, why, process, stop):
            return
        replacement = service_process(spec, self.config, self.servers)
        replacement.start()
        self.services[spec.name] = (spec, replacement)

    def _restart_server(self, index: int, process: Managed, stop: threading.Event) -> None:
        """Start a dead server again and wait until it is ready. A failed attempt leaves a dead
        process in its place, which the next pass of supervise() retries after a longer wait."""
        server = self.servers[index]
        process.stop()  # also ends what the dead server left behind (Postgres backends hold its memory)
        if not self._may_restart(server.name, _exit_reason(process), process, stop):
            return
        # A server that kept data in memory comes back empty. Services that set things up in it
        # (topics, indices) stop first, so that they cannot write their old view into the new
        # one (Kafka clients would commit their old offsets, beyond the new topics' ends), and
        # start again after it.
        dependents = [self.services[name] for name in server.dependents if name in self.services]
        with ThreadPoolExecutor() as pool:  # at once: each may wait its whole stop timeout on the dead server
            list(pool.map(lambda pair: pair[1].stop(), dependents))
        try:
            replacement = server.process()
            self.infra[index] = replacement
            self._bring_up(server, replacement)
        except (StartError, OSError, requests.RequestException) as exc:
            log.error("%s did not come back: %s", server.name, exc)
            self.infra[index].stop()
            return  # the stopped dependents are started once their server is back
        for spec, _dependent in dependents:
            log.warning("%s restarting: it set up state in %s, which came back empty", spec.name, server.name)
            restarted = service_process(spec, self.config, self.servers)
            restarted.start()
            self.services[spec.name] = (spec, restarted)

    def stop(self) -> None:
        self.running.clear()
        for _spec, process in reversed(list(self.services.values())):
            process.stop()
        for process in reversed(self.infra):
            process.stop()
        self.services.clear()
        self.infra.clear()


def _exit_reason(process: Managed) -> str:
    if process.process is None:
        return "did not start"
    code = process.process.returncode
    if code is not None and code < 0:
        return f"was killed by signal {-code}"
    return f"exited (code {code})"


__all__ = ["Stack", "Unrecoverable"]
