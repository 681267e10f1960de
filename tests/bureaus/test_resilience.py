"""The resilience rules, shown through the Creditsafe adapter (they are declared once, for every bureau)."""

from __future__ import annotations

import asyncio
import email.utils
import logging

import httpx
import pytest
import respx

from adapters.bureaus import (
    BureauAuthError,
    BureauRateLimited,
    BureauRequestError,
    BureauResponseError,
    BureauUnavailable,
    CircuitOpen,
    RetryPolicy,
    SingleFlight,
    creditsafe,
)
from adapters.bureaus.resilience import CircuitState, TokenBucket
from gateway.model.credit_report import CompanyQuery
from tests.bureaus.conftest import CH_KEY, CS_PASSWORD, CS_URL, DNB_SECRET, payload, settings

pytestmark = pytest.mark.anyio

ID = "GB-0-04417823"
REPORT = f"/companies/{ID}"


def router() -> respx.MockRouter:
    r = respx.mock(base_url=CS_URL, assert_all_called=False)
    r.post("/authenticate").respond(json={"token": "tok-123"})
    return r


def ok() -> httpx.Response:
    return httpx.Response(200, json=payload("creditsafe_report_good.json"))


def no_jitter(attempts: int | None = None) -> RetryPolicy:
    return RetryPolicy(max_attempts=attempts, initial_backoff=0.5, max_backoff=8.0, jitter=0.0)


async def test_429_waits_as_long_as_retry_after_says(make_creditsafe, clock):
    with router() as bureau:
        route = bureau.get(REPORT)
        route.side_effect = [httpx.Response(429, headers={"Retry-After": "7"}), ok()]
        await make_creditsafe().fetch_report(ID)
    assert route.call_count == 2 and clock.sleeps == [7.0]


async def test_429_with_an_http_date_waits_until_that_moment(make_creditsafe, clock):
    when = email.utils.format_datetime(clock.utcnow().replace(microsecond=0) + __import__("datetime").timedelta(
        seconds=12), usegmt=True)
    with router() as bureau:
        route = bureau.get(REPORT)
        route.side_effect = [httpx.Response(429, headers={"Retry-After": when}), ok()]
        await make_creditsafe().fetch_report(ID)
    assert clock.sleeps == [pytest.approx(12.0)]


async def test_429_without_retry_after_backs_off_exponentially(make_creditsafe, clock):
    with router() as bureau:
        route = bureau.get(REPORT)
        route.side_effect = [httpx.Response(429), httpx.Response(429), ok()]
        await make_creditsafe(retry=no_jitter()).fetch_report(ID)
    assert clock.sleeps == [0.5, 1.0]


async def test_a_retry_after_beyond_the_budget_gives_up_at_once(make_creditsafe, clock):
    with router() as bureau:
        route = bureau.get(REPORT).respond(429, headers={"Retry-After": "120"})
        with pytest.raises(BureauRateLimited, match="429") as caught:
            await make_creditsafe(budget_seconds=10).fetch_report(ID)
    assert route.call_count == 1 and clock.sleeps == []
    assert caught.value.retry_after == 120


async def test_5xx_retries_with_growing_backoff_then_a_clear_error(make_creditsafe, clock):
    with router() as bureau:
        route = bureau.get(REPORT).respond(503, json={"message": "maintenance"})
        with pytest.raises(BureauUnavailable, match=r"HTTP 503.*maintenance.*4 attempt") as caught:
            await make_creditsafe(max_attempts=4, retry=RetryPolicy(jitter=0.25)).fetch_report(ID)
    assert route.call_count == 4
    assert len(clock.sleeps) == 3
    for slept, base in zip(clock.sleeps, [0.5, 1.0, 2.0], strict=True):
        assert base <= slept <= base + 0.25  # exponential, with jitter
    assert "creditsafe" in str(caught.value)


async def test_retries_stop_when_the_time_budget_would_run_out(make_creditsafe, clock):
    with router() as bureau:
        route = bureau.get(REPORT).respond(500)
        with pytest.raises(BureauUnavailable, match="budget 2"):
            await make_creditsafe(budget_seconds=2, retry=no_jitter(10)).fetch_report(ID)
    # waits of 0.5 s and 1 s fit in 2 s; the next (2 s) would not, so it stops after 3 calls, not 10
    assert route.call_count == 3 and clock.sleeps == [0.5, 1.0]


