"""Alembic, configured from the package (no alembic.ini needed), so it works from any directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from gateway.errors import ConfigError
from gateway.storage.engine import is_sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaOutOfDate(ConfigError):
    """The database schema is older than this version of the gateway."""


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("version_path_separator", "os")
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revisions() -> frozenset[str]:
    """The newest revision of each branch (features may add parallel branches; a merge revision joins them)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    with engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply migrations up to ``revision``, in one transaction."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def ensure_schema(engine: Engine, *, auto_upgrade: bool | None = None) -> None:
    """Make sure the schema is current before use.

    The embedded SQLite default is upgraded on the spot (nobody else shares it); a server database is
    upgraded only when asked (``auto_upgrade=True``), since a migration there is an operator's decision.
    """
    head = head_revisions()
    current = current_revisions(engine)
    if current == head:
        return
    if auto_upgrade if auto_upgrade is not None else is_sqlite(engine.url):
        upgrade(engine)
        return
    state = (
        "has no tables yet"
        if not current
        else f"is at revision {', '.join(sorted(current))}, this gateway needs {', '.join(sorted(head))}"
    )
    raise SchemaOutOfDate(f"the database {engine.url.render_as_string()} {state}: run `gateway db upgrade`")
