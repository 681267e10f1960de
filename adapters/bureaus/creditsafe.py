"""Creditsafe Connect: username/password login for a bearer token, company search, credit report by connectId.

Facts relied on (Creditsafe Connect API documentation): ``POST /authenticate`` returns a JWT valid about an hour;
repeated failed logins lock the account, so a refused login is never retried (see ``auth.BearerToken``); scores
and limits come as strings, sometimes as text ("Not Rated"); reports on German companies need a reason code.
Paths, fields and scales: ``mappings/creditsafe.toml``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx

from adapters.bureaus.auth import password_login
from adapters.bureaus.bureau import MappedBureau, token_bureau
from adapters.bureaus.clock import Clock
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
    return token_bureau(
        NAME,
        settings,
        partial(password_login, settings.username, settings.password),
        default_path="/authenticate",
        mappings_dir=mappings_dir,
        transport=transport,
        clock=clock,
        retry=retry,
    )
