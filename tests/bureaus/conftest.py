"""Shared pieces for the bureau tests: a manual clock (retries never really sleep), settings, recorded payloads."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.bureaus import ManualClock, MappedBureau, companies_house, creditsafe, dnb
from gateway.settings import BureauSettings

PAYLOADS = Path(__file__).parent / "payloads"

CS_URL = "https://connect.creditsafe.test/v1"
DNB_URL = "https://plus.dnb.test"
CH_URL = "https://api.companies-house.test"

CS_PASSWORD = "cs-pa55-DO-NOT-LOG"
DNB_SECRET = "dnb-s3cret-DO-NOT-LOG"
CH_KEY = "ch-k3y-DO-NOT-LOG"


@cache
def _payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def payload(name: str) -> Any:
    """A fresh copy of a recorded bureau answer (tests may change it)."""
    return copy.deepcopy(_payload(name))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def settings(base_url: str, **overrides: Any) -> BureauSettings:
    values: dict[str, Any] = {
        "enabled": True,
        "base_url": base_url,
        "username": "cs-user",
        "password": SecretStr(CS_PASSWORD),
        "client_id": "dnb-client",
        "client_secret": SecretStr(DNB_SECRET),
        "api_key": SecretStr(CH_KEY),
        "timeout_seconds": 5,
        "budget_seconds": 30,
        "max_attempts": 4,
        "rate_limit_per_second": 1000,
        "rate_limit_burst": 1000,
        "circuit_failure_threshold": 3,
        "circuit_reset_seconds": 30,
        "token_refresh_margin_seconds": 300,
    }
    values.update(overrides)
    return BureauSettings(**values)


BureauMaker = Callable[..., MappedBureau]


async def _bureaus(create: Callable[..., MappedBureau], url: str, clock: ManualClock) -> AsyncIterator[BureauMaker]:
    """A maker of bureaus on the manual clock (settings overridable per call), closing them all afterwards."""
    made: list[MappedBureau] = []

    def make(**overrides: Any) -> MappedBureau:
        retry = overrides.pop("retry", None)
        b = create(settings(url, **overrides), clock=clock, retry=retry)
        made.append(b)
        return b

    yield make
    for b in made:
        await b.aclose()


@pytest.fixture
async def make_creditsafe(clock: ManualClock) -> AsyncIterator[BureauMaker]:
    async for make in _bureaus(creditsafe.create, CS_URL, clock):
        yield make


@pytest.fixture
async def make_dnb(clock: ManualClock) -> AsyncIterator[BureauMaker]:
    async for make in _bureaus(dnb.create, DNB_URL, clock):
        yield make


@pytest.fixture
async def make_companies_house(clock: ManualClock) -> AsyncIterator[BureauMaker]:
    async for make in _bureaus(companies_house.create, CH_URL, clock):
        yield make
