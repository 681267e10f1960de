"""Sign-in and sign-out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.api.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    authenticate,
    end_session,
    lookup_session,
    start_session,
    tokens_equal,
)
from gateway.api.deps import DB, Forbidden, Viewer
from gateway.api.review.render import templates

router = APIRouter()


def _secure(request: Request) -> bool:
    mode = request.app.state.web.secure_cookies
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somebody else's page."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _form(request: Request, *, error: str = "", username: str = "", next_: str = "/", status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {"who": None, "flash": None, "csrf_token": token, "error": error, "username": username, "next": next_},
        status_code=status,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request), path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, db: DB, next: str = "/") -> Response:  # noqa: A002  (the query parameter's name)
    if lookup_session(db, request.cookies.get(SESSION_COOKIE)) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _form(request, next_=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    db: DB,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    target = _safe_next(next)
    if not tokens_equal(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _form(request, error="The sign-in form had expired; please sign in again.", next_=target, status=403)
    throttle = request.app.state.login_throttle
    keys = (f"user:{username.strip().lower()}", f"client:{request.client.host if request.client else '-'}")
    if throttle.blocked(*keys):
        return _form(
            request,
            error="Too many failed sign-ins. Wait a few minutes before trying again.",
            username=username,
            next_=target,
            status=429,
        )
    user = authenticate(db, username, password)
    if user is None:
        throttle.failed(*keys)
        return _form(request, error="Wrong user name or password.", username=username, next_=target, status=401)
    throttle.succeeded(*keys)
    token = start_session(db, user, request.app.state.session_lifetime)
    db.commit()
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(request.app.state.session_lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, db: DB, who: Viewer, csrf_token: Annotated[str, Form()] = "") -> Response:
    if not tokens_equal(csrf_token, who.web_session.csrf_token):
        raise Forbidden("The form was stale or did not come from this site; you are still signed in.")
    end_session(db, request.cookies.get(SESSION_COOKIE))
    db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
