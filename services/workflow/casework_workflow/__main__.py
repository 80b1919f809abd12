"""Run the workflow service: REST on CASEWORK_HTTP_PORT, gRPC on CASEWORK_GRPC_PORT, outbox relay."""

from __future__ import annotations

import sys
from pathlib import Path

from casework_common import db, events, kafka, rpc
from casework_common.auth import TokenValidator
from casework_common.logs import configure_logging
from casework_common.outbox import OutboxRelay
from casework_common.runtime import ServiceRuntime
from casework_common.web import create_app
from casework_workflow import api, grpc_service
from casework_workflow.cases import CaseStore
from casework_workflow.settings import WorkflowSettings
from casework_workflow.tables import outbox


def main() -> int:
    settings = WorkflowSettings()
    configure_logging(settings.service_name, settings.log_level)
    engine = db.make_engine(settings)
    db.migrate(engine, settings.database_schema, Path(__file__).parent / "migrations")
    kafka.ensure_topics(settings.kafka_bootstrap, [events.CASE_EVENTS], settings.kafka_topic_partitions)
    producer = kafka.make_producer(settings)
    validator = TokenValidator.from_settings(settings)
    store = CaseStore(engine)

    app = create_app(
        settings.service_name,
        validator,
        readiness={
            "database": lambda: db.ready(engine),
            "kafka": kafka.BrokerCheck(settings.kafka_bootstrap),
            "identity": validator.ready,
        },
    )
    app.register_blueprint(api.blueprint(store))
    grpc_server, _ = rpc.make_server(
        settings.service_name, settings.grpc_port, settings.grpc_workers, [grpc_service.register(store, validator)]
    )
    runtime = ServiceRuntime(settings.service_name)
    runtime.add_loop("outbox-relay", OutboxRelay(engine, outbox, producer, settings.service_name).run)
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads, grpc_server)


if __name__ == "__main__":
    sys.exit(main())
