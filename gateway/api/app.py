"""``create_app(settings)``: one FastAPI app on one database engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from gateway.api import credit_checks, health
from gateway.api.auth import LoginThrottle
from gateway.api.config import WebSettings, load_web_settings
from gateway.api.review import pages
from gateway.settings import Settings
from gateway.storage import ensure_schema, make_engine, session_factory


def create_app(settings: Settings, web: WebSettings | None = None) -> FastAPI:
    web = web if web is not None else load_web_settings()
    engine = make_engine(settings.database_url(), echo=settings.database.echo)
    ensure_schema(engine)  # SQLite is brought up to date; a server database must be migrated first

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="Gateway", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.web = web
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.session_lifetime = timedelta(hours=web.session_hours)
    app.state.login_throttle = LoginThrottle(web.login_max_failures, web.login_window_seconds)

    app.include_router(health.router)
    app.include_router(credit_checks.router)
    pages.install(app)
    return app
