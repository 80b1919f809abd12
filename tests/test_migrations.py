"""Schema migrations on the real Postgres: replicas that start together migrate safely (an advisory
lock), and the chart's hook Job command brings a schema to head on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from casework_common import db
from casework_common.settings import DatabaseSettings
from harness import Platform

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ROOT / "services" / "workflow" / "casework_workflow" / "migrations"
STARTERS = 6


def superuser_url(platform: Platform) -> str:
    ports, secrets = platform.config.ports, platform.config.secrets
    return f"postgresql+psycopg://postgres:{secrets.postgres_password}@127.0.0.1:{ports['postgres']}/casework"


@pytest.fixture
def scratch_schema(platform: Platform) -> Iterator[tuple[str, Engine]]:
    """An empty schema, and an engine whose connections see only it; dropped afterwards."""
    schema = f"test_migrate_{uuid.uuid4().hex[:8]}"
    engine = create_engine(
        superuser_url(platform), pool_size=STARTERS, connect_args={"options": f"-csearch_path={schema}"}
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    yield schema, engine
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    engine.dispose()


def head_revision(engine: Engine, schema: str) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT version_num FROM {schema}.alembic_version"))  # noqa: S608 (our own name)
        return [row[0] for row in rows]


def migrate_command(platform: Platform, schema: str) -> tuple[list[str], dict[str, str]]:
    """The hook Job's command and environment (also what a replica does at start), for this schema."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env |= {"CASEWORK_DATABASE_URL": superuser_url(platform), "CASEWORK_DATABASE_SCHEMA": schema}
    return [sys.executable, "-m", "casework_common.migrate", "casework_workflow"], env


def test_replicas_starting_together_all_migrate_without_error(
    platform: Platform, scratch_schema: tuple[str, Engine]
) -> None:
    """Several processes migrate one empty schema at the same moment (replicas of one rollout)."""
    schema, engine = scratch_schema
    command, env = migrate_command(platform, schema)
    starters = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) for _ in range(STARTERS)]
    results = [(process.communicate()[1], process.returncode) for process in starters]
    assert [stderr[-2000:] for stderr, code in results if code != 0] == []
    assert len(head_revision(engine, schema)) == 1
    assert "cases" in inspect(engine).get_table_names(schema=schema)


def test_the_hook_jobs_command_migrates_a_schema(platform: Platform, scratch_schema: tuple[str, Engine]) -> None:
    schema, engine = scratch_schema
    command, env = migrate_command(platform, schema)
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(head_revision(engine, schema)) == 1
    assert "cases" in inspect(engine).get_table_names(schema=schema)


def test_a_service_told_not_to_migrate_leaves_the_schema_alone(scratch_schema: tuple[str, Engine]) -> None:
    schema, engine = scratch_schema
    settings = DatabaseSettings(
        service_name="workflow",
        database_url="postgresql+psycopg://unused",
        database_schema=schema,
        migrate_on_start=False,
    )
    db.migrate_on_start(engine, settings, VERSIONS)
    assert inspect(engine).get_table_names(schema=schema) == []
