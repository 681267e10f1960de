"""How each bureau wants to be authenticated, and the token cache shared by the token-based ones.

* ``BearerToken``: a token from a login call, cached until shortly before it expires (Creditsafe Connect:
  ``POST /authenticate``, tokens valid about an hour; D&B Direct+: ``POST /v3/token`` with client credentials,
  tokens valid about 24 hours). A 401 on a data call drops the token; ``http.py`` then logs in again once.
* ``BasicApiKey``: the API key as the Basic-auth user name with an empty password (Companies House).

A refused login is never retried automatically: Creditsafe locks an account after repeated failed logins, so
after one refusal every later call fails at once with ``BureauAuthError`` until the settings are fixed (restart).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import SecretStr

from adapters.bureaus.clock import Clock, Deadline
from gateway.bureau_errors import BureauAuthError, BureauError

if TYPE_CHECKING:
    from adapters.bureaus.http import BureauHttp

log = logging.getLogger(__name__)


class Auth(Protocol):
    refreshable: bool

    async def headers(self, http: BureauHttp, deadline: Deadline) -> dict[str, str]: ...

    def invalidate(self, headers: dict[str, str]) -> None: ...


class NoAuth:
    refreshable = False

    async def headers(self, http: BureauHttp, deadline: Deadline) -> dict[str, str]:
        return {}

    def invalidate(self, headers: dict[str, str]) -> None:
        return None


class BasicApiKey:
    """Companies House: ``Authorization: Basic base64(api_key + ":")``."""

    refreshable = False

    def __init__(self, bureau: str, api_key: SecretStr | None) -> None:
        self._bureau = bureau
        self._key = api_key

    def __repr__(self) -> str:
        return f"BasicApiKey({self._bureau!r}, api_key=**********)"

    async def headers(self, http: BureauHttp, deadline: Deadline) -> dict[str, str]:
        if self._key is None or not self._key.get_secret_value():
            raise BureauAuthError(self._bureau, "no API key configured (api_key setting)")
        return {"Authorization": _basic(self._key.get_secret_value(), "")}

    def invalidate(self, headers: dict[str, str]) -> None:
        return None


@dataclass(frozen=True)
class IssuedToken:
    value: str = field(repr=False)
    expires_in: float | None  # seconds, when the bureau says


Login = Callable[["BureauHttp", Deadline], Awaitable[IssuedToken]]


class BearerToken:
    """A cached bearer token, refreshed ``margin`` seconds before it expires; one login at a time."""

    refreshable = True

    def __init__(
        self,
        bureau: str,
        login: Login,
        clock: Clock,
        *,
        margin_seconds: float,
        default_lifetime_seconds: float,
        header: str = "Authorization",
        scheme: str = "Bearer",
    ) -> None:
        self._bureau = bureau
        self._login = login
        self._clock = clock
        self._margin = margin_seconds
        self._default_lifetime = default_lifetime_seconds
        self._header = header
        self._scheme = scheme
        self._value: str | None = None
        self._refresh_at = 0.0
        self._refused: str | None = None
        self._lock = asyncio.Lock()
        self.logins = 0  # how many logins this cache made (tests, metrics)

    def __repr__(self) -> str:
        state = "cached" if self._value else "empty"
        return f"BearerToken({self._bureau!r}, {state})"

    def _header_value(self, token: str) -> str:
        return f"{self._scheme} {token}" if self._scheme else token

    async def headers(self, http: BureauHttp, deadline: Deadline) -> dict[str, str]:
        return {self._header: self._header_value(await self.token(http, deadline))}

    async def token(self, http: BureauHttp, deadline: Deadline) -> str:
        async with self._lock:  # concurrent callers wait for the one login instead of each logging in
            if self._refused is not None:
                raise BureauAuthError(self._bureau, f"login refused earlier ({self._refused}); not retried "
                                      "automatically because repeated failed logins lock the account")
            if self._value is not None and self._clock.monotonic() < self._refresh_at:
                return self._value
            try:
                issued = await self._login(http, deadline)
            except BureauAuthError as exc:
                self._refused = exc.message
                raise
            except BureauError as exc:
                if getattr(exc, "status", None) is not None:  # a 4xx on the login itself is a refused login
                    self._refused = exc.message
                    raise BureauAuthError(self._bureau, f"login refused: {exc.message}") from exc
                raise
            self.logins += 1
            lifetime = issued.expires_in if issued.expires_in and issued.expires_in > 0 else self._default_lifetime
            # a margin longer than half the lifetime would log in on every call
            margin = min(self._margin, lifetime / 2)
            self._value = issued.value
            self._refresh_at = self._clock.monotonic() + lifetime - margin
            log.info("%s: new token, refresh in %.0f s", self._bureau, lifetime - margin)
            return self._value

    def invalidate(self, headers: dict[str, str]) -> None:
        """Forget the token the failed request carried (not a newer one another task fetched meanwhile)."""
        sent = headers.get(self._header)
        if self._value is not None and sent == self._header_value(self._value):
            self._value = None


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def jwt_expires_in(token: str, clock: Clock) -> float | None:
    """Seconds until a JWT's ``exp`` (read, not verified: only to know when to refresh); None if not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        exp = float(payload["exp"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return exp - clock.utcnow().timestamp()


def _token_from(http: BureauHttp, doc: Any, token_path: str, expires_path: str | None) -> IssuedToken:
    from adapters.bureaus.mapping import MISSING, get_path

    value = get_path(http.bureau, doc, token_path)
    if not isinstance(value, str) or not value:
        from gateway.bureau_errors import BureauResponseError

        raise BureauResponseError(http.bureau, token_path, "login answer carries no token")
    expires: float | None = None
    if expires_path:
        raw = get_path(http.bureau, doc, expires_path)
        if raw is not MISSING and isinstance(raw, int | float | str) and str(raw).strip().isdigit():
            expires = float(raw)
    if expires is None:
        expires = jwt_expires_in(value, http.clock)
    return IssuedToken(value, expires)


def password_login(
    username: str | None, password: SecretStr | None, *, path: str, token_path: str, expires_path: str | None
) -> Login:
    """Creditsafe Connect: ``POST /authenticate {"username","password"}`` -> ``{"token"}``."""

    async def login(http: BureauHttp, deadline: Deadline) -> IssuedToken:
        if not username or password is None:
            raise BureauAuthError(http.bureau, "no username/password configured")
        body = {"username": username, "password": password.get_secret_value()}
        doc = await http.post_json(path, json_body=body, deadline=deadline, authenticated=False)
        return _token_from(http, doc, token_path, expires_path)

    return login


def client_credentials_login(
    client_id: str | None, client_secret: SecretStr | None, *, path: str, token_path: str, expires_path: str | None
) -> Login:
    """D&B Direct+: ``POST /v3/token`` with Basic client_id:client_secret and a client-credentials grant."""

    async def login(http: BureauHttp, deadline: Deadline) -> IssuedToken:
        if not client_id or client_secret is None:
            raise BureauAuthError(http.bureau, "no client_id/client_secret configured")
        headers = {"Authorization": _basic(client_id, client_secret.get_secret_value())}
        doc = await http.post_json(
            path, json_body={"grant_type": "client_credentials"}, headers=headers, deadline=deadline,
            authenticated=False,
        )
        return _token_from(http, doc, token_path, expires_path)

    return login
