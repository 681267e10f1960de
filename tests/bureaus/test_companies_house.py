"""Companies House through respx: API key as Basic user name, status, registered office, insolvency cases."""

from __future__ import annotations

import base64

import pytest
import respx

from adapters.bureaus import BureauAuthError
from gateway.model.credit_report import CompanyQuery, CompanyStatus, NegativeEventKind
from tests.bureaus.conftest import CH_KEY, CH_URL, payload

pytestmark = pytest.mark.anyio


def ch_router() -> respx.MockRouter:
    return respx.mock(base_url=CH_URL, assert_all_called=False)


async def test_the_api_key_is_the_basic_auth_user_name_with_an_empty_password(make_companies_house):
    with ch_router() as bureau:
        search = bureau.get("/search/companies").respond(json=payload("ch_search.json"))
        found = await make_companies_house().find_company(CompanyQuery(name="Northgate Plastics"))

    sent = search.calls.last.request
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(f"{CH_KEY}:".encode()).decode()
    assert sent.url.params["q"] == "Northgate Plastics"
    assert [(m.bureau_id, m.status, m.country) for m in found] == [("07781245", CompanyStatus.INSOLVENT, "GB")]


async def test_a_company_in_liquidation_has_its_insolvency_cases_as_negative_events(make_companies_house):
    with ch_router() as bureau:
        bureau.get("/company/07781245").respond(json=payload("ch_company_insolvent.json"))
        bureau.get("/company/07781245/insolvency").respond(json=payload("ch_insolvency.json"))
        report = await make_companies_house().fetch_report("07781245")

    assert report.company.status is CompanyStatus.INSOLVENT
    assert report.company.address is not None
    assert report.company.address.postal_code == "LS9 0PX" and report.company.address.country == "GB"
    assert [(e.kind, str(e.date)) for e in report.negative_events] == [(NegativeEventKind.INSOLVENCY, "2025-11-20")]
    assert report.score is None and report.warnings == ()  # no score is what Companies House is, not a gap
    assert set(report.raw) == {"company", "insolvency"}


async def test_no_insolvency_history_is_a_404_and_means_no_events(make_companies_house):
    with ch_router() as bureau:
        bureau.get("/company/04417823").respond(json=payload("ch_company_good.json"))
        bureau.get("/company/04417823/insolvency").respond(404, json={"errors": [{"error": "not-found"}]})
        report = await make_companies_house().fetch_report("04417823")
    assert report.company.status is CompanyStatus.ACTIVE and report.negative_events == ()


async def test_a_missing_api_key_is_an_auth_error_before_any_call(make_companies_house):
    with ch_router() as bureau:
        route = bureau.get("/company/04417823").respond(json=payload("ch_company_good.json"))
        with pytest.raises(BureauAuthError, match="no API key"):
            await make_companies_house(api_key=None).fetch_report("04417823")
    assert route.call_count == 0
