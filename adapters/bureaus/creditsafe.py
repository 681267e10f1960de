"""Creditsafe Connect: username/password login for a bearer token, company search, credit report by connectId.

Facts relied on (Creditsafe Connect API documentation): ``POST /authenticate`` returns a JWT valid about an hour;
repeated failed logins lock the account, so a refused login is never retried (see ``auth.BearerToken``); scores
and limits come as strings, sometimes as text ("Not Rated"); reports on German companies need a reason code.
Paths, fields and scales: ``mappings/creditsafe.toml``.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from adapters.bureaus.auth import BearerToken, password_login
from adapters.bureaus.bureau import MappedBureau
from adapters.bureaus.clock import Clock, SystemClock
from adapters.bureaus.mapping import load_mapping
from adapters.bureaus.resilience import RetryPolicy
from gateway.settings import BureauSettings

NAME = "creditsafe"


def create(
    settings: BureauSettings,
    *,
    mappings_dir: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    retry: RetryPolicy | None = None,
) -> MappedBureau:
    mapping = load_mapping(NAME, mappings_dir)
    clock = clock or SystemClock()
    login = password_login(
        settings.username,
        settings.password,
        path=mapping.auth.path or "/authenticate",
        token_path=mapping.auth.token,
        expires_path=mapping.auth.expires_in,
    )
    auth = BearerToken(
        NAME,
        login,
        clock,
        margin_seconds=settings.token_refresh_margin_seconds,
        default_lifetime_seconds=mapping.auth.default_lifetime_seconds,
    )
    return MappedBureau(NAME, settings, mapping, auth=auth, transport=transport, clock=clock, retry=retry)
