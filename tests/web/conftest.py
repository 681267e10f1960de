"""The review page on a seeded SQLite ledger: in-process for httpx tests, under uvicorn for the browser."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.api import create_app
from gateway.api.config import load_web_settings
from gateway.settings import DatabaseSettings, Settings
from gateway.storage import make_engine, session_factory, upgrade
from tests.web.browser import launched, new_page
from tests.web.desk_seed import seed_desk
from tests.web.seed import PASSWORD, seed_ledger, seed_users

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated and seeded once per test process; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "gateway.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = session_factory(engine)
    seed_users(sessions)
    seed_ledger(sessions, folder)
    seed_desk(sessions, folder)
    engine.dispose()  # the last connection closed: SQLite folds its write-ahead log into the file
    return path


@pytest.fixture
def app(seeded_database: Path, tmp_path: Path) -> Iterator[FastAPI]:
    path = tmp_path / "gateway.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{seeded_database}{suffix}").exists():
            shutil.copyfile(f"{seeded_database}{suffix}", f"{path}{suffix}")
    settings = Settings(database=DatabaseSettings(url=f"sqlite:///{path}"))
    application = create_app(settings, load_web_settings(login_max_failures=3))
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: httpx.Client | TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text), "next": "/"},
        follow_redirects=False,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 in a thread; yields its base URL and stops it afterwards."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


@pytest.fixture
def open_page(browser: Any, served: str) -> Iterator[Any]:
    yield from new_page(browser, served)
