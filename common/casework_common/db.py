"""PostgreSQL access: one engine per service, confined to the service's own schema.

Each service connects as its own role with ``search_path`` set to its schema, so
its SQL names tables unqualified and cannot reach another service's tables.
Migrations are Alembic revisions kept beside each service and applied at start-up.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text

from casework_common.settings import DatabaseSettings

_ENV_DIR = Path(__file__).parent / "migrations"


def make_engine(settings: DatabaseSettings) -> Engine:
    """An engine whose connections see only ``settings.database_schema``."""
    return create_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.database_pool_size,
        pool_pre_ping=True,
        connect_args={"options": f"-csearch_path={settings.database_schema}"},
    )


def migrate(engine: Engine, schema: str, versions_dir: Path) -> None:
    """Apply the service's Alembic revisions in ``versions_dir`` up to head."""
    config = Config()
    config.set_main_option("script_location", str(_ENV_DIR))
    config.set_main_option("version_locations", str(versions_dir))
    config.set_main_option("path_separator", "os")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["schema"] = schema
        command.upgrade(config, "head")


def ready(engine: Engine) -> bool:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return True
