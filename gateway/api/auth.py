"""Users, passwords, sign-in sessions, CSRF tokens and the sign-in rate limit.

Passwords are hashed with argon2id (argon2-cffi). The session cookie carries a random token; the database
keeps only its SHA-256, so a copy of the database signs nobody in. Every form carries the session's CSRF
token; the sign-in form, shown before there is a session, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.errors import InputError
from gateway.storage.auth_tables import ROLES, User, WebSession

SESSION_COOKIE = "gw_session"
LOGIN_CSRF_COOKIE = "gw_login_csrf"
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, role: str) -> User:
    username = username.strip()
    if not username:
        raise InputError("the user name is empty")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password is too short: at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise InputError(f"the user {username!r} exists already")
    user = User(username=username, password_hash=hash_password(password), role=role, active=True, created_at=now())
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same work either way)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    try:
        _hasher.verify(user.password_hash if user is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, lifetime: timedelta) -> str:
    """A new sign-in session for ``user``; returns the cookie's token. Expired sessions are swept here."""
    session.execute(delete(WebSession).where(WebSession.expires_at < now()))
    token = secrets.token_urlsafe(32)
    moment = now()
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=moment,
            expires_at=moment + lifetime,
        )
    )
    session.flush()
    return token


@dataclass
class SignedIn:
    user: User
    web_session: WebSession


def lookup_session(session: Session, token: str | None) -> SignedIn | None:
    if not token:
        return None
    row = session.get(WebSession, _digest(token))
    if row is None or _aware(row.expires_at) <= now():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return SignedIn(user, row)


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def tokens_equal(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def set_flash(web_session: WebSession, kind: str, text: str) -> None:
    web_session.flash = json.dumps({"kind": kind, "text": text})


def pop_flash(web_session: WebSession) -> dict[str, str] | None:
    if not web_session.flash:
        return None
    message: dict[str, str] = json.loads(web_session.flash)
    web_session.flash = None
    return message


class LoginThrottle:
    """Failed sign-ins per key (user name, client address) in a sliding window; in memory, per process.

    Enough for one `gateway serve`; several replicas behind a balancer each count on their own, which still
    bounds guessing to a small multiple of the limit.
    """

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, moment: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= moment - self.window:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        moment = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, moment)) >= self.max_failures for k in keys)

    def failed(self, *keys: str) -> None:
        moment = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, moment).append(moment)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
