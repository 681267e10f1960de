"""The fake bureau: Creditsafe-like, D&B-like and Companies House-like APIs for development and tests.

Mounted under one server: ``/creditsafe``, ``/dnb``, ``/companies-house``; so the gateway points
``GATEWAY_BUREAUS__CREDITSAFE__BASE_URL`` at ``http://127.0.0.1:PORT/creditsafe`` and so on.
Test helpers: ``GET /__fake/stats`` (calls per endpoint and per company), ``POST /__fake/reset``,
``POST /__fake/faults`` ({"bureau","endpoint","company","fault"}), ``POST /__fake/expire-tokens``.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email.utils
import json
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from adapters.bureaus.fake import data
from adapters.bureaus.fake.faults import Fault, FaultRule, parse_faults


@dataclass
class FakeConfig:
    username: str = "fake-user"
    password: str = "fake-password"
    client_id: str = "fake-client"
    client_secret: str = "fake-secret"
    api_key: str = "fake-key"
    token_ttl_seconds: float = 3600.0
    fixtures: Path | None = None


@dataclass
class Order:
    bureau: str
    company: data.FakeCompany
    polls_left: int


@dataclass
class FakeState:
    config: FakeConfig
    companies: list[data.FakeCompany]
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (bureau, expires at, monotonic)
    calls: Counter[str] = field(default_factory=Counter)
    by_company: Counter[str] = field(default_factory=Counter)
    fault_hits: Counter[str] = field(default_factory=Counter)
    rules: list[FaultRule] = field(default_factory=list)
    orders: dict[str, Order] = field(default_factory=dict)

    def reset(self) -> None:
        self.calls.clear()
        self.by_company.clear()
        self.fault_hits.clear()
        self.rules.clear()
        self.orders.clear()


# -- bureau error bodies ------------------------------------------------------------------------------------------

_DNB_CODES = {401: "00040", 429: "00045", 404: "10001", 400: "10002", 500: "00001", 502: "00001", 503: "00001"}


def error(bureau: str, status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    if bureau == "dnb":
        body: Any = {"error": {"errorCode": _DNB_CODES.get(status, "00000"), "errorMessage": message}}
    elif bureau == "companies_house":
        body = {"errors": [{"error": message, "type": "ch:service"}]}
    else:
        body = {"message": message, "correlationId": secrets.token_hex(8)}
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(config: FakeConfig | None = None) -> FastAPI:
    config = config or FakeConfig()
    state = FakeState(config, data.load_companies(config.fixtures))
    app = FastAPI(title="Fake credit bureau", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.fake = state

    def company_by(attr: str, value: str) -> data.FakeCompany | None:
        for c in state.companies:
            if getattr(c, attr) and str(getattr(c, attr)).casefold() == value.casefold():
                return c
        return None

    def count(bureau: str, request: Request, route: str, company: data.FakeCompany | None = None) -> None:
        state.calls[f"{bureau} {request.method} {route}"] += 1
        if company is not None:
            state.by_company[f"{bureau} {company.key}"] += 1

    def active_faults(request: Request, bureau: str, endpoint: str, company: data.FakeCompany | None) -> list[Fault]:
        found: list[tuple[str, Fault]] = [("header", f) for f in parse_faults(request.headers.get("X-Fake-Fault"))]
        if company is not None and company.fault and endpoint in ("report", "order"):
            found += [(f"company:{company.key}", f) for f in parse_faults(company.fault)]
        for i, rule in enumerate(state.rules):
            if rule.applies(bureau, endpoint, company.key if company else None):
                found += [(f"rule{i}", f) for f in rule.faults]
        live = []
        for origin, fault in found:
            if fault.times is not None:
                key = f"{origin}|{fault.text}|{bureau}|{endpoint}|{company.key if company else ''}"
                if state.fault_hits[key] >= fault.times:
                    continue
                state.fault_hits[key] += 1
            live.append(fault)
        return live

    async def early_fault(bureau: str, faults: list[Fault]) -> Response | None:
        for f in faults:
            if f.name == "slow":
                await asyncio.sleep(float(f.arg or 1.0))
        for f in faults:
            if f.name == "429":
                headers = {}
                if f.arg == "date":
                    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
                    headers["Retry-After"] = email.utils.format_datetime(when, usegmt=True)
                elif f.arg != "none":
                    headers["Retry-After"] = str(int(float(f.arg or 1)))
                return error(bureau, 429, "Too many requests", headers)
            if f.name in ("500", "502", "503"):
                return error(bureau, int(f.name), "Internal error, please try again later")
            if f.name == "401":
                return error(bureau, 401, "Access token expired")
        return None

    def body(bureau: str, payload: Any, faults: list[Fault], endpoint: str, status: int = 200) -> Response:
        names = {f.name for f in faults}
        if "malformed" in names:
            payload = _malform(bureau, endpoint, payload)
        text = json.dumps(payload)
        if "truncated" in names:
            text = text[: len(text) // 2]
        return Response(text, status_code=status, media_type="application/json")

    def authorised(bureau: str, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if bureau == "companies_house":
            expected = base64.b64encode(f"{config.api_key}:".encode()).decode()
            return header == f"Basic {expected}"
        token = header.removeprefix("Bearer ").strip()
        entry = state.tokens.get(token)
        return entry is not None and entry[0] == bureau and time.monotonic() < entry[1]

    def issue_token(bureau: str) -> str:
        exp = int(time.time() + config.token_ttl_seconds)
        if bureau == "creditsafe":  # a JWT-shaped token, as Creditsafe's are
            part = base64.urlsafe_b64encode(json.dumps({"sub": "fake", "exp": exp}).encode()).decode().rstrip("=")
            token = f"eyJhbGciOiJub25lIn0.{part}.{secrets.token_urlsafe(16)}"
        else:
            token = secrets.token_urlsafe(32)
        state.tokens[token] = (bureau, time.monotonic() + config.token_ttl_seconds)
        return token

    # -- test helpers ---------------------------------------------------------------------------------------------

    @app.get("/__fake/stats")
    async def stats() -> dict[str, Any]:
        return {"calls": dict(state.calls), "companies": dict(state.by_company), "tokens": len(state.tokens)}

    @app.post("/__fake/reset")
    async def reset() -> dict[str, str]:
        state.reset()
        return {"status": "reset"}

    @app.post("/__fake/expire-tokens")
    async def expire_tokens() -> dict[str, int]:
        n = len(state.tokens)
        state.tokens.clear()
        return {"expired": n}

    @app.post("/__fake/faults")
    async def add_fault(request: Request) -> Response:
        spec = await request.json()
        try:
            faults = parse_faults(spec.get("fault"))
        except ValueError as exc:
            return JSONResponse({"message": str(exc)}, status_code=400)
        state.rules.append(FaultRule(spec.get("bureau", "*"), spec.get("endpoint", "*"), spec.get("company"), faults))
        return JSONResponse({"rules": len(state.rules)})

    # -- Creditsafe-like ------------------------------------------------------------------------------------------

    @app.post("/creditsafe/authenticate")
    async def cs_authenticate(request: Request) -> Response:
        count("creditsafe", request, "/authenticate")
        faults = active_faults(request, "creditsafe", "token", None)
        if (early := await early_fault("creditsafe", faults)) is not None:
            return early
        try:
            creds = await request.json()
        except ValueError:
            return error("creditsafe", 400, "Request body must be JSON")
        if creds.get("username") != config.username or creds.get("password") != config.password:
            return error("creditsafe", 401, "Invalid username or password")
        return body("creditsafe", {"token": issue_token("creditsafe")}, faults, "token")

    @app.get("/creditsafe/companies")
    async def cs_search(request: Request) -> Response:
        count("creditsafe", request, "/companies")
        faults = active_faults(request, "creditsafe", "search", None)
        if (early := await early_fault("creditsafe", faults)) is not None:
            return early
        if not authorised("creditsafe", request):
            return error("creditsafe", 401, "Unauthorized: token missing or expired")
        q = request.query_params
        if not q.get("countries"):
            return error("creditsafe", 400, "countries is a required parameter")
        found = data.search(
            state.companies, country=q["countries"], name=q.get("name"), reg=q.get("regNo"), vat=q.get("vatNo")
        )
        payload = {"totalSize": len(found), "companies": [data.creditsafe_match(c) for c in found]}
        return body("creditsafe", payload, faults, "search")

    async def cs_report_body(request: Request, c: data.FakeCompany, faults: list[Fault]) -> Response:
        return body("creditsafe", data.creditsafe_report(c, dt.date.today()), faults, "report")

    @app.get("/creditsafe/companies/{connect_id}")
    async def cs_report(request: Request, connect_id: str) -> Response:
        c = company_by("connect_id", connect_id)
        count("creditsafe", request, "/companies/{id}", c)
        faults = active_faults(request, "creditsafe", "report", c)
        if (early := await early_fault("creditsafe", faults)) is not None:
            return early
        if not authorised("creditsafe", request):
            return error("creditsafe", 401, "Unauthorized: token missing or expired")
        if c is None:
            return error("creditsafe", 404, f"Company {connect_id} not found")
        if c.country == "DE" and not request.query_params.get("reason"):
            return error("creditsafe", 400, "A reason code is required for reports on companies in Germany")
        if (ordered := order(request, "creditsafe", c, faults)) is not None:
            return ordered
        return await cs_report_body(request, c, faults)

    def order(request: Request, bureau: str, c: data.FakeCompany, faults: list[Fault]) -> Response | None:
        for f in faults:
            if f.name == "202":
                order_id = secrets.token_hex(6)
                state.orders[order_id] = Order(bureau, c, int(f.arg or 1))
                prefix = "/creditsafe" if bureau == "creditsafe" else "/dnb"
                return Response(
                    json.dumps({"orderId": order_id, "status": "pending"}),
                    status_code=202,
                    media_type="application/json",
                    headers={"Location": f"{prefix}/orders/{order_id}", "Retry-After": "0"},
                )
        return None

    async def poll(request: Request, bureau: str, order_id: str) -> Response:
        found = state.orders.get(order_id)
        count(bureau, request, "/orders/{id}", found.company if found else None)
        if not authorised(bureau, request):
            return error(bureau, 401, "Unauthorized: token missing or expired")
        if found is None or found.bureau != bureau:
            return error(bureau, 404, f"No order {order_id}")
        if found.polls_left > 0:
            found.polls_left -= 1
            return Response(
                json.dumps({"orderId": order_id, "status": "pending"}), status_code=202, media_type="application/json",
                headers={"Location": request.url.path, "Retry-After": "0"},
            )
        del state.orders[order_id]
        if bureau == "creditsafe":
            return body(bureau, data.creditsafe_report(found.company, dt.date.today()), [], "report")
        return body(bureau, data.dnb_report(found.company, dt.datetime.now(dt.UTC)), [], "report")

    @app.get("/creditsafe/orders/{order_id}")
    async def cs_poll(request: Request, order_id: str) -> Response:
        return await poll(request, "creditsafe", order_id)

    # -- D&B-like -------------------------------------------------------------------------------------------------

    @app.post("/dnb/v3/token")
    async def dnb_token(request: Request) -> Response:
        count("dnb", request, "/v3/token")
        faults = active_faults(request, "dnb", "token", None)
        if (early := await early_fault("dnb", faults)) is not None:
            return early
        expected = base64.b64encode(f"{config.client_id}:{config.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return JSONResponse({"error": {"errorCode": "00041", "errorMessage": "Invalid client credentials"}},
                                status_code=401)
        payload = {"access_token": issue_token("dnb"), "expiresIn": int(config.token_ttl_seconds)}
        return body("dnb", payload, faults, "token")

    @app.get("/dnb/v1/match/cleanseMatch")
    async def dnb_match(request: Request) -> Response:
        count("dnb", request, "/v1/match/cleanseMatch")
        faults = active_faults(request, "dnb", "search", None)
        if (early := await early_fault("dnb", faults)) is not None:
            return early
        if not authorised("dnb", request):
            return error("dnb", 401, "Access token expired")
        q = request.query_params
        if not q.get("countryISOAlpha2Code"):
            return error("dnb", 400, "countryISOAlpha2Code is required")
        found = data.search(
            state.companies, country=q["countryISOAlpha2Code"], name=q.get("name"), reg=q.get("registrationNumber")
        )
        if not found:  # D&B answers "no match" with a 404
            return error("dnb", 404, "No match found for the requested criteria")
        confidence = 10 if q.get("registrationNumber") else 8
        payload = {
            "transactionDetail": {"transactionID": secrets.token_hex(6)},
            "candidatesMatchedQuantity": len(found),
            "matchCandidates": [data.dnb_match(c, confidence) for c in found],
        }
        return body("dnb", payload, faults, "search")

    @app.get("/dnb/v1/data/duns/{duns}")
    async def dnb_data(request: Request, duns: str) -> Response:
        c = company_by("duns", duns)
        count("dnb", request, "/v1/data/duns/{id}", c)
        faults = active_faults(request, "dnb", "report", c)
        if (early := await early_fault("dnb", faults)) is not None:
            return early
        if not authorised("dnb", request):
            return error("dnb", 401, "Access token expired")
        if c is None:
            return error("dnb", 404, f"DUNS {duns} not found")
        if not request.query_params.get("blockIDs"):
            return error("dnb", 400, "blockIDs is required")
        if (ordered := order(request, "dnb", c, faults)) is not None:
            return ordered
        return body("dnb", data.dnb_report(c, dt.datetime.now(dt.UTC)), faults, "report")

    @app.get("/dnb/orders/{order_id}")
    async def dnb_poll(request: Request, order_id: str) -> Response:
        return await poll(request, "dnb", order_id)

    # -- Companies House-like -------------------------------------------------------------------------------------

    @app.get("/companies-house/search/companies")
    async def ch_search(request: Request) -> Response:
        count("companies_house", request, "/search/companies")
        faults = active_faults(request, "companies_house", "search", None)
        if (early := await early_fault("companies_house", faults)) is not None:
            return early
        if not authorised("companies_house", request):
            return error("companies_house", 401, "Invalid Authorization")
        q = request.query_params.get("q", "")
        gb = [c for c in state.companies if c.ch_status]
        found = data.search(gb, country=None, name=None, reg=q) or data.search(gb, country=None, name=q, reg=None)
        payload = {"items": [data.ch_search_item(c) for c in found], "total_results": len(found),
                   "kind": "search#companies"}
        return body("companies_house", payload, faults, "search")

    @app.get("/companies-house/company/{number}")
    async def ch_company(request: Request, number: str) -> Response:
        c = company_by("ch_number", number)
        count("companies_house", request, "/company/{id}", c)
        faults = active_faults(request, "companies_house", "report", c)
        if (early := await early_fault("companies_house", faults)) is not None:
            return early
        if not authorised("companies_house", request):
            return error("companies_house", 401, "Invalid Authorization")
        if c is None:
            return error("companies_house", 404, "company-profile-not-found")
        return body("companies_house", data.ch_company(c), faults, "report")

    @app.get("/companies-house/company/{number}/insolvency")
    async def ch_insolvency(request: Request, number: str) -> Response:
        c = company_by("ch_number", number)
        count("companies_house", request, "/company/{id}/insolvency", c)
        if not authorised("companies_house", request):
            return error("companies_house", 401, "Invalid Authorization")
        if c is None or not c.insolvency:
            return error("companies_house", 404, "insolvency-history-not-found")
        return body("companies_house", data.ch_insolvency(c), [], "insolvency")

    return app


def _malform(bureau: str, endpoint: str, payload: Any) -> Any:
    """Valid JSON with one field of the wrong type, where the adapter cannot read around it."""
    if endpoint == "search":
        key = {"creditsafe": "companies", "dnb": "matchCandidates"}.get(bureau, "items")
        return {**payload, key: {"unexpected": True}}
    if endpoint == "token":
        return {"token_type": "Bearer"}
    if bureau == "creditsafe":
        rating = payload["report"]["creditScore"]["currentCreditRating"]
        rating["creditLimit"] = {"currency": "GBP", "value": "plenty"}
    elif bureau == "dnb":
        payload["organization"]["dnbAssessment"]["failureScore"]["nationalPercentile"] = "high"
    else:
        payload["company_status"] = ["active"]
    return payload
