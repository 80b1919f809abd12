"""Run the mailroom: the SMTP/LMTP listener, the optional IMAP poller and the scan-drop poller,
with /healthz, /readyz and /metrics on its HTTP port."""

from __future__ import annotations

from pathlib import Path

from casework_common import db, storage
from casework_common.logs import configure_logging
from casework_common.runtime import ServiceRuntime
from casework_common.service_token import ServiceTokenProvider
from casework_common.web import create_app
from casework_common.workflow_client import WorkflowClient
from casework_intake.evidence import EvidenceRecords
from casework_intake.filing import Filing
from casework_intake.mailroom.context import Mailroom
from casework_intake.settings import IntakeSettings
from casework_intake.staging import Staging


def main() -> int:
    settings = IntakeSettings(service_name="intake-mailroom")
    configure_logging(settings.service_name, settings.log_level)
    engine = db.make_engine(settings)
    db.migrate_on_start(engine, settings, Path(__file__).parents[1] / "migrations")
    s3 = storage.make_client(settings)
    storage.ensure_bucket(s3, settings.evidence_bucket, retention_days=settings.evidence_retention_days)
    storage.ensure_bucket(s3, settings.held_bucket)
    staging = Staging(s3, settings)
    staging.ensure_bucket()
    workflow = WorkflowClient(settings.workflow_grpc, settings.grpc_timeout_s)
    room = Mailroom(
        settings=settings,
        engine=engine,
        s3=s3,
        workflow=workflow,
        tokens=ServiceTokenProvider.from_settings(settings),
        filing=Filing(EvidenceRecords(engine), staging),
    )
    app = create_app(
        settings.service_name,
        None,
        readiness={
            "database": lambda: db.ready(engine),
            "object_store": lambda: storage.ready(s3, settings.held_bucket),
            "workflow": workflow.ready,
        },
        ready_timeout_s=settings.ready_timeout_s,
    )
    runtime = ServiceRuntime(settings.service_name)
    # Each part registers its loops here (email: smtp, imap; scanning: the drop poller).
    for name, loop in _loops(room):
        runtime.add_loop(name, loop)
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads)


def _loops(room: Mailroom) -> list:
    from casework_intake.mailroom import imap, listener
    from casework_intake.scanning import drops

    loops = [("smtp", listener.smtp_loop(room)), ("scan-drop", drops.scan_drop_loop(room))]
    if room.settings.imap_url:
        loops.append(("imap", imap.imap_loop(room)))
    return loops
