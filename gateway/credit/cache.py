"""A small in-process cache with a time to live, for what a credit check reads on every request.

Profiles, overrides and stored reports change rarely; reading them from the database on every check cost most of a
check's time. Entries expire after a few seconds, so a change made by another process (the CLI, another worker)
shows within that time; changes made through ``gateway.credit.records`` in this process clear the cache at once
(see ``records.generation``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(self, seconds: float, *, max_entries: int = 10_000,
                 generation: Callable[[], int] = lambda: 0) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._generation = generation
        self._seen = generation()
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        if self.seconds <= 0:
            return None
        if self._generation() != self._seen:
            self.clear()
            return None
        hit = self._entries.get(key)
        if hit is None:
            return None
        if time.monotonic() >= hit[0]:
            del self._entries[key]
            return None
        return hit[1]

    def put(self, key: K, value: V, *, generation: int | None = None) -> None:
        """Remember ``value``; with ``generation`` (read before the value was), only if nothing changed since."""
        if self.seconds <= 0:
            return
        current = self._generation()
        if generation is not None and generation != current:
            return  # a write landed while the value was read: it may be outdated already
        if current != self._seen:
            self.clear()
        if len(self._entries) >= self.max_entries:  # bounded: a flood of customers must not grow memory
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.seconds, value)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
        self._seen = self._generation()
