"""Decision writes share commits, and one bad write fails only its own check."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.credit.api_keys import create_key
from gateway.credit.batching import WriteBatcher
from gateway.storage.credit_tables import ApiKey

pytestmark = pytest.mark.anyio


async def test_concurrent_writes_all_commit_and_a_failing_one_fails_alone(sessions: sessionmaker[Session]) -> None:
    batcher = WriteBatcher(sessions.begin)
    now = dt.datetime.now(dt.UTC)

    def add(name: str):  # type: ignore[no-untyped-def]
        return lambda session: create_key(session, name, now)

    jobs = [batcher.submit(add(f"client-{i}")) for i in range(20)] + [batcher.submit(add("client-3"))]
    results = await asyncio.gather(*jobs, return_exceptions=True)
    assert sum(isinstance(r, Exception) for r in results) == 1 and isinstance(results[-1], Exception)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ApiKey)) == 20
