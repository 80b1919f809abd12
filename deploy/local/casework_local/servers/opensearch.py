"""The OpenSearch-compatible server: osmem-server from PyPI, in memory (empty after restart;
the search service rebuilds its index from the systems of record)."""

from __future__ import annotations

import osmem_server
import requests

from casework_local.process import Managed
from casework_local.servers.base import Server


class OpenSearch(Server):
    name = "opensearch"
    port_names = ("opensearch",)
    dependents = ("search",)

    def process(self) -> Managed:
        return Managed(
            self.name,
            [
                osmem_server.resolve_binary(),
                "-addr",
                f"{self.config.host}:{self.config.ports['opensearch']}",
                "-no-stdin-watch",
            ],
            self.config.path("logs", "opensearch.log"),
        )

    def ready(self) -> bool:
        return requests.get(self.config.url("opensearch"), timeout=2).ok

    def env(self) -> dict[str, str]:
        return {"CASEWORK_OPENSEARCH_URL": self.config.url("opensearch")}
