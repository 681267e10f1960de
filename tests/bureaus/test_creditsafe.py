"""Creditsafe Connect through respx: login, search, report mapping, tokens, reason codes."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
import respx

from adapters.bureaus import BureauAuthError, CompanyNotFound, ReasonRequired
from gateway.model.credit_report import CompanyQuery, CompanyStatus, NegativeEventKind
from gateway.model.money import Money
from tests.bureaus.conftest import CS_PASSWORD, CS_URL, payload

pytestmark = pytest.mark.anyio

TOKEN = {"token": "cs-token-1"}


def cs_router() -> respx.MockRouter:
    return respx.mock(base_url=CS_URL, assert_all_called=False)


async def test_a_company_is_found_by_registration_number_in_its_country(make_creditsafe):
    with cs_router() as bureau:
        login = bureau.post("/authenticate").respond(json=TOKEN)
        search = bureau.get("/companies").respond(json=payload("creditsafe_search.json"))
        matches = await make_creditsafe().find_company(CompanyQuery(country="GB", registration_number="04417823"))

    assert [(m.bureau_id, m.name, m.status) for m in matches] == [
        ("GB-0-04417823", "Harbour Lane Engineering Ltd", CompanyStatus.ACTIVE)
    ]
    assert matches[0].vat_number == "GB293847561"
    sent = search.calls.last.request
    assert dict(sent.url.params) == {"pageSize": "10", "countries": "GB", "regNo": "04417823"}
    assert sent.headers["Authorization"] == "Bearer cs-token-1"
    assert json.loads(login.calls.last.request.content) == {"username": "cs-user", "password": CS_PASSWORD}


async def test_without_a_number_the_search_goes_by_name(make_creditsafe):
    with cs_router() as bureau:
        bureau.post("/authenticate").respond(json=TOKEN)
        search = bureau.get("/companies").respond(json={"totalSize": 0, "companies": []})
        assert await make_creditsafe().find_company(CompanyQuery(country="GB", name="Harbour Lane")) == []
    assert search.calls.last.request.url.params["name"] == "Harbour Lane"


async def test_a_good_company_report_is_mapped_onto_the_common_model(make_creditsafe):
    raw = payload("creditsafe_report_good.json")
    with cs_router() as bureau:
        bureau.post("/authenticate").respond(json=TOKEN)
        route = bureau.get("/companies/GB-0-04417823").respond(json=raw)
        report = await make_creditsafe().fetch_report("GB-0-04417823")

    assert route.calls.last.request.url.params["language"] == "en"
    assert report.bureau == "creditsafe"
    assert report.company.name == "Harbour Lane Engineering Ltd"
    assert report.company.registration_number == "04417823"
    assert report.company.vat_number == "GB293847561"
    assert report.company.country == "GB"
    assert report.company.status is CompanyStatus.ACTIVE
    assert report.company.address is not None and report.company.address.city == "Bristol"
    assert report.bureau_score == "88" and report.bureau_band == "A"
    assert report.score == Decimal("87.88")  # 88 on the provider's stated 1-100 scale
    assert report.credit_limit == Money(Decimal("75000"), "GBP")
    assert str(report.report_date) == "2026-03-02"
    assert report.warnings == ()
    assert report.raw == raw  # kept for audit


async def test_not_rated_and_no_limit_become_none_with_warnings(make_creditsafe):
    with cs_router() as bureau:
        bureau.post("/authenticate").respond(json=TOKEN)
        bureau.get("/companies/NL-X-58112233").respond(json=payload("creditsafe_report_not_rated.json"))
        report = await make_creditsafe().fetch_report("NL-X-58112233")

    assert report.score is None and report.credit_limit is None
    assert report.bureau_score == "Not Rated"  # the bureau's own words stay as text
    assert any("score" in w and "Not Rated" in w for w in report.warnings)
    assert any("credit_limit" in w and "Credit Limit not applicable" in w for w in report.warnings)


async def test_an_insolvent_company_carries_its_status_and_negative_events(make_creditsafe):
    with cs_router() as bureau:
        bureau.post("/authenticate").respond(json=TOKEN)
        bureau.get("/companies/GB-0-07781245").respond(json=payload("creditsafe_report_insolvent.json"))
        report = await make_creditsafe().fetch_report("GB-0-07781245")

    assert report.company.status is CompanyStatus.INSOLVENT  # "Liquidation", though the status says NonActive
    kinds = [(e.kind, str(e.date)) for e in report.negative_events]
    assert kinds == [(NegativeEventKind.JUDGMENT, "2025-06-03"), (NegativeEventKind.INSOLVENCY, "2025-11-20")]
    assert report.negative_events[0].amount == Money(Decimal("18250.00"), "GBP")


async def test_the_common_band_stands_in_when_there_is_no_provider_score(make_creditsafe):
    raw = payload("creditsafe_report_good.json")
    del raw["report"]["creditScore"]["currentCreditRating"]["providerValue"]
    with cs_router() as bureau:
        bureau.post("/authenticate").respond(json=TOKEN)
        bureau.get("/companies/GB-0-04417823").respond(json=raw)
        report = await make_creditsafe().fetch_report("GB-0-04417823")
    assert report.score == Decimal(90) and report.bureau_band == "A"


async def test_an_unknown_connect_id_is_company_not_found(make_creditsafe):
    with cs_router() as bureau:
        bureau.post("/authenticate").respond(json=TOKEN)
        bureau.get("/companies/GB-0-99999999").respond(404, json={"message": "Company not found"})
        with pytest.raises(CompanyNotFound, match="GB-0-99999999"):
            await make_creditsafe().fetch_report("GB-0-99999999")


async def test_the_token_is_reused_and_refreshed_shortly_before_it_expires(make_creditsafe, clock):
    with cs_router() as bureau:
        login = bureau.post("/authenticate")
        login.side_effect = [httpx.Response(200, json={"token": "t1"}), httpx.Response(200, json={"token": "t2"})]
        report = bureau.get("/companies/GB-0-04417823").respond(json=payload("creditsafe_report_good.json"))
        cs = make_creditsafe(token_refresh_margin_seconds=300)

        await cs.fetch_report("GB-0-04417823")
        clock.advance(3000)  # 50 minutes: still more than the 5-minute margin before the hour is up
        await cs.fetch_report("GB-0-04417823")
        assert login.call_count == 1
        clock.advance(400)  # now inside the margin: log in again before the token runs out
        await cs.fetch_report("GB-0-04417823")

    assert login.call_count == 2
    assert [c.request.headers["Authorization"] for c in report.calls] == ["Bearer t1", "Bearer t1", "Bearer t2"]


async def test_a_401_refreshes_the_token_and_retries_once(make_creditsafe):
    with cs_router() as bureau:
        login = bureau.post("/authenticate")
        login.side_effect = [httpx.Response(200, json={"token": "old"}), httpx.Response(200, json={"token": "new"})]
        report = bureau.get("/companies/GB-0-04417823")
        report.side_effect = [
            httpx.Response(401, json={"message": "Token expired"}),
            httpx.Response(200, json=payload("creditsafe_report_good.json")),
        ]
        result = await make_creditsafe().fetch_report("GB-0-04417823")

    assert result.company.name == "Harbour Lane Engineering Ltd"
    assert [c.request.headers["Authorization"] for c in report.calls] == ["Bearer old", "Bearer new"]


async def test_a_second_401_in_a_row_is_an_auth_error_not_a_loop(make_creditsafe):
    with cs_router() as bureau:
        login = bureau.post("/authenticate").respond(json=TOKEN)
        report = bureau.get("/companies/GB-0-04417823").respond(401, json={"message": "Not allowed"})
        with pytest.raises(BureauAuthError, match="401"):
            await make_creditsafe().fetch_report("GB-0-04417823")
    assert report.call_count == 2 and login.call_count == 2


async def test_a_refused_login_is_never_retried_so_the_account_does_not_lock(make_creditsafe):
    with cs_router() as bureau:
        login = bureau.post("/authenticate").respond(401, json={"message": "Invalid username or password"})
        report = bureau.get("/companies/GB-0-04417823").respond(json=payload("creditsafe_report_good.json"))
        cs = make_creditsafe()
        with pytest.raises(BureauAuthError, match="login refused"):
            await cs.fetch_report("GB-0-04417823")
        with pytest.raises(BureauAuthError, match="not retried automatically"):
            await cs.find_company(CompanyQuery(country="GB", name="Harbour"))

    assert login.call_count == 1
    assert report.call_count == 0


async def test_a_german_report_needs_a_reason_code_and_sends_it(make_creditsafe):
    with cs_router() as bureau:
        bureau.post("/authenticate").respond(json=TOKEN)
        report = bureau.get("/companies/DE-X-7712345001").respond(json=payload("creditsafe_report_good.json"))
        with pytest.raises(ReasonRequired, match="DE"):
            await make_creditsafe(reason_code=None).fetch_report("DE-X-7712345001")
        assert report.call_count == 0  # refused before spending a pull

        await make_creditsafe(reason_code="CREDITCHECK").fetch_report("DE-X-7712345001")
        await make_creditsafe().fetch_report("DE-X-7712345001", reason="CONTRACT")

    assert [c.request.url.params["reason"] for c in report.calls] == ["CREDITCHECK", "CONTRACT"]
