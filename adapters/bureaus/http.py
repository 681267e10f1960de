"""The one request pipeline every bureau adapter goes through.

Per operation (one search or one report, retries and polling included) there is a ``Deadline`` from
``budget_seconds``. Each attempt: circuit breaker, client-side rate limiter, auth headers, the request (timeout
``timeout_seconds`` or what is left of the budget), then by status:

* 2xx: done; 202 (report ordered, not ready): poll ``Location`` until ready, within the budget;
* 401 on a data call: drop the token, log in again, repeat the request once; a second 401 is ``BureauAuthError``;
* 429: retry after ``Retry-After`` (seconds or an HTTP date), or with backoff when the bureau does not say;
* 5xx, timeouts, connection errors: retry with exponential backoff and jitter (``max_attempts``, the budget);
* 404: "not found" for the caller to interpret (a search finds nothing; a report id is unknown);
* any other 4xx: ``BureauRequestError`` at once, with the bureau's own error code and message.

The transport is a seam: pass ``transport=`` (``httpx.MockTransport``) or patch with respx in tests.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Literal

import httpx

from adapters.bureaus.auth import Auth, NoAuth
from adapters.bureaus.clock import Clock, Deadline, SystemClock
from adapters.bureaus.mapping import ErrorFormat
from adapters.bureaus.resilience import CircuitBreaker, RetryPolicy, TokenBucket, Transient, parse_retry_after
from gateway.bureau_errors import (
    BureauAuthError,
    BureauError,
    BureauRateLimited,
    BureauRequestError,
    BureauResponseError,
    BureauUnavailable,
)
from gateway.settings import BureauSettings

log = logging.getLogger(__name__)

USER_AGENT = "credit-gateway/0.1"


class BureauHttp:
    """httpx.AsyncClient wrapped in the resilience rules above; one per bureau (its limiter and breaker)."""

    def __init__(
        self,
        bureau: str,
        settings: BureauSettings,
        *,
        auth: Auth | None = None,
        errors: ErrorFormat | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        poll_interval_seconds: float = 1.0,
    ) -> None:
        if not settings.base_url:
            from gateway.errors import ConfigError

            raise ConfigError(f"bureau {bureau}: base_url is not set (GATEWAY_BUREAUS__{bureau.upper()}__BASE_URL)")
        self.bureau = bureau
        self.settings = settings
        self.auth: Auth = auth or NoAuth()
        self.errors = errors or ErrorFormat()
        self.clock: Clock = clock or SystemClock()
        retry = retry or RetryPolicy()
        if retry.max_attempts is None:
            retry = dataclasses.replace(retry, max_attempts=settings.max_attempts)
        self.retry = retry
        self.poll_interval = poll_interval_seconds
        self.limiter = TokenBucket(settings.rate_limit_per_second, settings.rate_limit_burst, self.clock)
        self.breaker = CircuitBreaker(
            bureau, settings.circuit_failure_threshold, settings.circuit_reset_seconds, self.clock
        )
        self.base_url = httpx.URL(settings.base_url.rstrip("/") + "/")
        self.client = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=settings.timeout_seconds,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"BureauHttp({self.bureau!r}, base_url={str(self.base_url)!r})"

    def deadline(self) -> Deadline:
        return Deadline(self.clock, self.settings.budget_seconds)

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- JSON helpers -------------------------------------------------------------------------------------------

    async def get_json(
        self,
        path: str,
        *,
        params: dict[str, str] | None = None,
        deadline: Deadline,
        not_found: Literal["raise", "none"] = "raise",
    ) -> Any:
        """GET a JSON document, following an asynchronous order (202 + Location) until it is ready.

        With ``not_found="none"`` a 404 gives None instead of ``BureauRequestError``.
        """
        allow_404 = not_found == "none"
        resp = await self.request("GET", path, params=params, deadline=deadline, allow_404=allow_404)
        polls = 0
        current: tuple[str, dict[str, str] | None] = (path, params)
        while resp.status_code in (202, 303):
            target = self._poll_target(resp)
            if target is not None:  # no Location: ask the same URL again
                current = (target, None)
            wait = 0.0 if resp.status_code == 303 else self._poll_wait(resp)
            if wait >= deadline.remaining():
                raise BureauUnavailable(
                    self.bureau,
                    f"report ordered but not ready within the {self.settings.budget_seconds:g} s budget "
                    f"({polls} polls)",
                )
            await self.clock.sleep(wait)
            polls += 1
            resp = await self.request("GET", current[0], params=current[1], deadline=deadline, allow_404=allow_404)
        if resp.status_code == 404:
            return None
        return self.parse_json(resp)

    async def post_json(
        self,
        path: str,
        *,
        json_body: Any,
        headers: dict[str, str] | None = None,
        deadline: Deadline,
        authenticated: bool = True,
    ) -> Any:
        resp = await self.request(
            "POST", path, json_body=json_body, headers=headers, deadline=deadline, authenticated=authenticated
        )
        return self.parse_json(resp)

    def parse_json(self, resp: httpx.Response) -> Any:
        try:
            return resp.json()
        except ValueError:
            kind = resp.headers.get("Content-Type", "no content type")
            raise BureauResponseError(
                self.bureau, "(body)", f"not valid JSON ({len(resp.content)} bytes, {kind}); truncated or garbled"
            ) from None

    def _poll_target(self, resp: httpx.Response) -> str | None:
        location = resp.headers.get("Location")
        if not location:
            return None
        target = resp.request.url.join(location)
        # never send our token to another host, whatever a Location header says
        if (target.scheme, target.host, target.port) != (self.base_url.scheme, self.base_url.host, self.base_url.port):
            raise BureauResponseError(self.bureau, "Location", f"points away from the bureau: {target.host}")
        return str(target)

    def _poll_wait(self, resp: httpx.Response) -> float:
        hinted = parse_retry_after(resp.headers.get("Retry-After"), self.clock)
        return self.poll_interval if hinted is None else hinted

    # -- the pipeline ---------------------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        deadline: Deadline,
        authenticated: bool = True,
        allow_404: bool = False,
    ) -> httpx.Response:
        """One logical request with the circuit breaker and retries around it."""
        self.breaker.before_call()
        try:
            resp = await self._with_retries(
                method, path, params, json_body, headers, deadline, authenticated, allow_404
            )
        except BureauUnavailable as exc:
            if isinstance(exc, BureauRateLimited) and exc.client_side:
                self.breaker.release_probe()
            else:
                self.breaker.record_failure()
            raise
        except BureauError:
            self.breaker.record_success()  # the bureau answered; the request or the data was the problem
            raise
        except BaseException:
            self.breaker.release_probe()
            raise
        self.breaker.record_success()
        return resp

    async def _with_retries(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        json_body: Any,
        headers: dict[str, str] | None,
        deadline: Deadline,
        authenticated: bool,
        allow_404: bool,
    ) -> httpx.Response:
        retrying = self.retry.retrying(deadline, self.clock)
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(
                        method, path, params, json_body, headers, deadline, authenticated, allow_404
                    )
        except Transient as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            summary = f"{method} {_path_only(path)}: {exc.reason}; gave up after {attempts} attempt(s) in " \
                      f"{deadline.elapsed():.1f} s (budget {deadline.budget:g} s)"
            if exc.rate_limited:
                raise BureauRateLimited(self.bureau, summary, retry_after=exc.retry_after) from None
            raise BureauUnavailable(self.bureau, summary) from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    async def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        json_body: Any,
        extra_headers: dict[str, str] | None,
        deadline: Deadline,
        authenticated: bool,
        allow_404: bool,
    ) -> httpx.Response:
        headers = dict(extra_headers or {})
        if authenticated:
            headers.update(await self.auth.headers(self, deadline))
        resp = await self._send(method, path, params, json_body, headers, deadline)
        if resp.status_code == 401 and authenticated and self.auth.refreshable:
            log.info("%s: 401 on %s %s; refreshing the token and retrying once", self.bureau, method, _path_only(path))
            self.auth.invalidate(headers)
            headers.update(await self.auth.headers(self, deadline))
            resp = await self._send(method, path, params, json_body, headers, deadline)
        return self._classify(resp, method, path, authenticated, allow_404)

    async def _send(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        json_body: Any,
        headers: dict[str, str],
        deadline: Deadline,
    ) -> httpx.Response:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise BureauUnavailable(self.bureau, f"time budget of {deadline.budget:g} s used up")
        if not await self.limiter.acquire(deadline):
            raise BureauRateLimited(
                self.bureau, f"client-side rate limit ({self.settings.rate_limit_per_second:g}/s) leaves no slot "
                "within the time budget", client_side=True
            )
        timeout = min(self.settings.timeout_seconds, max(deadline.remaining(), 0.001))
        url = path if "://" in path else path.lstrip("/")  # relative to base_url, keeping its path prefix
        try:
            resp = await self.client.request(
                method, url, params=params, json=json_body, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException:
            raise Transient(f"timeout after {timeout:.1f} s") from None
        except httpx.TransportError as exc:
            raise Transient(f"connection error ({type(exc).__name__})") from None
        log.debug("%s: %s %s -> %d", self.bureau, method, _path_only(path), resp.status_code)
        return resp

    def _classify(
        self, resp: httpx.Response, method: str, path: str, authenticated: bool, allow_404: bool
    ) -> httpx.Response:
        status = resp.status_code
        if 200 <= status < 300 or status == 303:
            return resp
        if status == 404 and allow_404:
            return resp
        where = f"HTTP {status} on {method} {_path_only(path)}"
        if status == 429:
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.clock)
            raise Transient(f"{where} (rate limited{self._detail(resp)})", retry_after=retry_after, rate_limited=True)
        if status >= 500:
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.clock) if status == 503 else None
            raise Transient(f"{where}{self._detail(resp)}", retry_after=retry_after)
        code, message = self.errors.read(self.bureau, resp)
        text = f"{where}: " + " ".join(p for p in (code, message) if p) if (code or message) else where
        if status in (401, 403):
            if not authenticated:
                raise BureauAuthError(self.bureau, f"login refused ({text})")
            raise BureauAuthError(self.bureau, text)
        raise BureauRequestError(self.bureau, text, status=status, code=code)

    def _detail(self, resp: httpx.Response) -> str:
        code, message = self.errors.read(self.bureau, resp)
        detail = " ".join(p for p in (code, message) if p)
        return f": {detail}" if detail else ""


def _path_only(path: str) -> str:
    """The path without scheme, host or query: what is safe and useful in logs and errors."""
    return httpx.URL(path).path
