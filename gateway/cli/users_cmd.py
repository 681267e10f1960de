"""``gateway users create|list``: the people who sign in to the review page."""

from __future__ import annotations

import os
import sys

import typer
from sqlalchemy import select

from gateway.cli.common import input_errors_exit, settings
from gateway.storage import ensure_schema, make_engine, session_factory

PASSWORD_ENV = "GATEWAY_NEW_USER_PASSWORD"

users_app = typer.Typer(help="Users of the review page (clerk, manager, auditor).", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if PASSWORD_ENV in os.environ:
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        print(f"gateway: no terminal to ask for the password: use --password-stdin or ${PASSWORD_ENV}", file=sys.stderr)
        raise typer.Exit(2)
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("create")
def create(
    name: str = typer.Argument(..., help="The user name to sign in with."),
    role: str = typer.Option("clerk", "--role", help="clerk, manager (approves large write-offs) or auditor."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Create a user; the password is asked for (or read from stdin or $GATEWAY_NEW_USER_PASSWORD)."""
    from gateway.api.auth import create_user

    cfg = settings()
    password = _password(password_stdin)
    with input_errors_exit():
        engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
        ensure_schema(engine)
        with session_factory(engine)() as session:
            user = create_user(session, name, password, role)
            session.commit()
        engine.dispose()
    typer.echo(f"created user {user.username!r} with role {user.role}")


@users_app.command("list")
def list_users() -> None:
    """The users, their roles and whether they may sign in."""
    from gateway.storage.auth_tables import User

    cfg = settings()
    with input_errors_exit():
        engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
        ensure_schema(engine)
        with session_factory(engine)() as session:
            for user in session.scalars(select(User).order_by(User.username)):
                typer.echo(f"{user.username}\t{user.role}\t{'active' if user.active else 'disabled'}")
        engine.dispose()
