"""API keys of credit-check clients: 256-bit random, shown once, kept only as SHA-256 (a fast hash suffices for
keys this long: nobody guesses them, and a leaked table gives no key back)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.errors import InputError
from gateway.storage.credit_tables import ApiKey

KEY_PREFIX = "gwk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyInfo:
    name: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def create_key(session: Session, name: str, now: dt.datetime) -> str:
    """A new key for client ``name``; the only time the key itself exists outside the client."""
    name = name.strip()
    if not name or len(name) > 70:
        raise InputError("an API key name must have 1 to 70 characters")
    if session.scalars(select(ApiKey).where(ApiKey.name == name)).first() is not None:
        raise InputError(f"an API key named {name!r} exists already (revoke it and choose a new name)")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, prefix=key[:12], key_hash=hash_key(key), created_at=now))
    session.flush()
    return key


def list_keys(session: Session) -> list[KeyInfo]:
    rows = session.scalars(select(ApiKey).order_by(ApiKey.name))
    return [KeyInfo(r.name, r.prefix, r.created_at, r.revoked_at) for r in rows]


def revoke_key(session: Session, name: str, now: dt.datetime) -> None:
    row = session.scalars(select(ApiKey).where(ApiKey.name == name)).first()
    if row is None:
        raise InputError(f"no API key named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = now


class KeyVerifier:
    """Checks presented keys against the table, remembering answers for ``cache_seconds`` so the hot path does not
    read the database on every request; a revocation therefore takes effect within that time."""

    def __init__(self, sessions: sessionmaker[Session], cache_seconds: float) -> None:
        self.sessions = sessions
        self.cache_seconds = cache_seconds
        self._known: dict[str, tuple[str | None, float]] = {}

    def remembered(self, key: str) -> tuple[bool, str | None]:
        """(True, client or None) when a recent answer for ``key`` is at hand, without touching the database."""
        hit = self._known.get(hash_key(key))
        if hit is not None and time.monotonic() - hit[1] < self.cache_seconds:
            return True, hit[0]
        return False, None

    def client_for(self, key: str) -> str | None:
        """The client's name, or None for an unknown or revoked key."""
        known, name = self.remembered(key)
        if known:
            return name
        digest = hash_key(key)
        now = time.monotonic()
        with self.sessions() as session:
            row = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).first()
            name = row.name if row is not None and row.revoked_at is None else None
        if len(self._known) > 10_000:  # a flood of wrong keys must not grow memory without bound
            self._known.clear()
        self._known[digest] = (name, now)
        return name
