"""An operator creates the first users from the command line; passwords never land in the database as text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from gateway.cli.app import app
from gateway.storage import make_engine, session_factory
from gateway.storage.auth_tables import User


class Gateway:
    """`gateway ...` run in-process on a SQLite file of its own."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, *args: str, stdin: str = "", **env: str) -> Result:
        return CliRunner().invoke(app, list(args), input=stdin, env=env)


@pytest.fixture
def gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Gateway:
    for name in list(os.environ):
        if name.startswith("GATEWAY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'var' / 'gateway.db'}"
    monkeypatch.setenv("GATEWAY_DATABASE__URL", url)
    return Gateway(url)


def test_users_are_created_with_a_role_and_a_hashed_password(gateway: Gateway) -> None:
    made = gateway("users", "create", "max", "--role", "manager", "--password-stdin", stdin="a long enough secret\n")
    assert made.exit_code == 0, made.output
    assert "created user 'max' with role manager" in made.output
    from_env = gateway("users", "create", "ada", "--role", "auditor", GATEWAY_NEW_USER_PASSWORD="another long secret")
    assert from_env.exit_code == 0, from_env.output

    listed = gateway("users", "list")
    assert listed.output.splitlines() == ["ada\tauditor\tactive", "max\tmanager\tactive"]
    engine = make_engine(gateway.url)
    with session_factory(engine)() as session:
        stored = session.scalars(select(User.password_hash)).all()
    engine.dispose()
    assert all(h.startswith("$argon2id$") and "secret" not in h for h in stored)


def test_bad_requests_are_refused_with_a_clear_message(gateway: Gateway) -> None:
    short = gateway("users", "create", "bob", "--password-stdin", stdin="short\n")
    assert short.exit_code == 2 and "too short" in short.output
    role = gateway("users", "create", "bob", "--role", "admin", "--password-stdin", stdin="long enough secret\n")
    assert role.exit_code == 2 and "unknown role" in role.output
    no_terminal = gateway("users", "create", "bob")
    assert no_terminal.exit_code == 2 and "--password-stdin" in no_terminal.output
    assert gateway("users", "create", "bob", "--password-stdin", stdin="long enough secret\n").exit_code == 0
    twice = gateway("users", "create", "bob", "--password-stdin", stdin="long enough secret\n")
    assert twice.exit_code == 2 and "exists already" in twice.output


def test_gateway_serve_is_a_command(gateway: Gateway) -> None:
    shown = gateway("serve", "--help")
    assert shown.exit_code == 0 and "--port" in shown.output
