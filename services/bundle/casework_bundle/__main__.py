"""Run the bundle service.

    python -m casework_bundle          the REST API, its outbox relay, refusal audit and erasure consumer
    python -m casework_bundle worker   a worker: builds the bundles of bundle.jobs, one at a time

The two run as separate processes (separate Deployments in the chart, like ocr's workers), so
building, which is long and CPU-bound, scales on its own and never slows the API.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from casework.v1 import events_pb2
from casework_common import db, events, kafka, storage
from casework_common.logs import configure_logging
from casework_common.runtime import ServiceRuntime
from casework_common.web import create_app, provide

MIGRATIONS = Path(__file__).parent / "migrations"


def api() -> int:
    from casework_bundle import api as bundle_api
    from casework_bundle import erasure, metrics, sharing
    from casework_bundle.settings import BundleSettings
    from casework_bundle.share_mail import ShareMailer
    from casework_bundle.shares import Shares
    from casework_bundle.store import Bundles
    from casework_bundle.tables import outbox
    from casework_common import erasure as erasures
    from casework_common.auth import TokenValidator
    from casework_common.intake_client import IntakeClient
    from casework_common.outbox import OutboxRelay
    from casework_common.refusals import kafka_auditor
    from casework_common.workflow_client import WorkflowClient

    settings = BundleSettings()
    configure_logging(settings.service_name, settings.log_level)
    engine = db.make_engine(settings)
    db.migrate_on_start(engine, settings, MIGRATIONS)
    s3 = storage.make_client(settings)
    storage.ensure_bucket(s3, settings.bundle_bucket, retention_days=settings.bundle_retention_days)
    kafka.ensure_topics(
        settings,
        [events.BUNDLE_JOBS, events.AUDIT_REFUSALS, events.AUDIT_SHARES, events.DATA_ERASURES, events.DATA_RECEIPTS],
        settings.kafka_topic_partitions,
    )
    producer = kafka.make_producer(settings)
    validator = TokenValidator.from_settings(settings)
    workflow = WorkflowClient(settings.workflow_grpc, settings.grpc_timeout_s)
    intake = IntakeClient(settings.intake_url, settings.intake_timeout_s)
    metrics.register_state_gauges(engine)
    refusals = kafka_auditor(settings, producer)
    app = create_app(
        settings.service_name,
        validator,
        readiness={
            "database": lambda: db.ready(engine),
            "object_store": lambda: storage.ready(s3, settings.bundle_bucket),
            "kafka": kafka.BrokerCheck(settings),
            "identity": validator.ready,
            "workflow": workflow.ready,
            "intake": intake.ready,
        },
        ready_timeout_s=settings.ready_timeout_s,
        refusals=refusals,
    )
    shares = Shares(engine, settings.share_max_wrong_codes, settings.share_session_minutes, settings.share_code_digits)
    provide(app, Bundles(engine), shares, s3, workflow, intake, settings, ShareMailer(settings))
    app.register_blueprint(bundle_api.bp)
    app.register_blueprint(sharing.bp)
    runtime = ServiceRuntime(settings.service_name)
    runtime.add_loop("refusal-audit", refusals.run)
    runtime.add_loop("outbox-relay", OutboxRelay(engine, outbox, producer, settings.service_name).run)
    if (retention_s3 := erasures.retention_identity(settings, "bundle")) is not None:
        eraser = erasure.BundleEraser(engine, retention_s3, settings)
        erasures.add_consumer(runtime, settings, producer, erasure.GROUP, eraser.handle)
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads)


def worker() -> int:
    from casework_bundle.assemble import fonts
    from casework_bundle.store import Bundles
    from casework_bundle.worker import BundleWorker, clean_work_dir
    from casework_bundle.worker_settings import WorkerSettings

    settings = WorkerSettings()
    configure_logging("bundle-worker", settings.log_level)
    engine = db.make_engine(settings)
    db.migrate_on_start(engine, settings, MIGRATIONS)
    s3 = storage.make_client(settings)
    storage.ensure_bucket(s3, settings.bundle_bucket, retention_days=settings.bundle_retention_days)
    kafka.ensure_topics(settings, [events.BUNDLE_JOBS], settings.kafka_topic_partitions)
    clean_work_dir(settings)
    producer = kafka.make_producer(settings)  # dead letters
    builder = BundleWorker(Bundles(engine), s3, settings)
    consumer = kafka.EventConsumer(
        settings,
        "bundle-workers",
        [events.BUNDLE_JOBS],
        {events_pb2.BundleRequested: builder.handle},
        producer,
        max_poll_records=1,  # one bundle at a time: a waiting job stays free for another worker
        on_dead_letter=builder.dead_letter,
    )
    app = create_app(
        settings.service_name,
        None,
        readiness={
            "database": lambda: db.ready(engine),
            "object_store": lambda: storage.ready(s3, settings.bundle_bucket),
            "kafka": kafka.BrokerCheck(settings),
            "libreoffice": lambda: shutil.which(settings.soffice) is not None,
            "fonts": fonts.available,
        },
        ready_timeout_s=settings.ready_timeout_s,
    )
    runtime = ServiceRuntime("bundle-worker", grace_s=30)
    runtime.add_loop("builder", consumer.run)
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="casework_bundle", description=__doc__.split("\n\n")[0])
    parser.add_argument("role", nargs="?", choices=("api", "worker"), default="api")
    args = parser.parse_args(argv)
    return worker() if args.role == "worker" else api()


if __name__ == "__main__":
    sys.exit(main())
