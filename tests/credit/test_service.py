"""The credit-check service: cache with TTL, single-flight, time budget, reservations, overrides, the audit log."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from adapters.bureaus import BureauResponseError, BureauUnavailable, CircuitOpen
from gateway.credit import records
from gateway.credit.service import CreditService, UnknownCustomer
from gateway.ledger.erp_import import import_invoices
from gateway.model.invoice import Invoice
from gateway.model.money import Money
from gateway.storage.credit_tables import CreditDecisionRow, CreditReportRow, CreditReservation

from .conftest import StubBureau

pytestmark = pytest.mark.anyio

Make = Callable[..., CreditService]


def gbp(value: str) -> Money:
    return Money(Decimal(value), "GBP")


async def test_the_first_check_fetches_and_stores_the_report_the_second_reuses_it(make_service: Make,
                                                                                 stub: StubBureau) -> None:
    service = make_service()
    first = await service.check("C-1001", gbp("1000"), request_id="r1", client="shop")
    second = await service.check("C-1001", gbp("1000"), request_id="r2", client="shop")
    assert first.decision.outcome == "approve" and second.decision.outcome == "approve"
    assert (stub.finds, stub.fetches) == (1, 1)
    assert first.report is not None and second.report is not None
    assert second.report["id"] == first.report["id"] and second.report["stale"] is False


async def test_a_stale_report_answers_at_once_and_is_refreshed_in_the_background(
    make_service: Make, stub: StubBureau, sessions: sessionmaker[Session]
) -> None:
    service = make_service(report_ttl_hours=1, cache_seconds=0.1)
    await service.check("C-1001", gbp("10"), request_id="r1", client=None)
    with sessions.begin() as session:  # the stored report is now two hours old (seen once the memory cache expires)
        session.execute(update(CreditReportRow).values(fetched_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)))
    await asyncio.sleep(0.15)
    stub.delay = 0.3
    started = time.monotonic()
    stale = await service.check("C-1001", gbp("10"), request_id="r2", client=None)
    assert time.monotonic() - started < 0.25
    assert stale.report is not None and stale.report["stale"] is True and stale.decision.outcome == "approve"
    await asyncio.sleep(0.5)
    fresh = await service.check("C-1001", gbp("10"), request_id="r3", client=None)
    assert fresh.report is not None and fresh.report["stale"] is False and fresh.report["id"] != stale.report["id"]
    assert stub.fetches == 2


async def test_many_concurrent_checks_for_an_uncached_company_make_one_bureau_call(make_service: Make,
                                                                                   stub: StubBureau) -> None:
    service = make_service()
    stub.delay = 0.2
    results = await asyncio.gather(*(service.check("C-1001", gbp("1"), request_id=f"r{i}", client=None)
                                     for i in range(20)))
    assert {r.decision.outcome for r in results} == {"approve"}
    assert stub.fetches == 1 and stub.finds == 1


async def test_a_slow_bureau_gets_a_refer_within_the_budget_and_the_report_serves_the_next_check(
    make_service: Make, stub: StubBureau
) -> None:
    service = make_service(time_budget_seconds=0.5)
    stub.delay = 1.0
    started = time.monotonic()
    slow = await service.check("C-1001", gbp("1"), request_id="r1", client=None)
    assert time.monotonic() - started < 0.6
    assert slow.decision.outcome == "refer" and [r.code for r in slow.decision.reasons] == ["BUREAU_TIMEOUT"]
    await asyncio.sleep(0.8)  # the fetch went on and stored the report
    after = await service.check("C-1001", gbp("1"), request_id="r2", client=None)
    assert after.decision.outcome == "approve" and stub.fetches == 1


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (BureauUnavailable("creditsafe", "HTTP 503 after 4 attempts"), "BUREAU_UNAVAILABLE"),
        (CircuitOpen("creditsafe", 25.0), "BUREAU_UNAVAILABLE"),
        (BureauResponseError("creditsafe", "report.creditScore", "not an object"), "BUREAU_ERROR"),
        (RuntimeError("a bug"), "BUREAU_ERROR"),
    ],
)
async def test_a_failing_bureau_gives_refer_with_a_reason_never_an_error(
    make_service: Make, stub: StubBureau, failure: Exception, code: str
) -> None:
    stub.fail = failure
    result = await make_service().check("C-1001", gbp("1"), request_id="r1", client=None)
    assert result.decision.outcome == "refer" and result.decision.reasons[0].code == code


async def test_an_unknown_customer_is_an_error_the_api_turns_into_404(make_service: Make) -> None:
    with pytest.raises(UnknownCustomer):
        await make_service().check("nobody", gbp("1"), request_id="r1", client=None)


async def test_approvals_reserve_exposure_until_they_expire(make_service: Make,
                                                            sessions: sessionmaker[Session]) -> None:
    service = make_service(cache_seconds=0.3)
    first = await service.check("C-1001", gbp("50000"), request_id="r1", client=None)
    assert first.decision.outcome == "approve" and first.reserved_until is not None
    second = await service.check("C-1001", gbp("30000"), request_id="r2", client=None)
    assert second.exposure.reserved == Decimal("50000")
    assert second.decision.outcome == "refer" and "OVER_LIMIT" in [r.code for r in second.decision.reasons]
    with sessions.begin() as session:  # as if another process had let them lapse: seen once the cache expires
        session.execute(update(CreditReservation).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(1)))
    await asyncio.sleep(0.35)
    third = await service.check("C-1001", gbp("30000"), request_id="r3", client=None)
    assert third.exposure.reserved == 0 and third.decision.outcome == "approve"


async def test_open_items_in_the_ledger_count_in_the_exposure(make_service: Make,
                                                              sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        import_invoices(session, [Invoice("INV-1", "C-1001", "Harbour Lane", "GBP", Decimal("60000.00"),
                                          Decimal("60000.00"), dt.date(2026, 10, 1), dt.date(2026, 10, 31), None)],
                        actor="test")
    result = await make_service().check("C-1001", gbp("30000"), request_id="r1", client=None)
    assert result.exposure.open_items == Decimal("60000.00")
    assert result.decision.outcome == "refer" and "OVER_LIMIT" in [r.code for r in result.decision.reasons]


async def test_two_orders_arriving_together_cannot_both_use_the_same_headroom(make_service: Make) -> None:
    service = make_service()
    await service.check("C-1001", gbp("1"), request_id="warm", client=None)  # report fetched and cached
    results = await asyncio.gather(
        *(service.check("C-1001", gbp("50000"), request_id=f"r{i}", client=None) for i in range(4))
    )
    outcomes = sorted(r.decision.outcome.value for r in results)
    assert outcomes.count("approve") == 1, outcomes  # the limit holds one such order, not four


async def test_every_decision_is_in_the_audit_log_with_its_request_report_and_reasons(
    make_service: Make, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        oid = records.add_override(session, "C-1001", gbp("500"), dt.date.today() + dt.timedelta(days=30),
                                   "new customer, limit agreed with sales", created_by="cm",
                                   now=dt.datetime.now(dt.UTC))
    result = await make_service().check("C-1001", gbp("800"), request_id="req-42", client="shop")
    assert result.decision.outcome == "refer" and result.decision.limit_source == "override"
    with sessions() as session:
        row = session.scalars(select(CreditDecisionRow).where(CreditDecisionRow.request_id == "req-42")).one()
    assert (row.decision, row.client, row.override_id, row.currency) == ("refer", "shop", oid, "GBP")
    assert row.order_amount == Decimal("800") and row.credit_limit == Decimal("500")
    assert row.report_id is not None and {"code": "OVER_LIMIT"}.items() <= row.reasons[-1].items()
    assert row.details["policy_version"]


async def test_closing_the_service_closes_its_bureaus(make_service: Make, stub: StubBureau) -> None:
    await make_service().aclose()
    assert stub.closed


async def test_checks_read_from_memory_and_see_this_process_changes_at_once(
    make_service: Make, sessions: sessionmaker[Session]
) -> None:
    service = make_service(cache_seconds=60)
    first = await service.check("C-1001", gbp("1000"), request_id="r1", client=None)
    with sessions.begin() as session:  # written by another process: the cache does not know
        session.execute(update(CreditReservation).values(amount=Decimal("70000")))
    second = await service.check("C-1001", gbp("1000"), request_id="r2", client=None)
    assert first.exposure.reserved == 0 and second.exposure.reserved == Decimal("1000")  # our own reservation
    with sessions.begin() as session:  # the credit manager's override, written through this process
        records.add_override(session, "C-1001", gbp("100"), dt.date.today() + dt.timedelta(days=3), "agreed",
                             created_by="cm", now=dt.datetime.now(dt.UTC))
    third = await service.check("C-1001", gbp("1000"), request_id="r3", client=None)
    assert third.decision.limit_source == "override" and third.decision.outcome == "refer"
