"""PostgreSQL access: one engine per service, confined to the service's own schema.

Each service connects as its own role with ``search_path`` set to its schema, so
its SQL names tables unqualified and cannot reach another service's tables.
Migrations are Alembic revisions kept beside each service, applied by ``migrate`` under a
Postgres advisory lock: at start-up (``CASEWORK_MIGRATE_ON_START``, the local stack) or by the
chart's pre-install/pre-upgrade Job (``python -m casework_common.migrate``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text

from casework_common.settings import DatabaseSettings

_ENV_DIR = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


def engine_options(settings: DatabaseSettings) -> dict[str, Any]:
    """``create_engine`` options confining connections to ``settings.database_schema``."""
    return {
        "pool_size": settings.database_pool_size,
        "pool_pre_ping": True,
        "connect_args": {"options": f"-csearch_path={settings.database_schema}"},
    }


def make_engine(settings: DatabaseSettings) -> Engine:
    """An engine whose connections see only ``settings.database_schema``."""
    return create_engine(settings.database_url.get_secret_value(), **engine_options(settings))


def migrate(engine: Engine, schema: str, versions_dir: Path) -> None:
    """Apply the service's Alembic revisions in ``versions_dir`` up to head."""
    config = Config()
    config.set_main_option("script_location", str(_ENV_DIR))
    config.set_main_option("version_locations", str(versions_dir))
    config.set_main_option("path_separator", "os")
    with engine.begin() as connection:
        # Replicas starting together queue here; each then finds the schema at head or brings it there.
        # The lock is the transaction's, so it is released even if the process dies mid-migration.
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"casework-migrate:{schema}"})
        config.attributes["connection"] = connection
        config.attributes["schema"] = schema
        command.upgrade(config, "head")


def migrate_on_start(engine: Engine, settings: DatabaseSettings, versions_dir: Path) -> None:
    """Migrate now unless a deployment does it once per release (the chart's hook Job)."""
    if settings.migrate_on_start:
        migrate(engine, settings.database_schema, versions_dir)
    else:
        log.info("not migrating schema %s at start (CASEWORK_MIGRATE_ON_START=false)", settings.database_schema)


def ready(engine: Engine) -> bool:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return True
