"""The schema comes from Alembic migrations, and they describe exactly the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from gateway.storage import SchemaOutOfDate, current_revisions, ensure_schema, head_revisions, make_engine
from gateway.storage.migrate import downgrade, upgrade
from gateway.storage.schema import metadata

TABLES = set(metadata.tables)  # every table the models declare


def _gateway(*args: str, cwd: Path, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    if url is not None:
        env["GATEWAY_DATABASE__URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.app", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again_leaves_the_same_tables(engine: Engine) -> None:
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert current_revisions(engine) == head_revisions()


@pytest.mark.postgres
def test_gateway_db_upgrade_on_an_empty_postgresql_schema_creates_every_table(
    postgres_schema: str, tmp_path: Path
) -> None:
    done = _gateway("db", "upgrade", cwd=tmp_path, url=postgres_schema)
    assert done.returncode == 0, done.stderr
    assert f"to revision {', '.join(sorted(head_revisions()))}" in done.stdout
    engine = make_engine(postgres_schema)
    try:
        assert TABLES | {"alembic_version"} == set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    again = _gateway("db", "current", cwd=tmp_path, url=postgres_schema)
    assert again.returncode == 0 and "(newest)" in again.stdout


def test_gateway_db_upgrade_creates_the_default_sqlite_file_from_any_folder(tmp_path: Path) -> None:
    """No ini file, no URL: ``var/gateway.db`` under the working directory, folder created."""
    done = _gateway("db", "upgrade", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var" / "gateway.db").is_file()
    current = _gateway("db", "current", cwd=tmp_path)
    assert current.returncode == 0 and f"revision {', '.join(sorted(head_revisions()))} (newest)" in current.stdout


@pytest.mark.postgres
def test_an_out_of_date_postgresql_schema_says_to_run_gateway_db_upgrade(postgres_schema: str) -> None:
    engine = make_engine(postgres_schema)
    try:
        with pytest.raises(SchemaOutOfDate, match="run `gateway db upgrade`"):
            ensure_schema(engine)
    finally:
        engine.dispose()


def test_an_empty_sqlite_database_is_upgraded_on_first_use(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'g.db'}")
    try:
        ensure_schema(engine)
        assert current_revisions(engine) == head_revisions()
    finally:
        engine.dispose()
