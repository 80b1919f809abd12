"""Run the notify service: inbox and preferences API, the event consumer, the daily digest and
the deadline reminders."""

from __future__ import annotations

import sys
from pathlib import Path

from casework.v1 import events_pb2
from casework_common import db, events, kafka
from casework_common import erasure as erasures
from casework_common.auth import TokenValidator
from casework_common.directory import Directory
from casework_common.logs import configure_logging
from casework_common.refusals import kafka_auditor
from casework_common.runtime import ServiceRuntime
from casework_common.service_token import ServiceTokenProvider
from casework_common.web import create_app, provide
from casework_common.workflow_client import WorkflowClient
from casework_notify import api, api_subject_access, erasure
from casework_notify.delivery import Deliverer
from casework_notify.mailer import Mailer
from casework_notify.reminders import ReminderLoop, case_watcher, recorder
from casework_notify.rules import RULES, TOPICS, RuleContext
from casework_notify.settings import NotifySettings


def main() -> int:
    settings = NotifySettings()
    configure_logging(settings.service_name, settings.log_level)
    engine = db.make_engine(settings)
    db.migrate_on_start(engine, settings, Path(__file__).parent / "migrations")
    topics = sorted(TOPICS | {events.CASE_EVENTS})  # the rules' topics, and DeadlineChanged's
    kafka.ensure_topics(
        settings,
        [*topics, events.AUDIT_REFUSALS, events.DATA_ERASURES, events.DATA_RECEIPTS],
        settings.kafka_topic_partitions,
    )
    producer = kafka.make_producer(settings)  # dead letters, refused requests, erasure receipts
    validator = TokenValidator.from_settings(settings)
    workflow = WorkflowClient(settings.workflow_grpc, settings.grpc_timeout_s)
    mailer = Mailer(settings)
    directory = Directory(settings)
    context = RuleContext(workflow, ServiceTokenProvider.from_settings(settings), directory, settings.portal_url)
    deliverer = Deliverer(engine, mailer, directory, context)

    refusals = kafka_auditor(settings, producer)
    app = create_app(
        settings.service_name,
        validator,
        readiness={
            "database": lambda: db.ready(engine),
            "kafka": kafka.BrokerCheck(settings),
            "smtp": mailer.ready,
            "identity": validator.ready,
            "workflow": workflow.ready,
        },
        ready_timeout_s=settings.ready_timeout_s,
        refusals=refusals,
    )
    provide(app, engine, deliverer)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_subject_access.bp)
    handlers = {event_type: deliverer.handle for event_type in RULES}
    handlers[events_pb2.DeadlineChanged] = recorder(engine)
    watch_case = case_watcher(engine)

    def case_changed(message: events_pb2.CaseChanged, event: events.Event) -> None:
        watch_case(message, event)  # first: idempotent, and the reminders must not miss a change
        deliverer.handle(message, event)

    handlers[events_pb2.CaseChanged] = case_changed
    consumer = kafka.EventConsumer(settings, "notify", topics, handlers, producer)
    reminders = ReminderLoop(
        engine,
        deliverer,
        context,
        leads=settings.reminder_leads,
        today=settings.notify_today,
        interval_s=settings.notify_reminder_interval_s,
    )
    runtime = ServiceRuntime(settings.service_name)
    runtime.add_loop("refusal-audit", refusals.run)
    runtime.add_loop("deliverer", consumer.run)
    runtime.add_loop("daily-digest", deliverer.digest_loop(settings.digest_hour_utc))
    runtime.add_loop("deadline-reminders", reminders.loop)
    # Workflow's requests to erase a case's notifications; the receipt goes back.
    notify_erasure = erasure.NotifyErasure(engine, producer, settings.service_name)
    erasures.add_consumer(runtime, settings, producer, erasure.GROUP, notify_erasure.handle, loop="erasure")
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads)


if __name__ == "__main__":
    sys.exit(main())
