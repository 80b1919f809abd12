"""Retention schedules, legal holds, erasure and rectification (docs/design.md, 'Retention, legal holds and erasure').

schedule.py reads and checks the schedule; erase.py removes workflow's own copies; service.py decides
what is due, carries it out, records receipts and serves the REST API (api/data_protection.py);
this module wires them for the service and the ``retention`` command.
"""

from __future__ import annotations

import datetime as dt

from kafka import KafkaProducer
from sqlalchemy import Engine

from casework.v1 import events_pb2
from casework_common import db, events, kafka
from casework_workflow.retention import schedule
from casework_workflow.retention.service import DataProtection, RunReport
from casework_workflow.settings import WorkflowSettings

__all__ = ["DataProtection", "RunReport", "make", "receipts_consumer", "run_command"]


def make(settings: WorkflowSettings, engine: Engine) -> DataProtection:
    """Retention over ``engine`` with the configured schedule; ScheduleError if it is not valid."""
    return DataProtection(
        engine, schedule.load(settings.retention_schedule), dt.timedelta(seconds=settings.retention_resend_after_s)
    )


def receipts_consumer(settings: WorkflowSettings, dp: DataProtection, producer: KafkaProducer) -> kafka.EventConsumer:
    """The loop that turns holders' receipts (dataprotection.receipts) into audit records and progress."""
    return kafka.EventConsumer(
        settings, "workflow-receipts", [events.DATA_RECEIPTS], {events_pb2.CaseDataErased: dp.handle_receipt}, producer
    )


def run_command(settings: WorkflowSettings, dry_run: bool, as_of: dt.date | None) -> int:
    """``python -m casework_workflow retention [--dry-run] [--as-of DATE]``: print what was (or would
    be) removed. The CaseDataDue messages go out through the outbox, which the running service relays."""
    dp = make(settings, db.make_engine(settings))
    report = dp.run(as_of or dt.datetime.now(dt.UTC).date(), dry_run)
    verb = "would remove" if dry_run else "removing"
    for case in report.due:
        kinds = ", ".join(f"{k} (due {d.isoformat()})" for k, d in case.kinds.items())
        print(f"{case.reference} {case.case_id} closed {case.closed_at.date().isoformat()}: {verb} {kinds}")
    print(
        f"retention {'dry run' if dry_run else 'run'} as of {report.as_of.isoformat()}: {len(report.due)} case(s) due, "
        f"{report.carried_out} carried out, {report.held} closed case(s) under legal hold, "
        f"{report.resent} case(s) asked again for missing receipts"
    )
    return 0
