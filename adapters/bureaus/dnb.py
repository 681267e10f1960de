"""Dun & Bradstreet Direct+: OAuth2 client-credentials token, cleanseMatch search, data blocks by DUNS.

Facts relied on (D&B Direct+ documentation): ``POST /v3/token`` with Basic client_id:client_secret and
``{"grant_type": "client_credentials"}`` answers ``{"access_token", "expiresIn"}`` (about 24 hours); errors come as
``{"error": {"errorCode", "errorMessage"}}`` (expired token 401/00040, rate limit 429/00045); the failure score
comes as national percentile, class 1-5 and raw score; PAYDEX is 1-100 with 80 = prompt. A 404 on a match is "no
such company". Paths, blocks, fields and scales: ``mappings/dnb.toml``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx

from adapters.bureaus.auth import client_credentials_login
from adapters.bureaus.bureau import MappedBureau, token_bureau
from adapters.bureaus.clock import Clock
from adapters.bureaus.resilience import RetryPolicy
from gateway.settings import BureauSettings

NAME = "dnb"


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
        partial(client_credentials_login, settings.client_id, settings.client_secret),
        default_path="/v3/token",
        mappings_dir=mappings_dir,
        transport=transport,
        clock=clock,
        retry=retry,
    )
