"""The review page wired into an app: its static files, its routers and how its errors are shown."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.api.deps import Forbidden, LoginRequired
from gateway.api.review import desk_pages, ledger_pages, signin
from gateway.api.review.render import HERE, error_page

log = logging.getLogger(__name__)

# Paths of JSON APIs mounted on the same app: their errors stay JSON.
API_PREFIXES = ("/v1/", "/healthz", "/readyz")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(signin.router)
    app.include_router(ledger_pages.router)
    app.include_router(desk_pages.router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return error_page(request, "Not allowed", exc.message, 403)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return await http_exception_handler(request, exc)
        message = "There is no such page." if exc.status_code == 404 else str(exc.detail)
        heading = "Not found" if exc.status_code == 404 else "Cannot do that"
        return error_page(request, heading, message, exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s", request.url.path, exc_info=exc)
        if _is_api(request):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        return error_page(request, "Something went wrong", "The page could not be shown; the error was logged.", 500)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, exc)
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        return error_page(request, "Cannot read the form", f"Please check these fields: {fields}.", 400)
