"""The fake bureau's fixture companies and how each fake API renders them (Creditsafe-, D&B-, Companies House-like).

The JSON shapes follow the bureaus' public documentation as far as the adapters read them; the contents are
invented (``companies.toml``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FakeCompany:
    key: str
    name: str
    country: str
    registration_number: str
    connect_id: str
    duns: str
    status: str
    status_description: str
    address: dict[str, str]
    creditsafe: dict[str, Any]
    dnb: dict[str, Any]
    vat_number: str | None = None
    ch_status: str | None = None  # only GB companies are in Companies House
    ccjs: tuple[dict[str, str], ...] = ()
    insolvency: tuple[dict[str, str], ...] = ()
    fault: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ch_number(self) -> str | None:
        return self.registration_number if self.ch_status else None


def load_companies(path: Path | None = None) -> list[FakeCompany]:
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else resources.files(__package__).joinpath("companies.toml").read_text(encoding="utf-8")
    )
    out = []
    for raw in tomllib.loads(text)["company"]:
        raw = dict(raw)
        raw["ccjs"] = tuple(raw.get("ccjs", ()))
        raw["insolvency"] = tuple(raw.get("insolvency", ()))
        out.append(FakeCompany(**raw))
    return out


def _matches(company: FakeCompany, *, name: str | None, reg: str | None, vat: str | None) -> bool:
    if reg:
        return company.registration_number.replace(" ", "").casefold() == reg.replace(" ", "").casefold()
    if vat:
        return (company.vat_number or "").casefold() == vat.replace(" ", "").casefold()
    if name:
        return name.casefold() in company.name.casefold()
    return False


def search(
    companies: list[FakeCompany], *, country: str | None, name: str | None, reg: str | None, vat: str | None = None
) -> list[FakeCompany]:
    return [
        c for c in companies
        if (country is None or c.country.casefold() == country.casefold()) and _matches(c, name=name, reg=reg, vat=vat)
    ]


# -- Creditsafe-like ----------------------------------------------------------------------------------------------


def creditsafe_match(c: FakeCompany) -> dict[str, Any]:
    return {
        "id": c.connect_id,
        "country": c.country,
        "regNo": c.registration_number,
        "vatNo": [c.vat_number] if c.vat_number else [],
        "safeNo": c.connect_id.split("-")[-1],
        "name": c.name,
        "address": {
            "simpleValue": f"{c.address['street']}, {c.address['city']}, {c.address['postal_code']}",
            "street": c.address["street"],
            "city": c.address["city"],
            "postCode": c.address["postal_code"],
        },
        "status": c.status,
        "type": "Ltd",
        "dateOfLatestChange": "2026-01-31T00:00:00Z",
    }


def creditsafe_report(c: FakeCompany, today: dt.date) -> dict[str, Any]:
    cs = c.creditsafe
    rating = {
        "commonValue": cs["common"],
        "commonDescription": cs["description"],
        "creditLimit": {"currency": cs["currency"], "value": cs["limit"]},
        "providerValue": {"maxValue": "100", "minValue": "1", "value": cs["provider"]},
        "providerDescription": cs["description"],
    }
    address = {
        "simpleValue": f"{c.address['street']}, {c.address['city']}, {c.address['postal_code']}",
        "street": c.address["street"],
        "city": c.address["city"],
        "postalCode": c.address["postal_code"],
        "country": c.country,
    }
    report: dict[str, Any] = {
        "companyId": c.connect_id,
        "language": "EN",
        "companySummary": {
            "businessName": c.name,
            "country": c.country,
            "companyNumber": c.connect_id.split("-")[-1],
            "companyRegistrationNumber": c.registration_number,
            "companyStatus": {"status": c.status, "description": c.status_description},
            "creditRating": rating,
        },
        "companyIdentification": {
            "basicInformation": {
                "registeredCompanyName": c.name,
                "companyRegistrationNumber": c.registration_number,
                "vatRegistrationNumber": c.vat_number,
                "country": c.country,
                "companyStatus": {"status": c.status, "description": c.status_description},
                "contactAddress": address,
            }
        },
        "creditScore": {
            "currentCreditRating": rating,
            "latestRatingChangeDate": "2025-12-01T00:00:00Z",
        },
        "negativeInformation": {
            "ccjSummary": {"numberOfExact": len(c.ccjs), "numberOfPossible": 0},
            "countyCourtJudgements": [
                {"ccjDate": j["date"], "ccjAmount": j["amount"], "currency": j["currency"], "court": j["court"],
                 "ccjStatus": "Judgment"}
                for j in c.ccjs
            ],
            "insolvencies": [
                {"date": i["date"], "description": i["description"]} for i in c.insolvency
            ],
        },
    }
    return {
        "correlationId": f"fake-{c.key}",
        "report": report,
        "companyId": c.connect_id,
        "dateOfOrder": f"{today.isoformat()}T00:00:00Z",
        "language": "en",
    }


# -- D&B-like -----------------------------------------------------------------------------------------------------


def _dnb_org(c: FakeCompany) -> dict[str, Any]:
    return {
        "duns": c.duns,
        "primaryName": c.name,
        "countryISOAlpha2Code": c.country,
        "registrationNumbers": [
            {"registrationNumber": c.registration_number, "isPreferredRegistrationNumber": True}
        ],
        "primaryAddress": {
            "addressCountry": {"isoAlpha2Code": c.country},
            "addressLocality": {"name": c.address["city"]},
            "postalCode": c.address["postal_code"],
            "streetAddress": {"line1": c.address["street"], "line2": None},
        },
        "dunsControlStatus": {
            "operatingStatus": {"description": c.dnb.get("operating", "Active"), "dnbCode": 9074},
            "isMarketable": True,
        },
    }


def dnb_match(c: FakeCompany, confidence: int) -> dict[str, Any]:
    return {
        "displaySequence": 1,
        "organization": _dnb_org(c),
        "matchQualityInformation": {"confidenceCode": confidence, "matchGrade": "AAAAAAAAAAAA"},
    }


def dnb_report(c: FakeCompany, now: dt.datetime) -> dict[str, Any]:
    d = c.dnb
    org = _dnb_org(c)
    if d.get("empty"):
        # D&B sends the blocks but leaves the scores out for companies it cannot score
        org["dnbAssessment"] = {"failureScore": {}}
        org["businessTrading"] = [{"summary": [{"paydexScore": None}]}]
    else:
        org["dnbAssessment"] = {
            "failureScore": {
                "nationalPercentile": d["percentile"],
                "classScore": d["class"],
                "rawScore": d["raw"],
                "scoreDate": "2026-01-15",
            },
        }
        if "limit" in d:
            org["dnbAssessment"]["creditLimitRecommendation"] = {
                "maximumRecommendedLimit": {"value": int(d["limit"]), "currency": d["currency"]}
            }
        org["businessTrading"] = [{"summary": [{"paydexScore": d["paydex"], "dataCoverage": "paydex"}]}]
    org["legalEvents"] = {
        "hasBankruptcy": bool(c.insolvency),
        "bankruptcy": {"filings": [
            {"filingDate": i["date"], "filingType": {"description": i["description"]}} for i in c.insolvency
        ]},
        "judgments": {"filings": [
            {"filingDate": j["date"], "amount": {"value": float(j["amount"]), "currency": j["currency"]},
             "filingType": {"description": "Judgment"}}
            for j in c.ccjs
        ]},
    }
    return {
        "transactionDetail": {
            "transactionID": f"fake-{c.key}",
            "transactionTimestamp": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "inLanguage": "en-US",
        },
        "inquiryDetail": {"duns": c.duns},
        "organization": org,
    }


# -- Companies House-like -----------------------------------------------------------------------------------------


def _ch_address(c: FakeCompany) -> dict[str, str]:
    return {
        "address_line_1": c.address["street"],
        "locality": c.address["city"],
        "postal_code": c.address["postal_code"],
        "country": "England",
    }


def ch_search_item(c: FakeCompany) -> dict[str, Any]:
    return {
        "company_number": c.registration_number,
        "title": c.name.upper(),
        "company_status": c.ch_status,
        "company_type": "ltd",
        "address": _ch_address(c),
        "address_snippet": ", ".join(_ch_address(c).values()),
        "kind": "searchresults#company",
    }


def ch_company(c: FakeCompany) -> dict[str, Any]:
    return {
        "company_name": c.name.upper(),
        "company_number": c.registration_number,
        "company_status": c.ch_status,
        "type": "ltd",
        "jurisdiction": "england-wales",
        "date_of_creation": "2011-04-05",
        "registered_office_address": _ch_address(c),
        "has_insolvency_history": bool(c.insolvency),
    }


def ch_insolvency(c: FakeCompany) -> dict[str, Any]:
    return {
        "etag": f"fake-{c.key}",
        "cases": [
            {"type": i["type"], "number": str(n), "dates": [{"type": "wound-up-on", "date": i["date"]}]}
            for n, i in enumerate(c.insolvency, start=1)
        ],
    }
