"""Per-request dependencies: a database session, the signed-in user, the CSRF check, the role checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session

from gateway.api.auth import SESSION_COOKIE, SignedIn, lookup_session, tokens_equal

ACTING_ROLES = ("clerk", "manager")


class LoginRequired(Exception):
    """No valid session: pages redirect to the sign-in form."""


class Forbidden(Exception):
    """Signed in, but this user may not do this (or the form's CSRF token is wrong)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def db(request: Request) -> Iterator[Session]:
    """One session per request; handlers commit what they change, anything else is rolled back."""
    with request.app.state.sessions() as session:
        yield session


DB = Annotated[Session, Depends(db)]


def signed_in(request: Request, session: DB) -> SignedIn:
    found = lookup_session(session, request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise LoginRequired
    request.state.signed_in = found
    return found


Viewer = Annotated[SignedIn, Depends(signed_in)]


def acting(who: Viewer, csrf_token: Annotated[str, Form()] = "") -> SignedIn:
    """A form that changes something: the session's CSRF token, and a role that may act (not an auditor)."""
    if not tokens_equal(csrf_token, who.web_session.csrf_token):
        raise Forbidden("The form was stale or did not come from this site; nothing was changed. Please try again.")
    if who.user.role not in ACTING_ROLES:
        raise Forbidden(f"{who.user.role.capitalize()}s can see everything but change nothing.")
    return who


Actor = Annotated[SignedIn, Depends(acting)]
