"""At most one call in flight per key, for asyncio: the credit check and the bureau adapters share one fetch of a
company's report however many callers ask for it at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """At most one call in flight per key: concurrent callers with the same key share its result (or error).

    The shared call runs as its own task, so a caller that gives up (cancelled, timed out) does not cancel it for
    the others. Once it finishes the key is free again: remembering results is the cache's job, not this one's.
    """

    def __init__(self) -> None:
        self._calls: dict[K, asyncio.Task[V]] = {}

    def in_flight(self, key: K) -> bool:
        return key in self._calls

    def __len__(self) -> int:
        return len(self._calls)

    async def do(self, key: K, fn: Callable[[], Awaitable[V]]) -> V:
        task = self._calls.get(key)
        if task is None:
            task = asyncio.ensure_future(_call(fn))
            self._calls[key] = task
            task.add_done_callback(lambda t, k=key: self._forget(k, t))  # type: ignore[misc]
        return await asyncio.shield(task)

    def _forget(self, key: K, task: asyncio.Task[V]) -> None:
        if self._calls.get(key) is task:
            del self._calls[key]
        if not task.cancelled():
            task.exception()  # mark retrieved: every waiter may have gone


async def _call(fn: Callable[[], Awaitable[Any]]) -> Any:
    return await fn()
