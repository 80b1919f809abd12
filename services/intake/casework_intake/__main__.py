"""Run the intake service: evidence REST API, outbox relay, status consumer, reconciler, erasure consumer."""

from __future__ import annotations

import sys
from pathlib import Path

from casework.v1 import events_pb2
from casework_common import db, events, kafka, storage
from casework_common import erasure as erasures
from casework_common.auth import TokenValidator
from casework_common.logs import configure_logging
from casework_common.outbox import OutboxRelay
from casework_common.refusals import kafka_auditor
from casework_common.runtime import ServiceRuntime
from casework_common.service_token import ServiceTokenProvider
from casework_common.web import create_app, provide
from casework_common.workflow_client import WorkflowClient
from casework_intake import api, api_mail, api_scanning, erasure, gauges
from casework_intake.access import EvidenceAccess
from casework_intake.evidence import EvidenceRecords
from casework_intake.filing import Filing
from casework_intake.idempotency import IdempotencyKeys
from casework_intake.mailroom.held import HeldMail
from casework_intake.mailroom.store import AddressBook, MailLog
from casework_intake.reconciler import Reconciler
from casework_intake.settings import IntakeSettings
from casework_intake.staging import Staging
from casework_intake.tables import outbox
from casework_intake.uploads import Uploads


def main() -> int:
    settings = IntakeSettings()
    configure_logging(settings.service_name, settings.log_level)
    engine = db.make_engine(settings)
    db.migrate_on_start(engine, settings, Path(__file__).parent / "migrations")
    s3 = storage.make_client(settings)
    storage.ensure_bucket(s3, settings.evidence_bucket, retention_days=settings.evidence_retention_days)
    Staging(s3, settings).ensure_bucket()
    kafka.ensure_topics(
        settings,
        [
            events.EVIDENCE_UPLOADED,
            events.EVIDENCE_STATUS,
            events.AUDIT_REFUSALS,
            events.DATA_ERASURES,
            events.DATA_RECEIPTS,
        ],
        settings.kafka_topic_partitions,
    )
    producer = kafka.make_producer(settings)
    validator = TokenValidator.from_settings(settings)
    workflow = WorkflowClient(settings.workflow_grpc, settings.grpc_timeout_s)
    store = EvidenceRecords(engine)
    gauges.register(settings.service_name, engine)
    refusals = kafka_auditor(settings, producer)

    app = create_app(
        settings.service_name,
        validator,
        readiness={
            "database": lambda: db.ready(engine),
            "object_store": lambda: storage.ready(s3, settings.evidence_bucket),
            "kafka": kafka.BrokerCheck(settings),
            "identity": validator.ready,
            "workflow": workflow.ready,
        },
        ready_timeout_s=settings.ready_timeout_s,
        refusals=refusals,
    )
    storage.ensure_bucket(s3, settings.held_bucket)
    staging = Staging(s3, settings)
    filing = Filing(store, staging)
    mail_log = MailLog(engine)
    uploads = Uploads(
        store,
        staging,
        IdempotencyKeys(engine, settings.idempotency_key_ttl_s),
        settings.max_files_per_upload,
        settings.max_nesting_depth,
    )
    provide(
        app,
        store,
        s3,
        workflow,
        settings,
        staging,
        filing,
        uploads,
        mail_log,
        EvidenceAccess(workflow),
        AddressBook(engine),
        HeldMail(mail_log, filing, s3),
        ServiceTokenProvider.from_settings(settings),
    )
    for module in (api, api_mail, api_scanning):
        app.register_blueprint(module.bp)

    status_consumer = kafka.EventConsumer(
        settings,
        "intake-status",
        [events.EVIDENCE_STATUS],
        {events_pb2.EvidenceStatusChanged: lambda change, _event: store.apply_status(change)},
        producer,
    )

    runtime = ServiceRuntime(settings.service_name)
    runtime.add_loop("refusal-audit", refusals.run)
    runtime.add_loop("outbox-relay", OutboxRelay(engine, outbox, producer, settings.service_name).run)
    runtime.add_loop("status-consumer", status_consumer.run)
    runtime.add_loop("reconciler", Reconciler(store, settings).loop())
    if (retention_s3 := erasures.retention_identity(settings, "evidence")) is not None:
        eraser = erasure.EvidenceEraser(engine, retention_s3, settings)
        erasures.add_consumer(runtime, settings, producer, erasure.GROUP, eraser.handle)
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads)


if __name__ == "__main__":
    if sys.argv[1:] == ["mailroom"]:
        from casework_intake.mailroom.process import main as mailroom

        sys.exit(mailroom())
    sys.exit(main())
