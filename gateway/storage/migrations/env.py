"""Alembic environment: runs on the engine handed in by ``gateway.storage.migrate`` (the gateway's
settings otherwise, e.g. for ``alembic -c gateway/storage/alembic.ini revision --autogenerate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from gateway.storage.engine import make_engine
from gateway.storage.schema import metadata

config = context.config
target_metadata = metadata


def _engine() -> Engine:
    given = config.attributes.get("engine")
    if given is not None:
        return given  # type: ignore[no-any-return]
    from gateway.settings import load_settings

    return make_engine(load_settings().database_url())


def run_migrations_online() -> None:
    engine = _engine()
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place: later migrations copy and swap the table.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported: run `gateway db upgrade`")
run_migrations_online()
