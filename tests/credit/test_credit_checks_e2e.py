"""End to end: `gateway fake-bureau` and `gateway serve` in subprocesses on loopback, checks over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.credit_stack import fake_bureau, gateway_api, gateway_env, prepare

BUDGET = 1.0  # seconds; the fake's slow company answers after 2


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """(fake bureau URL, gateway URL, API key)."""
    workdir = tmp_path_factory.mktemp("credit-e2e")
    with fake_bureau(workdir) as fake:
        env = gateway_env(workdir, fake, GATEWAY_CREDIT__TIME_BUDGET_SECONDS=str(BUDGET))
        key = prepare(workdir, env)
        with gateway_api(workdir, env) as api:
            yield fake, api, key


@pytest.fixture
def fake(stack: tuple[str, str, str]) -> str:
    httpx.post(f"{stack[0]}/__fake/reset")
    return stack[0]


def report_calls(fake: str) -> int:
    calls: dict[str, int] = httpx.get(f"{fake}/__fake/stats").json()["calls"]
    return calls.get("creditsafe GET /companies/{id}", 0)


def check(stack: tuple[str, str, str], customer: str, value: str = "1000.00", currency: str = "GBP",
          **headers: str) -> httpx.Response:
    _, api, key = stack
    return httpx.post(f"{api}/v1/credit-checks", json={"customer_id": customer,
                                                        "order_amount": {"value": value, "currency": currency}},
                      headers={"Authorization": f"Bearer {key}", **headers}, timeout=10)


def codes(body: dict[str, Any]) -> list[str]:
    return [r["code"] for r in body["reasons"]]


def test_a_good_customer_is_approved_and_the_answer_explains_itself(stack: tuple[str, str, str], fake: str) -> None:
    r = check(stack, "C-GOOD", "1000.00", "GBP", **{"X-Request-ID": "order-4711"})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "order-4711"
    body = r.json()
    assert body["decision"] == "approve" and "WITHIN_LIMIT" in codes(body)
    assert body["credit_limit"]["currency"] == "GBP" and body["exposure"] == {"value": "0", "currency": "GBP"}
    assert body["report"]["company_name"] == "Harbour Lane Engineering Ltd" and body["report"]["bureau"] == "creditsafe"
    assert body["reserved_until"] is not None and body["request_id"] == "order-4711"


def test_an_insolvent_company_is_declined_and_a_poor_one_gets_a_small_limit(stack: tuple[str, str, str],
                                                                             fake: str) -> None:
    insolvent = check(stack, "C-INSOLVENT").json()
    assert insolvent["decision"] == "decline" and "COMPANY_STATUS" in codes(insolvent)
    poor = check(stack, "C-POOR", "4000.00", "EUR").json()
    assert poor["decision"] == "refer" and "OVER_LIMIT" in codes(poor)
    assert poor["credit_limit"] == {"value": "2500", "currency": "EUR"}  # the bureau's own recommendation caps us


def test_a_company_the_bureau_does_not_rate_is_referred(stack: tuple[str, str, str], fake: str) -> None:
    body = check(stack, "C-NOT-RATED", "100.00", "EUR").json()
    assert body["decision"] == "refer" and "NO_SCORE" in codes(body)


def test_garbled_bureau_data_and_a_flaky_bureau_never_give_a_server_error(stack: tuple[str, str, str],
                                                                          fake: str) -> None:
    odd = check(stack, "C-ODD")
    assert odd.status_code == 200 and odd.json()["decision"] == "refer" and "BUREAU_ERROR" in codes(odd.json())
    flaky = check(stack, "C-FLAKY")  # two 500s, then a retry succeeds: after the backoff, past our budget
    assert flaky.status_code == 200 and flaky.json()["decision"] in ("approve", "refer")
    time.sleep(2.0)
    assert check(stack, "C-FLAKY").json()["decision"] == "approve"


def test_a_slow_bureau_gets_refer_within_the_time_budget(stack: tuple[str, str, str], fake: str) -> None:
    started = time.monotonic()
    r = check(stack, "C-SLOW")
    elapsed = time.monotonic() - started
    assert r.status_code == 200 and r.json()["decision"] == "refer" and codes(r.json()) == ["BUREAU_TIMEOUT"]
    assert elapsed < BUDGET + 0.3
    time.sleep(1.5)  # the fetch carried on: the next check has the report
    assert check(stack, "C-SLOW").json()["decision"] == "approve"


def test_a_second_check_uses_the_stored_report_without_calling_the_bureau(stack: tuple[str, str, str],
                                                                          fake: str) -> None:
    check(stack, "C-GOOD", "10.00")
    stats = httpx.get(f"{fake}/__fake/stats").json()["calls"]
    again = check(stack, "C-GOOD", "10.00")
    assert again.json()["decision"] == "approve" and again.json()["report"]["stale"] is False
    assert httpx.get(f"{fake}/__fake/stats").json()["calls"] == stats  # no call at all
    before = report_calls(fake)
    other = check(stack, "C-GOOD-2", "10.00")  # another customer, the same company: found, then the stored report
    assert other.json()["report"]["id"] == again.json()["report"]["id"] and report_calls(fake) == before


def test_concurrent_checks_for_an_uncached_company_make_one_bureau_call(stack: tuple[str, str, str],
                                                                        fake: str) -> None:
    httpx.post(f"{fake}/__fake/faults", json={"bureau": "creditsafe", "endpoint": "report", "fault": "slow=0.3"})
    _, api, key = stack

    async def many() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=api, headers={"X-API-Key": key}, timeout=10) as client:
            body = {"customer_id": "C-DE", "order_amount": {"value": "1.00", "currency": "EUR"}}
            return await asyncio.gather(*(client.post("/v1/credit-checks", json=body) for _ in range(12)))

    answers = asyncio.run(many())
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["decision"] for a in answers} == {"approve"}
    assert httpx.get(f"{fake}/__fake/stats").json()["companies"] == {"creditsafe average-de": 1}


def test_without_a_valid_key_nothing_is_checked(stack: tuple[str, str, str], fake: str) -> None:
    _, api, _ = stack
    body = {"customer_id": "C-GOOD", "order_amount": {"value": "1.00", "currency": "GBP"}}
    for headers in ({}, {"X-API-Key": "gwk_not-a-key"}, {"Authorization": "Bearer gwk_not-a-key"}):
        r = httpx.post(f"{api}/v1/credit-checks", json=body, headers=headers)
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    unknown = check(stack, "C-NOBODY")
    assert unknown.status_code == 404 and unknown.json()["title"] == "Unknown customer"


def test_the_circuit_breaker_answers_refer_fast_without_calling_a_failing_bureau(tmp_path: Path) -> None:
    with fake_bureau(tmp_path) as fake:
        env = gateway_env(tmp_path, fake, GATEWAY_BUREAUS__CREDITSAFE__MAX_ATTEMPTS="1",
                          GATEWAY_BUREAUS__CREDITSAFE__CIRCUIT_FAILURE_THRESHOLD="2",
                          GATEWAY_BUREAUS__CREDITSAFE__CIRCUIT_RESET_SECONDS="60")
        key = prepare(tmp_path, env)
        httpx.post(f"{fake}/__fake/faults", json={"bureau": "creditsafe", "fault": "500"})
        with gateway_api(tmp_path, env) as api:
            stack = (fake, api, key)
            for customer in ("C-GOOD", "C-POOR"):
                failed = check(stack, customer).json()
                assert failed["decision"] == "refer" and codes(failed) == ["BUREAU_UNAVAILABLE"]
            calls = sum(httpx.get(f"{fake}/__fake/stats").json()["calls"].values())
            started = time.monotonic()
            short = check(stack, "C-INSOLVENT")
            assert time.monotonic() - started < 0.5
            assert short.json()["decision"] == "refer" and "not called" in short.json()["reasons"][0]["message"]
            assert sum(httpx.get(f"{fake}/__fake/stats").json()["calls"].values()) == calls
