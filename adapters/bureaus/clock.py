"""Time as the bureau machinery sees it, so tests can run retries, backoff and expiry without sleeping.

Everything that waits or measures (retries, Retry-After, rate limiter, circuit breaker, token expiry, time budget)
asks a ``Clock``. Production uses ``SystemClock``; tests pass ``ManualClock``, whose ``sleep`` only moves its hands
forward and records how long it was asked to wait.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def utcnow(self) -> dt.datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def utcnow(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that never really waits: ``sleep`` advances it at once; ``sleeps`` lists every wait asked for."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = 1000.0
        self._start_wall = start or dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
        self._start_mono = self.now
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def utcnow(self) -> dt.datetime:
        return self._start_wall + dt.timedelta(seconds=self.now - self._start_mono)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)  # still yield, so concurrent tasks interleave as they would


class Deadline:
    """The end of one operation's time budget (retries, token refresh and polling included)."""

    def __init__(self, clock: Clock, budget_seconds: float) -> None:
        self.clock = clock
        self.budget = budget_seconds
        self.started = clock.monotonic()
        self.at = self.started + budget_seconds

    def remaining(self) -> float:
        return self.at - self.clock.monotonic()

    def elapsed(self) -> float:
        return self.clock.monotonic() - self.started

    def expired(self) -> bool:
        return self.remaining() <= 0
