"""The workflow service.

python -m casework_workflow                 run: REST, gRPC, outbox relay, evidence consumer
python -m casework_workflow verify-audit    check the audit chain, in the database and against every
                                            signed anchor; exit 1 at the first broken link or mismatch
python -m casework_workflow anchor-audit    sign the audit chain's head and write the anchor now
python -m casework_workflow retention [--dry-run] [--as-of YYYY-MM-DD]
                                            remove what the retention schedule says is due (daily)
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

from minio.error import S3Error
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from casework.v1 import events_pb2
from casework_common import db, events, kafka, rpc, storage
from casework_common.auth import TokenValidator
from casework_common.directory import Directory
from casework_common.logs import configure_logging
from casework_common.outbox import OutboxRelay
from casework_common.readiness import Readiness
from casework_common.refusals import kafka_auditor
from casework_common.runtime import ServiceRuntime
from casework_common.web import create_app, provide
from casework_workflow import audit, audit_anchors, gauges, grpc_service, retention, scope
from casework_workflow.access_review import AccessReview
from casework_workflow.api import access_review as access_review_api
from casework_workflow.api import calendar as calendar_api
from casework_workflow.api import cases as cases_api
from casework_workflow.api import data_protection as data_protection_api
from casework_workflow.api import deadlines as deadlines_api
from casework_workflow.api import information_requests as information_requests_api
from casework_workflow.api import protocol as protocol_api
from casework_workflow.api import subject_access as subject_access_api
from casework_workflow.branch_tasks import BranchTasks
from casework_workflow.calendar_feeds import CalendarFeeds
from casework_workflow.cases import Cases
from casework_workflow.deadlines import store as deadline_store
from casework_workflow.deadlines.recompute import DeadlineRecompute
from casework_workflow.deadlines.service import CaseDeadlines
from casework_workflow.enquiries import Enquiries
from casework_workflow.evidence_events import EvidenceTimeline
from casework_workflow.flags import BranchFlags
from casework_workflow.information_requests import InformationRequests
from casework_workflow.referrals import Referrals
from casework_workflow.refusal_log import RefusalLog
from casework_workflow.settings import WorkflowSettings
from casework_workflow.share_log import ShareLog
from casework_workflow.subject_access.service import SubjectAccess
from casework_workflow.subject_access.sources import Sources
from casework_workflow.support_requests import SupportRequests
from casework_workflow.tables import outbox

log = logging.getLogger(__name__)


def serve(settings: WorkflowSettings) -> int:
    engine = db.make_engine(settings)
    db.migrate_on_start(engine, settings, Path(__file__).parent / "migrations")
    dp = retention.make(settings, engine)  # a bad retention schedule stops the start, naming each problem
    kafka.ensure_topics(
        settings,
        [
            events.CASE_EVENTS,
            events.EVIDENCE_UPLOADED,
            events.AUDIT_REFUSALS,
            events.AUDIT_SHARES,
            events.DATA_ERASURES,
            events.DATA_RECEIPTS,
        ],
        settings.kafka_topic_partitions,
    )
    producer = kafka.make_producer(settings)
    validator = TokenValidator.from_settings(settings)
    directory = Directory(settings)
    store = Cases(engine, directory, scope.Rules(dt.timedelta(days=settings.regional_access_after_end_days)))
    gauges.register(settings.service_name, engine)
    refusals = kafka_auditor(settings, producer)

    anchorer = make_anchorer(settings, engine)
    if anchorer is None:
        log.warning(
            "audit anchoring is OFF: no signing key (CASEWORK_AUDIT_SIGNING_KEY); "
            "the audit chain is protected only inside the database"
        )

    # The gRPC calls (search's scope lookups) need the database and the realm's keys, not the broker.
    grpc_checks = {"database": lambda: db.ready(engine), "identity": validator.ready}
    app = create_app(
        settings.service_name,
        validator,
        readiness={**grpc_checks, "kafka": kafka.BrokerCheck(settings)},
        ready_timeout_s=settings.ready_timeout_s,
        refusals=refusals,
        notes=lambda: {"audit_anchoring": anchoring_note(settings, anchorer)},
    )
    deadline_store.use_rules(store.rules)  # DeadlineChanged.officials under the service's own scope rules
    provide(
        app,
        store,
        CaseDeadlines(engine, store),
        Referrals(engine, store),
        SupportRequests(engine, store, directory),
        Enquiries(engine, store),
        BranchTasks(engine),
        BranchFlags(engine),
        InformationRequests(engine, store),
        CalendarFeeds(engine, directory, store.rules, settings.portal_url),
        AccessReview(engine, directory, store.rules),
        dp,
        SubjectAccess(engine, directory, Sources.from_settings(settings)),
    )
    for module in (
        cases_api,
        deadlines_api,
        protocol_api,
        information_requests_api,
        calendar_api,
        access_review_api,
        data_protection_api,
        subject_access_api,
    ):
        app.register_blueprint(module.bp)
    grpc_ready = Readiness(grpc_checks, settings.ready_timeout_s)
    grpc_server, _ = rpc.make_server(
        settings.service_name,
        settings.grpc_port,
        settings.grpc_workers,
        [grpc_service.register(store, validator, directory)],
        ready=lambda: all(grpc_ready().values()),
    )
    evidence_consumer = kafka.EventConsumer(
        settings,
        "workflow-evidence",
        [events.EVIDENCE_UPLOADED],
        {events_pb2.EvidenceUploaded: EvidenceTimeline(engine).handle},
        producer,
    )
    refusal_consumer = kafka.EventConsumer(
        settings,
        "workflow-refusals",
        [events.AUDIT_REFUSALS, events.AUDIT_SHARES],  # both only append to the audit log
        {events_pb2.RequestRefused: RefusalLog(engine).handle, events_pb2.ShareAccessed: ShareLog(engine).handle},
        producer,
    )
    runtime = ServiceRuntime(settings.service_name)
    runtime.add_loop("refusal-audit", refusals.run)
    runtime.add_loop("refusal-log", refusal_consumer.run)
    runtime.add_loop("outbox-relay", OutboxRelay(engine, outbox, producer, settings.service_name).run)
    runtime.add_loop("evidence-timeline", evidence_consumer.run)
    runtime.add_loop("erasure-receipts", retention.receipts_consumer(settings, dp, producer).run)
    # After a rule set upload, stored rule deadlines are recomputed with it (none left stale).
    runtime.add_loop("deadline-recompute", DeadlineRecompute(engine, settings.deadline_recompute_interval_s).run)
    if anchorer is not None:
        runtime.add_loop("audit-anchor", anchorer.run)
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads, grpc_server)


def make_anchorer(settings: WorkflowSettings, engine: Engine) -> audit_anchors.Anchorer | None:
    """The audit anchorer, or None when no signing key is configured (anchoring off).
    A key that is not an Ed25519 PEM stops the service: a typo must not silently turn anchoring off."""
    pem = settings.audit_signing_key.get_secret_value()
    if not pem.strip():
        return None
    return audit_anchors.Anchorer(
        engine,
        storage.make_client(settings),
        settings.audit_anchor_bucket,
        audit_anchors.load_private_key(pem),
        settings.audit_anchor_retention_days,
        settings.audit_anchor_interval_s,
    )


def anchoring_note(settings: WorkflowSettings, anchorer: audit_anchors.Anchorer | None) -> str:
    """What /readyz says about anchoring (it never makes the service unready)."""
    if anchorer is None:
        return "off: no signing key configured (CASEWORK_AUDIT_SIGNING_KEY)"
    if anchorer.last_error:
        return f"failing: {anchorer.last_error}"
    return f"on: every {settings.audit_anchor_interval_s:g} s to bucket {settings.audit_anchor_bucket}"


def anchor_audit(settings: WorkflowSettings) -> int:
    """One anchor now (the operator's command; the service does the same at its interval)."""
    engine = db.make_engine(settings)
    try:
        anchorer = make_anchorer(settings, engine)
    except ValueError as exc:  # not an Ed25519 PEM: named, not a traceback
        print(f"not anchored: the signing key (CASEWORK_AUDIT_SIGNING_KEY) is not usable: {exc}", file=sys.stderr)
        return 2
    if anchorer is None:
        print("audit anchoring is off: no signing key configured (CASEWORK_AUDIT_SIGNING_KEY)")
        return 2
    try:
        anchor = anchorer.anchor_once()
    except RuntimeError as exc:
        print(f"not anchored: {exc}")
        return 1
    except (S3Error, OSError, SQLAlchemyError) as exc:  # the bucket or the database cannot be reached
        print(f"not anchored: {type(exc).__name__}: {exc}")
        return 1
    if anchor is None:
        print("the audit chain's head is already anchored (or the log is empty)")
    else:
        print(
            f"anchored record {anchor.record_id} ({anchor.hash}) at {anchor.at} to "
            f"{settings.audit_anchor_bucket}/{audit_anchors.object_key(anchor.record_id)}"
        )
    return 0


def verify_audit(settings: WorkflowSettings, public_keys: list[Path]) -> int:
    """Check the chain in the database and against every anchor; 0 only if both hold."""
    engine = db.make_engine(settings)
    keys: list[audit_anchors.Ed25519PublicKey] = []
    for path in public_keys:
        try:
            keys.append(audit_anchors.load_public_key(path.read_text()))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            print(f"cannot use --public-key {path}: {exc}", file=sys.stderr)
            return 2
    pem = settings.audit_signing_key.get_secret_value()
    if not keys and pem.strip():
        try:
            keys = [audit_anchors.load_private_key(pem).public_key()]
        except ValueError as exc:
            print(f"the signing key (CASEWORK_AUDIT_SIGNING_KEY) is not usable: {exc}", file=sys.stderr)
            return 2
    if not keys:
        with engine.connect().execution_options(isolation_level=audit.ONE_SNAPSHOT) as conn:
            verdict = audit.verify(conn)
        report = audit_anchors.AnchorReport(verdict)
    else:
        report = audit_anchors.verify_against_anchors(
            engine,
            storage.make_client(settings),
            settings.audit_anchor_bucket,
            keys,
            dt.timedelta(seconds=settings.audit_anchor_interval_s),
        )
    verdict = report.chain
    if verdict.intact:
        print(f"audit chain intact: {verdict.records} records")
    else:
        print(
            f"audit chain broken at record {verdict.broken_at}: {verdict.reason} "
            f"({verdict.records} records before it are intact)"
        )
    if not keys:
        print("anchors not checked: no signing key configured (CASEWORK_AUDIT_SIGNING_KEY) and no --public-key given")
    elif report.problems:
        for problem in report.problems:
            print(f"anchor mismatch: {problem}")
    elif report.anchors == 0 and verdict.records:
        print("anchors: none yet (the log is younger than the anchoring interval and no anchoring is recorded)")
    else:
        print(f"anchors: {report.anchors} checked, every one matches the chain")
    return 0 if report.intact else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="casework_workflow", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "command", nargs="?", choices=["serve", "verify-audit", "anchor-audit", "retention"], default="serve"
    )
    parser.add_argument(
        "--public-key",
        type=Path,
        action="append",
        default=[],
        help="verify-audit: an Ed25519 public key (PEM) anchors may be signed with; may be repeated "
        "(default: the public half of CASEWORK_AUDIT_SIGNING_KEY)",
    )
    parser.add_argument("--dry-run", action="store_true", help="retention: say what would go, change nothing")
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        help="retention: the day to compute what is due for (YYYY-MM-DD; default today, UTC)",
    )
    args = parser.parse_args()
    settings = WorkflowSettings()
    configure_logging(settings.service_name, settings.log_level)
    if args.command == "retention":
        try:
            return retention.run_command(settings, args.dry_run, args.as_of)
        except retention.schedule.ScheduleError as exc:
            print(exc, file=sys.stderr)
            return 2
    if args.command == "verify-audit":
        return verify_audit(settings, args.public_key)
    if args.command == "anchor-audit":
        return anchor_audit(settings)
    try:
        return serve(settings)
    except retention.schedule.ScheduleError as exc:  # named problem by problem, not as a traceback
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
