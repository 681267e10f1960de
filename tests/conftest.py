"""Shared fixtures: a migrated database on SQLite and, when reachable, on PostgreSQL.

PostgreSQL tests each get their own schema (``search_path``), named uniquely so that pytest-xdist
workers never meet; the schema is dropped afterwards, leaving the shared ``test`` database clean.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.storage import make_engine, session_factory, upgrade

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def postgres_reachable() -> str | None:
    """None when PostgreSQL answers; else the reason to skip."""
    try:
        with psycopg.connect(_libpq(POSTGRES_URL), connect_timeout=2):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {' '.join(str(exc).split())}"


def postgres_schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_schema(postgres_reachable: str | None) -> Iterator[str]:
    """A fresh, empty schema of its own on the test database, as a URL whose search_path points at it."""
    if postgres_reachable is not None:
        pytest.skip(postgres_reachable)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield postgres_schema_url(schema)
    finally:
        with psycopg.connect(_libpq(POSTGRES_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'gateway.db'}"
    url: str = request.getfixturevalue("postgres_schema")
    return url


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the newest revision (through Alembic, as in production)."""
    eng = make_engine(empty_database_url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
