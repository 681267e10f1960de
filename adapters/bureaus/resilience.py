"""Resilience declared once for every bureau: retry policy, Retry-After, rate limiter, circuit breaker, single-flight.

The pieces are independent and clock-driven (see ``clock.py``); ``http.py`` wires them around each request.
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import logging
import random
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from adapters.bureaus.clock import Clock, Deadline
from gateway.bureau_errors import CircuitOpen

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Transient(Exception):
    """One attempt failed in a way worth retrying (5xx, timeout, connection error, 429)."""

    def __init__(self, reason: str, *, retry_after: float | None = None, rate_limited: bool = False) -> None:
        self.reason = reason
        self.retry_after = retry_after
        self.rate_limited = rate_limited
        super().__init__(reason)


def parse_retry_after(value: str | None, clock: Clock) -> float | None:
    """``Retry-After`` as seconds to wait: either delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT by definition
        return None
    return max(0.0, (when - clock.utcnow()).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by attempts and by the operation's deadline.

    ``max_attempts`` None: the bureau's ``max_attempts`` setting (``BureauHttp`` fills it in).
    """

    max_attempts: int | None = None
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.5

    def backoff(self, attempt: int) -> float:
        """Wait after failed attempt ``attempt`` (1-based): doubling from ``initial_backoff``, capped, plus jitter
        so that many clients failing together do not come back together."""
        return min(self.max_backoff, self.initial_backoff * 2.0 ** (attempt - 1)) + random.uniform(0, self.jitter)

    def retrying(self, deadline: Deadline, clock: Clock) -> AsyncRetrying:
        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, Transient) and exc.retry_after is not None:
                return exc.retry_after  # the bureau said how long; guessing shorter only earns another 429
            return self.backoff(state.attempt_number)

        def stop(state: RetryCallState) -> bool:
            # tenacity computes the upcoming wait before asking stop, so a wait past the deadline ends it now
            if state.attempt_number >= (self.max_attempts or 1):
                return True
            return state.upcoming_sleep >= deadline.remaining()

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.info("attempt %d failed (%s); retrying in %.2f s", state.attempt_number, exc, state.upcoming_sleep)

        return AsyncRetrying(
            retry=retry_if_exception_type(Transient),
            wait=wait,
            stop=stop,
            sleep=clock.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )


class TokenBucket:
    """Client-side rate limiter: ``rate`` requests per second on average, bursts of up to ``burst``.

    Bureaus often rate-limit without sending ``Retry-After`` (Companies House: 600 requests per 5 minutes), so we
    keep under their limit ourselves instead of learning it from 429s.
    """

    def __init__(self, rate: float, burst: int, clock: Clock) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._tokens = float(burst)
        self._updated = clock.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock.monotonic()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def wait_needed(self) -> float:
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    async def acquire(self, deadline: Deadline | None = None) -> bool:
        """Take one slot, waiting for it; False (and nothing taken) when the wait would pass the deadline."""
        async with self._lock:  # one waiter at a time keeps the spacing fair and the arithmetic simple
            wait = self.wait_needed()
            if wait > 0:
                if deadline is not None and wait >= deadline.remaining():
                    return False
                await self.clock.sleep(wait)
                self._refill()
            self._tokens -= 1
            return True


class CircuitState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Per bureau: after ``threshold`` failed operations in a row it opens; after ``reset_seconds`` one probe
    is let through (half-open): success closes it, failure opens it again for another ``reset_seconds``."""

    def __init__(self, bureau: str, threshold: int, reset_seconds: float, clock: Clock) -> None:
        self.bureau = bureau
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self.clock = clock
        self.failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._probe_in_flight or self.clock.monotonic() - self._opened_at >= self.reset_seconds:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def before_call(self) -> None:
        """Raise ``CircuitOpen`` unless a call may go out now (closed, or the one half-open probe)."""
        if self._opened_at is None:
            return
        waited = self.clock.monotonic() - self._opened_at
        if waited < self.reset_seconds:
            raise CircuitOpen(self.bureau, self.reset_seconds - waited)
        if self._probe_in_flight:
            raise CircuitOpen(self.bureau, 0.0)
        self._probe_in_flight = True
        log.info("%s: circuit half-open, probing", self.bureau)

    def record_success(self) -> None:
        if self._opened_at is not None:
            log.info("%s: circuit closed again", self.bureau)
        self.failures = 0
        self._opened_at = None
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self.failures += 1
        if self._probe_in_flight or self.failures >= self.threshold:
            if self._opened_at is None or self._probe_in_flight:
                log.warning("%s: circuit open after %d failures", self.bureau, self.failures)
            self._opened_at = self.clock.monotonic()
            self._probe_in_flight = False

    def release_probe(self) -> None:
        """The probe ended neither in success nor in an availability failure (e.g. a 4xx): let another probe go."""
        self._probe_in_flight = False


