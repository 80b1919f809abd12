"""Bring one service's schema to its newest Alembic revision, then exit.

    python -m casework_common.migrate casework_intake

What the Helm chart's pre-install/pre-upgrade Job runs once per release, so that replicas need not
migrate at start. Reads CASEWORK_DATABASE_URL and CASEWORK_DATABASE_SCHEMA like the service does.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from casework_common import db
from casework_common.logs import configure_logging
from casework_common.settings import DatabaseSettings


class MigrationSettings(DatabaseSettings):
    service_name: str = "migrate"


def versions_dir(package: str) -> Path:
    """The ``migrations`` directory beside a service package (e.g. casework_intake)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(f"no such service package: {package}")
    return Path(spec.origin).parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="casework_common.migrate", description=__doc__)
    parser.add_argument("package", help="the service's package, e.g. casework_intake")
    args = parser.parse_args(argv)
    settings = MigrationSettings()
    configure_logging(f"{args.package.removeprefix('casework_')}-migrate", settings.log_level)
    engine = db.make_engine(settings)
    try:
        db.migrate(engine, settings.database_schema, versions_dir(args.package))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
