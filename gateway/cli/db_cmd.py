"""``gateway db upgrade|current``: the database schema, through the packaged Alembic migrations."""

from __future__ import annotations

import typer
from sqlalchemy.engine import make_url

from gateway.cli.common import input_errors_exit, settings
from gateway.storage import current_revision, head_revision, make_engine, upgrade

db_app = typer.Typer(help="The database: apply migrations, show the schema revision.", no_args_is_help=True)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: str = typer.Option("head", "--revision", "-r", help="Migrate to this revision (default: the newest)."),
) -> None:
    """Create or migrate the tables (works on an empty database; safe to run again)."""
    cfg = settings()
    url = cfg.database_url()
    with input_errors_exit():
        engine = make_engine(url, echo=cfg.database.echo)
        before = current_revision(engine)
        upgrade(engine, revision)
        after = current_revision(engine)
        engine.dispose()
    if before == after:
        typer.echo(f"{_shown(url)}: already at revision {after}")
    else:
        typer.echo(f"{_shown(url)}: upgraded from {before or 'an empty database'} to revision {after}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and whether it is the newest (exit 1 when behind)."""
    cfg = settings()
    url = cfg.database_url()
    with input_errors_exit():
        engine = make_engine(url, echo=cfg.database.echo)
        current = current_revision(engine)
        engine.dispose()
    head = head_revision()
    if current == head:
        typer.echo(f"{_shown(url)}: revision {current} (newest)")
        return
    state = current or "none (no tables yet)"
    typer.echo(f"{_shown(url)}: revision {state}, newest is {head}: run `gateway db upgrade`")
    raise typer.Exit(1)