async def test_connection_errors_and_timeouts_are_retried(make_creditsafe, clock):
    with router() as bureau:
        route = bureau.get(REPORT)
        route.side_effect = [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), ok()]
        report = await make_creditsafe(retry=no_jitter()).fetch_report(ID)
    assert report.company.name and route.call_count == 3


@pytest.mark.parametrize(
    ("status", "error"), [(400, BureauRequestError), (403, BureauAuthError), (409, BureauRequestError),
                          (422, BureauRequestError)]
)
async def test_other_4xx_fail_at_once(make_creditsafe, clock, status, error):
    with router() as bureau:
        route = bureau.get(REPORT).respond(status, json={"message": "Invalid request"})
        with pytest.raises(error, match=f"HTTP {status}.*Invalid request"):
            await make_creditsafe().fetch_report(ID)
    assert route.call_count == 1 and clock.sleeps == []


async def test_truncated_json_is_an_error_naming_the_bureau_and_the_body(make_creditsafe):
    text = ok().text[:300]
    with router() as bureau:
        bureau.get(REPORT).respond(200, text=text, headers={"Content-Type": "application/json"})
        with pytest.raises(BureauResponseError, match=r"creditsafe: \(body\): not valid JSON") as caught:
            await make_creditsafe().fetch_report(ID)
    assert caught.value.bureau == "creditsafe" and caught.value.field == "(body)"


async def test_an_unreadable_field_is_an_error_naming_the_field_path(make_creditsafe):
    raw = payload("creditsafe_report_good.json")
    raw["report"]["creditScore"]["currentCreditRating"]["creditLimit"]["value"] = "plenty"
    with router() as bureau:
        bureau.get(REPORT).respond(json=raw)
        with pytest.raises(BureauResponseError) as caught:
            await make_creditsafe().fetch_report(ID)
    assert caught.value.field == "report.creditScore.currentCreditRating.creditLimit.value"
    assert "'plenty'" in str(caught.value)


async def test_an_object_of_the_wrong_shape_is_an_error_not_a_half_filled_report(make_creditsafe):
    with router() as bureau:
        bureau.get(REPORT).respond(json={"report": "temporarily unavailable"})
        with pytest.raises(BureauResponseError, match="expected an object at 'report', got text"):
            await make_creditsafe().fetch_report(ID)


async def test_an_ordered_report_is_polled_until_ready(make_creditsafe, clock):
    with router() as bureau:
        bureau.get(REPORT).respond(202, headers={"Location": "/v1/orders/77", "Retry-After": "3"})
        poll = bureau.get("/orders/77")
        poll.side_effect = [httpx.Response(202, headers={"Retry-After": "2"}), ok()]
        report = await make_creditsafe().fetch_report(ID)
    assert report.company.name == "Harbour Lane Engineering Ltd"
    assert poll.call_count == 2 and clock.sleeps == [3.0, 2.0]
    assert poll.calls.last.request.headers["Authorization"] == "Bearer tok-123"


async def test_an_order_not_ready_within_the_budget_is_unavailable(make_creditsafe, clock):
    with router() as bureau:
        bureau.get(REPORT).respond(202, headers={"Location": "/v1/orders/78"})
        bureau.get("/orders/78").respond(202, headers={"Retry-After": "4"})
        with pytest.raises(BureauUnavailable, match="not ready within the 10 s budget"):
            await make_creditsafe(budget_seconds=10).fetch_report(ID)
    assert sum(clock.sleeps) < 10


async def test_a_location_on_another_host_is_refused(make_creditsafe):
    with router() as bureau:
        bureau.get(REPORT).respond(202, headers={"Location": "https://elsewhere.test/steal"})
        with pytest.raises(BureauResponseError, match="Location"):
            await make_creditsafe().fetch_report(ID)


