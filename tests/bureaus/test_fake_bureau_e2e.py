"""End to end: ``gateway fake-bureau`` in a subprocess on a free loopback port, the real adapters against it."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from adapters.bureaus import (
    BureauResponseError,
    BureauUnavailable,
    CircuitOpen,
    ReasonRequired,
    RetryPolicy,
    companies_house,
    creditsafe,
    dnb,
)
from gateway.model.credit_report import CompanyQuery, CompanyStatus
from gateway.settings import BureauSettings

pytestmark = pytest.mark.anyio

GATEWAY = str(Path(sys.executable).parent / "gateway")
FAST = RetryPolicy(initial_backoff=0.05, max_backoff=0.2, jitter=0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [GATEWAY, "fake-bureau", "--port", str(port), "--token-ttl", "600"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/__fake/stats", timeout=0.5)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("fake bureau did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def fake(fake_url: str) -> str:
    httpx.post(f"{fake_url}/__fake/reset")
    return fake_url


def stats(url: str) -> dict:
    return httpx.get(f"{url}/__fake/stats").json()


def cs_settings(url: str, **kw: object) -> BureauSettings:
    return BureauSettings(base_url=f"{url}/creditsafe", username="fake-user", password=SecretStr("fake-password"),
                          rate_limit_per_second=200, rate_limit_burst=50, **kw)


def dnb_settings(url: str, **kw: object) -> BureauSettings:
    return BureauSettings(base_url=f"{url}/dnb", client_id="fake-client", client_secret=SecretStr("fake-secret"),
                          rate_limit_per_second=200, rate_limit_burst=50, **kw)


async def test_each_adapter_finds_a_company_and_reads_its_report(fake):
    cs = creditsafe.create(cs_settings(fake), retry=FAST)
    d = dnb.create(dnb_settings(fake), retry=FAST)
    ch = companies_house.create(BureauSettings(base_url=f"{fake}/companies-house", api_key=SecretStr("fake-key")))
    try:
        [m] = await cs.find_company(CompanyQuery(country="GB", registration_number="04417823"))
        report = await cs.fetch_report(m.bureau_id)
        assert report.score == Decimal("87.88") and report.credit_limit is not None
        [m] = await d.find_company(CompanyQuery(country="FR", name="Ateliers Roux"))
        report = await d.fetch_report(m.bureau_id)
        assert report.score == Decimal(12) and report.days_beyond_terms == Decimal(45)
        [m] = await ch.find_company(CompanyQuery(name="Northgate"))
        report = await ch.fetch_report(m.bureau_id)
        assert report.company.status is CompanyStatus.INSOLVENT and len(report.negative_events) == 1
        assert await d.find_company(CompanyQuery(country="GB", name="No Such Company")) == []
    finally:
        for b in (cs, d, ch):
            await b.aclose()


async def test_germany_needs_a_reason_which_the_fake_also_insists_on(fake):
    async with creditsafe.create(cs_settings(fake)) as cs:
        with pytest.raises(ReasonRequired):
            await cs.fetch_report("DE-X-7712345001")
        report = await cs.fetch_report("DE-X-7712345001", reason="CREDIT")
    assert report.bureau_band == "C"


async def test_flaky_rate_limited_and_ordered_reports_still_arrive(fake):
    async with creditsafe.create(cs_settings(fake), retry=FAST) as cs:
        flaky = await cs.fetch_report("GB-0-09120002")  # two 500s first
        throttled = await cs.fetch_report("GB-0-09120003")  # one 429 with Retry-After: 1
        ordered = await cs.fetch_report("AT-X-456789")  # 202, then two more 202s while polling, then the report
    assert flaky.company.name and throttled.company.name and ordered.company.country == "AT"
    calls = stats(fake)["companies"]
    assert calls["creditsafe flaky"] == 3 and calls["creditsafe throttled"] == 2 and calls["creditsafe ordered"] == 4


async def test_a_slow_bureau_ends_within_the_time_budget(fake):
    async with creditsafe.create(cs_settings(fake, budget_seconds=1.0, timeout_seconds=0.5), retry=FAST) as cs:
        started = time.monotonic()
        with pytest.raises(BureauUnavailable, match="timeout"):
            await cs.fetch_report("GB-0-09120001")  # answers after 2 s
    assert time.monotonic() - started < 1.5


async def test_garbled_answers_are_errors_naming_bureau_and_field(fake):
    async with dnb.create(dnb_settings(fake)) as d:
        with pytest.raises(BureauResponseError, match=r"dnb: \(body\)"):
            await d.fetch_report("219000004")
        with pytest.raises(BureauResponseError, match="nationalPercentile"):
            await d.fetch_report("219000005")


async def test_expired_tokens_are_refreshed_on_the_401(fake):
    async with dnb.create(dnb_settings(fake)) as d:
        await d.fetch_report("218834561")
        httpx.post(f"{fake}/__fake/expire-tokens")
        await d.fetch_report("218834561")
    calls = stats(fake)["calls"]
    assert calls["dnb POST /v3/token"] == 2 and calls["dnb GET /v1/data/duns/{id}"] == 3


async def test_concurrent_checks_for_one_company_make_one_bureau_call(fake):
    async with creditsafe.create(cs_settings(fake)) as cs:
        reports = await asyncio.gather(*(cs.fetch_report("GB-0-04417823") for _ in range(20)))
    assert len({r.company.bureau_id for r in reports}) == 1
    assert stats(fake)["companies"]["creditsafe good"] == 1


async def test_the_circuit_opens_when_the_bureau_keeps_failing(fake):
    httpx.post(f"{fake}/__fake/faults", json={"bureau": "dnb", "endpoint": "report", "fault": "500"})
    settings = dnb_settings(fake, circuit_failure_threshold=2, circuit_reset_seconds=60, max_attempts=2)
    async with dnb.create(settings, retry=FAST) as d:
        for _ in range(2):
            with pytest.raises(BureauUnavailable):
                await d.fetch_report("218834561")
        with pytest.raises(CircuitOpen):
            await d.fetch_report("218834561")
    assert stats(fake)["calls"]["dnb GET /v1/data/duns/{id}"] == 4  # nothing sent while open


async def test_faults_can_be_asked_for_per_request_by_header(fake):
    async with httpx.AsyncClient(base_url=fake) as client:
        token = (await client.post("/creditsafe/authenticate",
                                   json={"username": "fake-user", "password": "fake-password"})).json()["token"]
        headers = {"Authorization": f"Bearer {token}", "X-Fake-Fault": "429=none"}
        limited = await client.get("/creditsafe/companies", params={"countries": "GB", "name": "x"}, headers=headers)
        wrong = await client.post("/creditsafe/authenticate", json={"username": "fake-user", "password": "nope"})
    assert limited.status_code == 429 and "Retry-After" not in limited.headers
    assert wrong.status_code == 401


def test_the_fake_refuses_to_listen_beyond_loopback():
    done = subprocess.run([GATEWAY, "fake-bureau", "--port", "1", "--host", "0.0.0.0"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "loopback only" in done.stderr
