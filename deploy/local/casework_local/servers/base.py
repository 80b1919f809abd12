"""What every real server of the local stack provides to the launcher."""

from __future__ import annotations

from abc import ABC, abstractmethod

from casework_local.config import StackConfig
from casework_local.process import Managed


class Server(ABC):
    """A dependency (database, broker, ...) started from a registry-installed binary."""

    name: str
    #: config.ports keys this server listens on
    port_names: tuple[str, ...] = ()
    startup_timeout_s: float = 60.0
    #: services to restart after this server restarts: it keeps what they set up at start-up
    #: (topics, indices) in memory only, and forgets it
    dependents: tuple[str, ...] = ()

    def __init__(self, config: StackConfig) -> None:
        self.config = config

    def ports(self) -> list[tuple[str, int, str]]:
        """(what, port, the CASEWORK_PORT_* key that moves it) for every port that must be free."""
        return [(name, self.config.ports[name], name) for name in self.port_names]

    @abstractmethod
    def process(self) -> Managed:
        """The process to run (after preparing any files it needs)."""

    @abstractmethod
    def ready(self) -> bool:
        """True once the server answers real requests."""

    def provision(self) -> None:  # noqa: B027 - optional hook, most servers need nothing
        """One-off set-up after the server is ready (idempotent: runs on every start)."""

    def env(self) -> dict[str, str]:
        """Environment variables services need to reach this server."""
        return {}
