"""The generic bureau adapter: a mapping file, an auth scheme and the resilient HTTP pipeline make a ``Bureau``.

Creditsafe, D&B and Companies House differ only in what ``creditsafe.py``/``dnb.py``/``companies_house.py`` pass
in; the paths, parameters, fields and scales come from ``mappings/<bureau>.toml``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx

from adapters.bureaus.auth import Auth, BearerToken, Login
from adapters.bureaus.clock import Clock, SystemClock
from adapters.bureaus.http import BureauHttp
from adapters.bureaus.mapping import BureauMapping, fill_params, load_mapping
from adapters.bureaus.resilience import RetryPolicy
from gateway.bureau_errors import BureauRequestError, CompanyNotFound, ReasonRequired
from gateway.model.credit_report import CompanyMatch, CompanyQuery, CreditReport
from gateway.settings import BureauSettings
from gateway.single_flight import SingleFlight

log = logging.getLogger(__name__)


class MappedBureau:
    """A ``gateway.bureaus.Bureau`` driven by a declarative mapping.

    Concurrent ``fetch_report`` calls for the same company share one bureau call (single-flight), as do
    concurrent identical searches.
    """

    def __init__(
        self,
        name: str,
        settings: BureauSettings,
        mapping: BureauMapping,
        *,
        auth: Auth,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.mapping = mapping
        self.clock: Clock = clock or SystemClock()
        self.http = BureauHttp(
            name,
            settings,
            auth=auth,
            errors=mapping.errors,
            transport=transport,
            clock=self.clock,
            retry=retry,
            poll_interval_seconds=mapping.poll_interval_seconds,
        )
        self.reports: SingleFlight[tuple[str, str | None], CreditReport] = SingleFlight()
        self.searches: SingleFlight[CompanyQuery, list[CompanyMatch]] = SingleFlight()

    def __repr__(self) -> str:
        return f"MappedBureau({self.name!r}, base_url={self.settings.base_url!r})"

    async def __aenter__(self) -> MappedBureau:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def find_company(self, query: CompanyQuery) -> list[CompanyMatch]:
        return await self.searches.do(query, lambda: self._find(query))

    async def fetch_report(self, bureau_id: str, *, reason: str | None = None) -> CreditReport:
        reason = reason or self.settings.reason_code
        country = self.mapping.report_country(bureau_id)
        required = {c.upper() for c in self.settings.countries_requiring_reason}
        if country in required and not reason:
            # refuse before calling: the bureau would refuse too, and some count the refused pull
            raise ReasonRequired(
                self.name, f"reports on companies in {country} need a reason code (reason_code setting)",
            )
        return await self.reports.do((bureau_id, reason), lambda: self._fetch(bureau_id, reason))

    async def _find(self, query: CompanyQuery) -> list[CompanyMatch]:
        params = self.mapping.search_params(query)
        if params is None:
            raise BureauRequestError(self.name, f"cannot search with {query.model_dump(exclude_none=True)}: "
                                     f"{self.mapping.file.name} needs more (e.g. country and name)")
        doc = await self.http.get_json(
            self.mapping.search.path, params=params, deadline=self.http.deadline(), not_found="none"
        )
        if doc is None:  # a 404 on a search is "no such company", not a failure
            return []
        return self.mapping.read_matches(doc)

    async def _fetch(self, bureau_id: str, reason: str | None) -> CreditReport:
        deadline = self.http.deadline()
        known = {"id": bureau_id, "reason": reason}
        parts: dict[str, object] = {}
        root: object = None
        for req in self.mapping.report.requests:
            path = req.path.replace("{id}", quote(bureau_id, safe=""))
            params = fill_params(req.params, known) or {}
            doc = await self.http.get_json(path, params=params, deadline=deadline, not_found="none")
            if doc is None and not req.optional:
                raise CompanyNotFound(self.name, bureau_id)
            if req.name is None:
                root = doc
            else:
                parts[req.name] = doc
        if parts:
            root = parts
        return self.mapping.read_report(root, bureau_id=bureau_id, fetched_at=self.clock.utcnow())



def token_bureau(
    name: str,
    settings: BureauSettings,
    make_login: Callable[..., Login],
    *,
    default_path: str,
    mappings_dir: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    retry: RetryPolicy | None = None,
) -> MappedBureau:
    """A mapped bureau whose requests carry a bearer token from ``make_login`` (Creditsafe, D&B).

    ``make_login(path=..., token_path=..., expires_path=...)`` gets the token endpoint and fields from the mapping.
    """
    mapping = load_mapping(name, mappings_dir)
    clock = clock or SystemClock()
    login = make_login(
        path=mapping.auth.path or default_path, token_path=mapping.auth.token, expires_path=mapping.auth.expires_in
    )
    auth = BearerToken(
        name,
        login,
        clock,
        margin_seconds=settings.token_refresh_margin_seconds,
        default_lifetime_seconds=mapping.auth.default_lifetime_seconds,
    )
    return MappedBureau(name, settings, mapping, auth=auth, transport=transport, clock=clock, retry=retry)
