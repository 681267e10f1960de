"""D&B Direct+ through respx: client-credentials token, cleanseMatch, data blocks, error bodies."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import httpx
import pytest
import respx

from adapters.bureaus import BureauRequestError
from gateway.model.credit_report import CompanyQuery, CompanyStatus
from gateway.model.money import Money
from tests.bureaus.conftest import DNB_SECRET, DNB_URL, payload

pytestmark = pytest.mark.anyio

TOKEN = {"access_token": "dnb-token-1", "expiresIn": 86400}


def dnb_router() -> respx.MockRouter:
    return respx.mock(base_url=DNB_URL, assert_all_called=False)


async def test_the_token_comes_from_client_credentials_and_lasts_its_stated_day(make_dnb, clock):
    with dnb_router() as bureau:
        token = bureau.post("/v3/token").respond(json=TOKEN)
        bureau.get("/v1/match/cleanseMatch").respond(json=payload("dnb_match.json"))
        d = make_dnb()
        await d.find_company(CompanyQuery(country="DE", name="Kranbau Vogt"))
        clock.advance(20 * 3600)  # within the day, well before the margin
        await d.find_company(CompanyQuery(country="DE", name="Kranbau"))

    sent = token.calls.last.request
    expected = base64.b64encode(f"dnb-client:{DNB_SECRET}".encode()).decode()
    assert sent.headers["Authorization"] == f"Basic {expected}"
    assert json.loads(sent.content) == {"grant_type": "client_credentials"}
    assert token.call_count == 1


async def test_match_candidates_carry_duns_status_and_confidence(make_dnb):
    with dnb_router() as bureau:
        bureau.post("/v3/token").respond(json=TOKEN)
        match = bureau.get("/v1/match/cleanseMatch").respond(json=payload("dnb_match.json"))
        found = await make_dnb().find_company(
            CompanyQuery(country="DE", name="Kranbau Vogt", registration_number="HRB 71234")
        )

    assert [(m.bureau_id, m.name, m.status, m.confidence) for m in found] == [
        ("315562209", "Kranbau Vogt GmbH", CompanyStatus.ACTIVE, Decimal("0.9"))
    ]
    params = match.calls.last.request.url.params
    assert params["countryISOAlpha2Code"] == "DE" and params["registrationNumber"] == "HRB 71234"
    assert params["name"] == "Kranbau Vogt"


async def test_a_404_on_a_match_means_no_such_company(make_dnb):
    with dnb_router() as bureau:
        bureau.post("/v3/token").respond(json=TOKEN)
        bureau.get("/v1/match/cleanseMatch").respond(
            404, json={"error": {"errorCode": "10001", "errorMessage": "No match found"}}
        )
        assert await make_dnb().find_company(CompanyQuery(country="DE", name="Nobody GmbH")) == []


async def test_failure_score_paydex_and_limit_are_mapped(make_dnb):
    with dnb_router() as bureau:
        bureau.post("/v3/token").respond(json=TOKEN)
        data = bureau.get("/v1/data/duns/315562209").respond(json=payload("dnb_report_average.json"))
        report = await make_dnb().fetch_report("315562209")

    assert "failurescore_L1_v1" in data.calls.last.request.url.params["blockIDs"]
    assert report.company.name == "Kranbau Vogt GmbH" and report.company.country == "DE"
    assert report.score == Decimal(48)  # national percentile
    assert report.bureau_band == "3" and report.bureau_score == "1401"
    assert report.days_beyond_terms == Decimal(15)  # PAYDEX 70 = 15 days beyond terms
    assert report.credit_limit == Money(Decimal(22000), "EUR")
    assert str(report.report_date) == "2026-03-02"


@pytest.mark.parametrize(("paydex", "days"), [(100, -20), (80, 0), (75, "7.5"), (50, 30), (20, 120), (5, 120)])
async def test_paydex_reads_as_days_beyond_terms(make_dnb, paydex, days):
    raw = payload("dnb_report_average.json")
    raw["organization"]["businessTrading"][0]["summary"][0]["paydexScore"] = paydex
    with dnb_router() as bureau:
        bureau.post("/v3/token").respond(json=TOKEN)
        bureau.get("/v1/data/duns/315562209").respond(json=raw)
        report = await make_dnb().fetch_report("315562209")
    assert report.days_beyond_terms == Decimal(str(days)).quantize(Decimal(1))


async def test_the_failure_class_stands_in_when_the_percentile_is_missing(make_dnb):
    raw = payload("dnb_report_average.json")
    del raw["organization"]["dnbAssessment"]["failureScore"]["nationalPercentile"]
    with dnb_router() as bureau:
        bureau.post("/v3/token").respond(json=TOKEN)
        bureau.get("/v1/data/duns/315562209").respond(json=raw)
        report = await make_dnb().fetch_report("315562209")
    assert report.score == Decimal(50)


async def test_empty_scores_are_none_with_a_warning(make_dnb):
    with dnb_router() as bureau:
        bureau.post("/v3/token").respond(json=TOKEN)
        bureau.get("/v1/data/duns/402889176").respond(json=payload("dnb_report_empty_scores.json"))
        report = await make_dnb().fetch_report("402889176")

    assert report.score is None and report.days_beyond_terms is None and report.credit_limit is None
    assert [w.split(":")[0] for w in report.warnings] == ["score", "days_beyond_terms"]


async def test_an_expired_token_00040_is_refreshed_and_the_call_repeated(make_dnb):
    with dnb_router() as bureau:
        token = bureau.post("/v3/token")
        token.side_effect = [httpx.Response(200, json=TOKEN), httpx.Response(200, json={**TOKEN, "access_token": "t2"})]
        data = bureau.get("/v1/data/duns/315562209")
        data.side_effect = [
            httpx.Response(401, json={"error": {"errorCode": "00040", "errorMessage": "Token expired"}}),
            httpx.Response(200, json=payload("dnb_report_average.json")),
        ]
        report = await make_dnb().fetch_report("315562209")
    assert report.score == Decimal(48) and token.call_count == 2


async def test_a_bad_request_fails_at_once_with_the_bureau_error_code(make_dnb):
    with dnb_router() as bureau:
        bureau.post("/v3/token").respond(json=TOKEN)
        data = bureau.get("/v1/data/duns/1").respond(
            400, json={"error": {"errorCode": "10002", "errorMessage": "Invalid DUNS"}}
        )
        with pytest.raises(BureauRequestError, match="10002 Invalid DUNS") as caught:
            await make_dnb().fetch_report("1")
    assert caught.value.code == "10002" and caught.value.status == 400
    assert data.call_count == 1
