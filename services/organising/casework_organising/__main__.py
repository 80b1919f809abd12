"""Run the organising service (recruitment weeks).

python -m casework_organising                          the REST API, its outbox relay, the follow-up
                                                       reminders, the retention pass and refusal audit
python -m casework_organising retention [--as-of DATE] remove what campaigns' retention says is due, then exit
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from casework_common import db, events, kafka
from casework_common.auth import TokenValidator
from casework_common.directory import Directory
from casework_common.logs import configure_logging
from casework_common.outbox import OutboxRelay
from casework_common.refusals import kafka_auditor
from casework_common.runtime import ServiceRuntime
from casework_common.web import create_app, provide
from casework_organising import followups, metrics, retention
from casework_organising.api import campaigns, contacts, results, subject_access, targets
from casework_organising.planning import Campaigns
from casework_organising.settings import OrganisingSettings
from casework_organising.tables import outbox

MIGRATIONS = Path(__file__).parent / "migrations"


def serve(settings: OrganisingSettings) -> int:
    engine = db.make_engine(settings)
    db.migrate_on_start(engine, settings, MIGRATIONS)
    kafka.ensure_topics(settings, [events.ORGANISING_EVENTS, events.AUDIT_REFUSALS], settings.kafka_topic_partitions)
    producer = kafka.make_producer(settings)
    validator = TokenValidator.from_settings(settings)
    directory = Directory(settings)
    refusals = kafka_auditor(settings, producer)
    app = create_app(
        settings.service_name,
        validator,
        readiness={
            "database": lambda: db.ready(engine),
            "kafka": kafka.BrokerCheck(settings),
            "identity": validator.ready,
        },
        ready_timeout_s=settings.ready_timeout_s,
        refusals=refusals,
    )
    provide(app, engine, settings, Campaigns(engine, directory, settings))
    for module in (campaigns, targets, contacts, results, subject_access):
        app.register_blueprint(module.bp)
    metrics.register(engine)
    runtime = ServiceRuntime(settings.service_name)
    runtime.add_loop("refusal-audit", refusals.run)
    runtime.add_loop("outbox-relay", OutboxRelay(engine, outbox, producer, settings.service_name).run)
    runtime.add_loop("follow-up-reminders", followups.reminder_loop(engine, settings))
    runtime.add_loop("retention", retention.retention_loop(engine, settings))
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="casework_organising", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", choices=["serve", "retention"], default="serve")
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        help="retention: the day to compute what is due for (YYYY-MM-DD; default today)",
    )
    args = parser.parse_args()
    settings = OrganisingSettings()
    configure_logging(settings.service_name, settings.log_level)
    if args.command == "retention":
        return retention.run_command(settings, args.as_of)
    return serve(settings)


if __name__ == "__main__":
    sys.exit(main())
