"""Credit-check tests: a stub bureau that counts its calls, a migrated database, the service on top."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gateway.approval.policy import Policy, load_policy
from gateway.credit import records
from gateway.credit.records import Profile
from gateway.credit.service import CreditService
from gateway.credit.settings import CreditSettings
from gateway.model.credit_report import CompanyIdentity, CompanyMatch, CompanyQuery, CompanyStatus, CreditReport
from gateway.model.money import Money

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def policy() -> Policy:
    return load_policy(ROOT / "config" / "policy.toml")


class StubBureau:
    """A bureau that knows one company per registration number, answers after ``delay`` or raises ``fail``."""

    name = "creditsafe"

    def __init__(self) -> None:
        self.delay = 0.0
        self.fail: Exception | None = None
        self.score = Decimal("85")
        self.finds = 0
        self.fetches = 0
        self.closed = False

    async def find_company(self, query: CompanyQuery) -> list[CompanyMatch]:
        self.finds += 1
        if self.fail is not None:
            raise self.fail
        return [CompanyMatch(bureau=self.name, bureau_id=f"GB-0-{query.registration_number}", name="Stub Ltd",
                             country=query.country)]

    async def fetch_report(self, bureau_id: str, *, reason: str | None = None) -> CreditReport:
        self.fetches += 1
        await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        now = dt.datetime.now(dt.UTC)
        return CreditReport(
            bureau=self.name,
            company=CompanyIdentity(bureau_id=bureau_id, name="Harbour Lane Engineering Ltd", country="GB",
                                    status=CompanyStatus.ACTIVE),
            score=self.score, bureau_score=str(self.score), bureau_band="A",
            credit_limit=Money(Decimal("75000"), "GBP"),
            report_date=now.date(), fetched_at=now, raw={"stub": True},
        )

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
def stub() -> StubBureau:
    return StubBureau()


@pytest.fixture
def make_service(sessions: sessionmaker[Session], stub: StubBureau, policy: Policy) -> Callable[..., CreditService]:
    def make(**settings: object) -> CreditService:
        cfg = CreditSettings(**{"time_budget_seconds": 2.0, **settings})  # type: ignore[arg-type]
        return CreditService(sessions, {"creditsafe": stub}, policy, cfg)  # type: ignore[dict-item]

    with sessions.begin() as session:
        records.set_profile(session, Profile("C-1001", "GB", "Harbour Lane", "04417823"),
                            dt.datetime.now(dt.UTC))
    return make
