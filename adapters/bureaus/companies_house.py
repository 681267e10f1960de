"""UK Companies House public data API: company profile, registered office and insolvency cases; no score.

Facts relied on (Companies House API documentation): the API key is the Basic-auth user name with an empty
password; the limit is 600 requests per 5 minutes (so ``rate_limit_per_second`` 2 with a small burst keeps under
it); ``/company/{number}/insolvency`` answers 404 when there is no insolvency history. Paths and fields:
``mappings/companies_house.toml``.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from adapters.bureaus.auth import BasicApiKey
from adapters.bureaus.bureau import MappedBureau
from adapters.bureaus.clock import Clock
from adapters.bureaus.mapping import load_mapping
from adapters.bureaus.resilience import RetryPolicy
from gateway.settings import BureauSettings

NAME = "companies_house"


def create(
    settings: BureauSettings,
    *,
    mappings_dir: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    retry: RetryPolicy | None = None,
) -> MappedBureau:
    mapping = load_mapping(NAME, mappings_dir)
    auth = BasicApiKey(NAME, settings.api_key)
    return MappedBureau(NAME, settings, mapping, auth=auth, transport=transport, clock=clock, retry=retry)