async def test_the_circuit_opens_after_repeated_failures_and_recovers_half_open(make_creditsafe, clock):
    with router() as bureau:
        route = bureau.get(REPORT).respond(500)
        cs = make_creditsafe(circuit_failure_threshold=2, circuit_reset_seconds=30, max_attempts=1)
        for _ in range(2):
            with pytest.raises(BureauUnavailable):
                await cs.fetch_report(ID)
        assert cs.http.breaker.state is CircuitState.OPEN
        with pytest.raises(CircuitOpen, match="next probe in"):
            await cs.fetch_report(ID)
        assert route.call_count == 2  # the open circuit spared the bureau

        clock.advance(31)  # half-open: one probe; it fails, so the circuit opens again
        assert cs.http.breaker.state is CircuitState.HALF_OPEN
        with pytest.raises(BureauUnavailable):
            await cs.fetch_report(ID)
        with pytest.raises(CircuitOpen):
            await cs.fetch_report(ID)

        clock.advance(31)  # the next probe succeeds and closes it
        route.side_effect = [ok(), ok()]
        await cs.fetch_report(ID)
        assert cs.http.breaker.state is CircuitState.CLOSED
        await cs.fetch_report(ID)
    assert route.call_count == 5


async def test_one_call_in_flight_per_company_however_many_ask(clock):
    calls = 0
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        if request.url.path.endswith("/authenticate"):
            return httpx.Response(200, json={"token": "t"})
        calls += 1
        await release.wait()  # hold the answer until everyone has asked
        return ok()

    cs = creditsafe.create(settings(CS_URL), transport=httpx.MockTransport(handler), clock=clock)
    try:
        tasks = [asyncio.create_task(cs.fetch_report(ID)) for _ in range(25)]
        await asyncio.sleep(0.05)
        assert cs.reports.in_flight((ID, None))
        release.set()
        reports = await asyncio.gather(*tasks)
    finally:
        await cs.aclose()
    assert calls == 1 and len({id(r) for r in reports}) == 1
    assert not cs.reports.in_flight((ID, None))  # done: the next ask is a new call (caching is another layer)


async def test_single_flight_survives_a_caller_giving_up():
    flight: SingleFlight[str, int] = SingleFlight()
    gate = asyncio.Event()

    async def slow() -> int:
        await gate.wait()
        return 42

    impatient = asyncio.create_task(flight.do("k", slow))
    patient = asyncio.create_task(flight.do("k", slow))
    await asyncio.sleep(0)
    impatient.cancel()
    gate.set()
    assert await patient == 42


async def test_the_rate_limiter_spaces_calls_beyond_the_burst(clock):
    bucket = TokenBucket(rate=2.0, burst=2, clock=clock)
    for _ in range(5):
        assert await bucket.acquire()
    assert clock.sleeps == [0.5, 0.5, 0.5]  # two at once, then one every half second


async def test_the_adapter_keeps_to_its_rate_limit(make_creditsafe, clock):
    with router() as bureau:
        bureau.get(REPORT).mock(side_effect=lambda request: ok())
        cs = make_creditsafe(rate_limit_per_second=4, rate_limit_burst=1)
        for _ in range(3):
            await cs.fetch_report(ID)
    # login + 3 reports = 4 requests, one slot every 0.25 s after the first
    assert clock.sleeps == [0.25, 0.25, 0.25]


async def test_credentials_never_appear_in_logs_reprs_or_errors(make_creditsafe, make_dnb, make_companies_house,
                                                                caplog):
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    with router() as bureau:
        route = bureau.get(REPORT)
        route.side_effect = [httpx.Response(401), ok(), httpx.Response(500)]
        cs = make_creditsafe(max_attempts=1)
        await cs.fetch_report(ID)
        try:
            await cs.fetch_report(ID)
        except BureauUnavailable as exc:
            errors.append(str(exc))
    with respx.mock(assert_all_called=False) as mock:
        mock.post(url__regex=r".*/v3/token").respond(401, json={"error": {"errorCode": "00041"}})
        mock.get(url__regex=r".*/search/companies").respond(500)
        for b in (make_dnb(max_attempts=1), make_companies_house(max_attempts=1)):
            try:
                await b.find_company(CompanyQuery(country="GB", name="x"))
            except Exception as exc:  # noqa: BLE001 - every failure's text is checked
                errors.append(str(exc))
            errors.append(repr(b) + repr(b.http) + repr(b.http.auth) + repr(b.settings))
    text = caplog.text + "\n".join(errors) + repr(cs) + repr(cs.http.auth) + repr(cs.settings)
    assert len(errors) == 5 and caplog.records
    for secret in (CS_PASSWORD, DNB_SECRET, CH_KEY, "tok-123"):
        assert secret not in text
