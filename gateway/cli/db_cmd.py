"""``gateway db upgrade|current``: the database schema, through the packaged Alembic migrations."""

from __future__ import annotations

import typer
from sqlalchemy.engine import make_url

from gateway.cli.common import input_errors_exit, settings
from gateway.storage import current_revisions, head_revisions, make_engine, upgrade

db_app = typer.Typer(help="The database: apply migrations, show the schema revision.", no_args_is_help=True)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _revs(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions))


@db_app.command("upgrade")
def db_upgrade(
    revision: str = typer.Option("heads", "--revision", "-r", help="Migrate to this revision (default: the newest)."),
) -> None:
    """Create or migrate the tables (works on an empty database; safe to run again)."""
    cfg = settings()
    url = cfg.database_url()
    with input_errors_exit():
        engine = make_engine(url, echo=cfg.database.echo)
        before = current_revisions(engine)
        upgrade(engine, revision)
        after = current_revisions(engine)
        engine.dispose()
    if before == after:
        typer.echo(f"{_shown(url)}: already at revision {_revs(after)}")
    else:
        typer.echo(f"{_shown(url)}: upgraded from {_revs(before) or 'an empty database'} to revision {_revs(after)}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and whether it is the newest (exit 1 when behind)."""
    cfg = settings()
    url = cfg.database_url()
    with input_errors_exit():
        engine = make_engine(url, echo=cfg.database.echo)
        current = current_revisions(engine)
        engine.dispose()
    head = head_revisions()
    if current == head:
        typer.echo(f"{_shown(url)}: revision {_revs(current)} (newest)")
        return
    state = _revs(current) or "none (no tables yet)"
    typer.echo(f"{_shown(url)}: revision {state}, newest is {_revs(head)}: run `gateway db upgrade`")
    raise typer.Exit(1)
