"""Decisions are written in small batches: each check waits for its own row to be committed (so a reservation is
visible to the next check before the answer leaves), but checks arriving while a commit is running share the next
commit. One commit per batch instead of one per check: on SQLite, one fsync and one write lock for many checks.

A transaction is whatever ``begin()`` opens: ``sessionmaker.begin`` for ORM work, or ``Engine.begin`` for jobs
of plain Core statements (the credit check's, as an ORM session costs more CPU than the inserts themselves)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple[Callable[[Any], Any], "asyncio.Future[Any]"]


class WriteBatcher:
    def __init__(self, begin: Callable[[], AbstractContextManager[Any]], max_batch: int = 200) -> None:
        self.begin = begin
        self.max_batch = max_batch
        self._queue: list[_Job] = []
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, job: Callable[[Any], T]) -> T:
        """Run ``job`` in a transaction shared with other jobs; its result once committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((job, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.ensure_future(self._drain())
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            outcomes = await asyncio.to_thread(self._commit, batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _commit(self, batch: list[_Job]) -> list[tuple[bool, Any]]:
        try:
            with self.begin() as session:
                return [(True, job(session)) for job, _ in batch]
        except Exception:
            pass  # one job spoilt the shared transaction: run each alone below, so only that one fails
        out: list[tuple[bool, Any]] = []
        for job, _ in batch:
            try:
                with self.begin() as session:
                    out.append((True, job(session)))
            except Exception as exc:
                out.append((False, exc))
        return out
