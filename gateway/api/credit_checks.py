"""``POST /v1/credit-checks``: may this customer owe us this much more? For the order system, with API keys.

Clients send ``Authorization: Bearer <key>`` or ``X-API-Key: <key>`` (keys from ``gateway api-keys create``).
Errors are RFC 9457 problem details (``application/problem+json``); every answer carries ``X-Request-ID`` (the
client's, if it sent a sane one), which is also in the JSON log line and the decision audit.
The credit API's own OpenAPI document is served at ``/v1/openapi.json``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from gateway.credit.api_keys import KeyVerifier
from gateway.credit.logs import install_json_logs
from gateway.credit.service import CheckResult, CreditService, UnknownCustomer
from gateway.credit.settings import CreditSettings, load_credit_settings
from gateway.model.money import Money

PROBLEM = "application/problem+json"
log = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_AMOUNT = r"^(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$"


# -- request and response models (they are the OpenAPI spec) ---------------------------------------------------------


class Amount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(
        pattern=_AMOUNT, description='Exact decimal amount as a string, e.g. "1000.00".', examples=["1000.00"]
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code.", examples=["EUR"])


class CreditCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=70, pattern=r"^\S(.*\S)?$", examples=["C-1001"])
    order_amount: Amount


class ReasonOut(BaseModel):
    code: str = Field(description="Machine-readable, e.g. WITHIN_LIMIT, OVER_LIMIT, BUREAU_TIMEOUT, COMPANY_STATUS.")
    message: str


class ReportOut(BaseModel):
    id: int
    bureau: str
    bureau_id: str
    company_name: str
    country: str | None
    status: str
    score: str | None = Field(description="Common 0-100 scale, higher is safer.")
    bureau_score: str | None
    bureau_band: str | None
    recommended_limit: Amount | None
    days_beyond_terms: str | None
    negative_events: int
    report_date: str
    fetched_at: str
    age_seconds: int
    stale: bool = Field(description="Older than the cache TTL: used, and being refreshed in the background.")


class CreditCheckResponse(BaseModel):
    decision: Literal["approve", "refer", "decline"]
    reasons: list[ReasonOut]
    credit_limit: Amount | None
    exposure: Amount = Field(description="Open items plus reserved approvals, before this order.")
    available: Amount | None
    report: ReportOut | None
    decision_id: int
    request_id: str
    reserved_until: str | None = Field(description="An approval reserves the amount as exposure until then.")


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


def problem(request: Request, status: int, title: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    body = Problem(
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        **extra,
    )
    headers = {"WWW-Authenticate": 'Bearer realm="credit-checks"'} if status == 401 else None
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM, headers=headers)


_PROBLEM_RESPONSE = {"model": Problem, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


class _CreditRoute(APIRoute):
    """Gives every request an id and turns invalid bodies into problem+json (the app's default is plain JSON)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            sent = request.headers.get("X-Request-ID", "")
            request.state.request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
            try:
                response = await handle(request)
            except HTTPException as exc:  # e.g. a body that is not JSON at all
                response = problem(
                    request, exc.status_code, "Bad request" if exc.status_code == 400 else "Error", str(exc.detail)
                )
            except RequestValidationError as exc:
                errors = [
                    {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type"))}
                    for e in exc.errors()
                ]
                response = problem(request, 422, "Invalid request", "the body does not match the schema", errors=errors)
            response.headers["X-Request-ID"] = request.state.request_id
            return response

        return handler


# -- state: one service per app, built on first use from the app's settings and sessions ------------------------------


class _Credit:
    def __init__(self, service: CreditService, keys: KeyVerifier) -> None:
        self.service = service
        self.keys = keys


def _credit(app: Any) -> _Credit:
    found: _Credit | None = getattr(app.state, "credit", None)
    if found is None:
        from adapters.bureaus import build_bureaus
        from gateway.approval.policy import load_policy

        settings: CreditSettings = getattr(app.state, "credit_settings", None) or load_credit_settings()
        sessions = app.state.sessions
        bureaus = build_bureaus(app.state.settings)
        service = CreditService(
            sessions,
            bureaus,
            load_policy(settings.policy_file),
            settings,
            read_sessions=_read_sessions(app.state.engine, sessions),
        )
        found = _Credit(service, KeyVerifier(sessions, settings.api_key_cache_seconds))
        app.state.credit = found
        install_json_logs()
    return found


def _read_sessions(engine: Any, sessions: Any) -> Any:
    """Sessions for the check's reads. The shared SQLite engine opens every transaction with BEGIN IMMEDIATE (the
    write lock), which would queue every reader behind every writer; in WAL mode plain readers need no lock, so
    reads get an engine of their own. Other databases use the shared sessions."""
    if engine.url.get_backend_name() != "sqlite":
        return sessions
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    readers = create_engine(engine.url, connect_args={"timeout": 60})
    return sessionmaker(readers, expire_on_commit=False)


@asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    try:
        _credit(app)  # built at startup, so a missing policy or a bad bureau setting shows at once in the log
    except Exception:  # the rest of the app still serves; credit checks answer 503 until the setting is fixed
        log.exception("credit checks are not available")
    yield
    credit: _Credit | None = getattr(app.state, "credit", None)
    if credit is not None:
        await credit.service.aclose()
        readers = credit.service.read_sessions.kw.get("bind")
        if readers is not None and readers is not app.state.engine:
            readers.dispose()


router = APIRouter(route_class=_CreditRoute, lifespan=_lifespan, tags=["credit checks"])
_bearer = HTTPBearer(auto_error=False, description="An API key from `gateway api-keys create`.")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same key, as a header.")


class _NotAuthenticated(Exception):
    pass


async def _client(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> str | None:
    key = bearer.credentials if bearer is not None else header
    if not key:
        return None
    try:
        keys = _credit(request.app).keys
    except Exception:  # reported by the endpoint as 503
        return None
    known, name = keys.remembered(key)
    if not known:
        name = await asyncio.to_thread(keys.client_for, key)
    return name


@router.post(
    "/v1/credit-checks",
    response_model=CreditCheckResponse,
    summary="Decide whether a customer may owe us this order's amount more",
    responses={code: _PROBLEM_RESPONSE for code in (400, 401, 404, 422, 503)},
)
async def credit_check(
    body: CreditCheckRequest, request: Request, client: Annotated[str | None, Depends(_client)]
) -> Response:
    try:
        credit = _credit(request.app)
    except Exception as exc:
        log.exception("credit checks are not available")
        return problem(request, 503, "Credit checks unavailable", f"configuration: {type(exc).__name__}")
    if client is None:
        return problem(request, 401, "Not authenticated", "send a valid API key as a Bearer token or in X-API-Key")
    order = Money(Decimal(body.order_amount.value), body.order_amount.currency)
    try:
        result = await credit.service.check(
            body.customer_id, order, request_id=request.state.request_id, client=client
        )
    except UnknownCustomer as exc:
        return problem(request, 404, "Unknown customer", str(exc))
    return JSONResponse(_response(result, request.state.request_id))


def _response(result: CheckResult, request_id: str) -> dict[str, Any]:
    d = result.decision

    def amount(m: Money | None) -> dict[str, str] | None:
        return None if m is None else {"value": str(m.amount), "currency": m.currency}

    return {
        "decision": d.outcome.value,
        "reasons": [r.as_dict() for r in d.reasons],
        "credit_limit": amount(d.credit_limit),
        "exposure": amount(d.exposure),
        "available": amount(d.available),
        "report": result.report,
        "decision_id": result.decision_id,
        "request_id": request_id,
        "reserved_until": None if result.reserved_until is None else result.reserved_until.isoformat(),
    }


def credit_openapi() -> dict[str, Any]:
    """The OpenAPI document of the credit-check API alone."""
    spec = get_openapi(
        title="Gateway credit checks",
        version="1",
        routes=router.routes,
        description="Credit decisions for the order system. Errors are problem+json (RFC 9457).",
    )
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
    return spec


@router.get("/v1/openapi.json", include_in_schema=False)
async def openapi_document() -> JSONResponse:
    return JSONResponse(credit_openapi())


def asgi_app() -> FastAPI:
    """The whole app from the environment's settings, for ``uvicorn --factory --workers N`` (several processes)."""
    from gateway.api import create_app
    from gateway.settings import load_settings

    return create_app(load_settings())
