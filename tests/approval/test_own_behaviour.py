"""How the customer pays us weighs in the credit decision: late payers, items long past due, returned direct debits
and broken promises refer even with a good bureau score; too few paid invoices make no average; an override lifts
the history it weighed, not what is happening now. On a ledger and through the credit-check service too."""

from __future__ import annotations

import asyncio
import datetime as dt
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from gateway.approval.decide import Exposure, Outcome, Override, OwnBehaviour, Severity, decide
from gateway.approval.policy import load_policy
from gateway.credit import records
from gateway.credit.records import Profile
from gateway.credit.service import CreditService
from gateway.credit.settings import CreditSettings
from gateway.desk.behaviour import own_behaviour
from gateway.model.credit_report import CompanyIdentity, CompanyStatus, CreditReport
from gateway.model.money import Money
from gateway.storage.credit_tables import CreditDecisionRow
from gateway.storage.desk_tables import DeskPromise
from tests.desk.books import Book, make_book

D = Decimal
POLICY = load_policy(Path(__file__).resolve().parents[2] / "config" / "policy.toml")
TODAY = date(2026, 6, 30)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Book:
    return make_book(engine, tmp_path, monkeypatch)


def good_report(today: date = TODAY) -> CreditReport:
    return CreditReport(
        bureau="creditsafe",
        company=CompanyIdentity(bureau_id="GB-0-7", name="Slow Pay Ltd", country="GB", status=CompanyStatus.ACTIVE),
        score=D("88"),
        bureau_score="88",
        bureau_band="A",
        report_date=today - timedelta(days=1),
        fetched_at=datetime.combine(today, dt.time(8), tzinfo=UTC),
    )


def eur(value: str) -> Money:
    return Money(D(value), "EUR")


def check(own: OwnBehaviour | None, override: Override | None = None, policy=POLICY):  # type: ignore[no-untyped-def]
    return decide(good_report(), Exposure("EUR"), eur("1000"), policy, override, today=TODAY, own=own)


def codes(decision) -> dict[str, Severity]:  # type: ignore[no-untyped-def]
    return {r.code: r.severity for r in decision.reasons}


# -- the pure rules ---------------------------------------------------------------------------------------------------


def test_a_good_score_and_a_clean_record_is_approved() -> None:
    clean = OwnBehaviour(avg_days_late=D("2.0"), weighted_days_late=D("1.5"), paid_invoices=12)
    d = check(clean)
    assert d.outcome == Outcome.APPROVE and "OWN_EXPERIENCE" not in codes(d)
    assert d.credit_limit == Money(D("100000") * (1 - D("0.015")), "EUR")  # 1.5 days late: -1.5 %
    assert check(None).credit_limit == eur("100000")  # no ledger figures: nothing weighs in


def test_a_good_score_who_pays_us_sixty_days_late_is_referred() -> None:
    slow = OwnBehaviour(avg_days_late=D("58.0"), weighted_days_late=D("60.0"), paid_invoices=6, max_days_past_due=75,
                        overdue=D("4200.00"))
    d = check(slow)
    assert d.outcome == Outcome.REFER
    assert codes(d)["OWN_EXPERIENCE"] == Severity.REFER and codes(d)["OVERDUE_ITEMS"] == Severity.REFER
    assert codes(d)["SCORE"] == Severity.INFO
    overdue = next(r for r in d.reasons if r.code == "OVERDUE_ITEMS")
    assert "75 days past due" in overdue.message and "4200.00 EUR overdue" in overdue.message
    late = next(r for r in d.reasons if r.code == "OWN_EXPERIENCE")
    assert "60.0 days late" in late.message
    assert d.credit_limit == eur("50000")  # the cut stops at the policy's maximum of 50 %


def test_an_item_long_past_due_refers_on_its_own_even_without_history() -> None:
    d = check(OwnBehaviour(max_days_past_due=61, overdue=D("10.00")))
    assert d.outcome == Outcome.REFER and set(codes(d)) & {"OVERDUE_ITEMS"}
    assert check(OwnBehaviour(max_days_past_due=60)).outcome == Outcome.APPROVE  # refer *above* 60 days


def test_returned_debits_and_broken_promises_refer() -> None:
    assert check(OwnBehaviour(returned_debits=1)).outcome == Outcome.APPROVE
    returns = check(OwnBehaviour(returned_debits=2))
    assert returns.outcome == Outcome.REFER and codes(returns)["RETURNED_DEBITS"] == Severity.REFER
    broken = check(OwnBehaviour(broken_promises=1))
    assert broken.outcome == Outcome.REFER and codes(broken)["BROKEN_PROMISES"] == Severity.REFER


def test_too_few_paid_invoices_make_no_average_and_the_decision_says_so() -> None:
    few = check(OwnBehaviour(avg_days_late=D("90.0"), weighted_days_late=D("90.0"), paid_invoices=2))
    assert few.outcome == Outcome.APPROVE and codes(few)["FEW_PAID_INVOICES"] == Severity.INFO
    assert "OWN_EXPERIENCE" not in codes(few) and few.credit_limit == eur("100000")


def test_an_override_lifts_the_history_but_not_what_happens_now() -> None:
    manual = Override(eur("20000"), TODAY, "knows them well")
    late = check(OwnBehaviour(avg_days_late=D("70"), weighted_days_late=D("70"), paid_invoices=9), manual)
    assert late.outcome == Outcome.APPROVE and codes(late)["OWN_EXPERIENCE"] == Severity.INFO
    for now in (OwnBehaviour(max_days_past_due=95), OwnBehaviour(returned_debits=3), OwnBehaviour(broken_promises=1)):
        assert check(now, manual).outcome == Outcome.REFER


def test_each_rule_can_be_switched_off_in_the_policy() -> None:
    rules = POLICY.own_experience.model_copy(update={
        "refer_above_days": None, "refer_above_days_past_due": None, "returned_debits_to_refer": None,
        "broken_promises_to_refer": None,
    })
    lenient = POLICY.model_copy(update={"own_experience": rules})
    worst = OwnBehaviour(avg_days_late=D(80), weighted_days_late=D(80), paid_invoices=5, max_days_past_due=200,
                         returned_debits=9, broken_promises=9)
    assert check(worst, policy=lenient).outcome == Outcome.APPROVE


# -- on a ledger ------------------------------------------------------------------------------------------------------


def _slow_payer(book: Book) -> None:
    """Pays every invoice 60 days late; one invoice is open 70 days past due on TODAY."""
    book.customer("C-SLOW", "Slow Pay Ltd")
    for n, due in enumerate((date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)), 1):
        book.invoice(f"SLOW-{n}", "C-SLOW", f"{n}000.00", due)
    book.invoice("SLOW-4", "C-SLOW", "900.00", TODAY - timedelta(days=70))
    for n, due in enumerate((date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)), 1):
        book.pay(due + timedelta(days=60), f"{n}000.00", (f"SLOW-{n}", f"{n}000.00"))


def test_a_customer_with_a_good_score_who_pays_sixty_days_late_is_referred(book: Book) -> None:
    _slow_payer(book)
    with book.sessions() as session:
        own = own_behaviour(session, "C-SLOW", "EUR", TODAY)
    assert (own.paid_invoices, own.avg_days_late, own.weighted_days_late) == (3, D("60.0"), D("60.0"))
    assert (own.max_days_past_due, own.overdue) == (70, D("900.00"))
    d = check(own)
    assert d.outcome == Outcome.REFER and {"OWN_EXPERIENCE", "OVERDUE_ITEMS"} <= set(codes(d))


def test_returned_direct_debits_on_the_ledger_refer(book: Book) -> None:
    book.customer("C-DD", "Direct Debit GmbH")
    for n in (1, 2):
        book.invoice(f"DD-{n}", "C-DD", f"{n}50.00", TODAY + timedelta(days=10))
        book.pay(TODAY - timedelta(days=20 - n), f"{n}50.00", (f"DD-{n}", f"{n}50.00"), e2e=f"E2E-DD-{n}")
        book.returned(TODAY - timedelta(days=10 - n), f"{n}50.00", f"E2E-DD-{n}")
    with book.sessions() as session:
        own = own_behaviour(session, "C-DD", "EUR", TODAY)
    assert own.returned_debits == 2 and own.max_days_past_due is None
    d = check(own)
    assert d.outcome == Outcome.REFER and codes(d)["RETURNED_DEBITS"] == Severity.REFER


def test_a_broken_promise_on_the_desk_refers(book: Book) -> None:
    book.customer("C-PROM", "Promising SARL")
    with book.sessions() as session, session.begin():
        for status, closed in (("broken", datetime(2026, 6, 1, tzinfo=UTC)), ("kept", datetime(2026, 5, 1, tzinfo=UTC)),
                               ("broken", datetime(2025, 3, 1, tzinfo=UTC))):  # the last one: over a year ago
            session.add(DeskPromise(
                customer_id="C-PROM", kind="promise", currency="EUR", total=D("300.00"), starts_on=date(2025, 2, 1),
                grace_days=3, invoice_ids=[], status=status, note=None, created_by="clerk",
                created_at=datetime(2025, 2, 1, tzinfo=UTC), closed_at=closed, closed_reason=None,
            ))
    with book.sessions() as session:
        own = own_behaviour(session, "C-PROM", "EUR", TODAY)
    assert own.broken_promises == 1
    d = check(own)
    assert d.outcome == Outcome.REFER and codes(d)["BROKEN_PROMISES"] == Severity.REFER


# -- through the credit-check service ---------------------------------------------------------------------------------


class OneCompanyBureau:
    name = "creditsafe"

    async def fetch_report(self, bureau_id: str, *, reason: str | None = None) -> CreditReport:
        return good_report()

    async def aclose(self) -> None:
        return None


def test_the_service_weighs_the_ledger_and_records_the_figures(book: Book) -> None:
    _slow_payer(book)
    noon = datetime.combine(TODAY, dt.time(12), tzinfo=UTC)
    with book.sessions.begin() as session:
        records.set_profile(session, Profile("C-SLOW", "GB", "Slow Pay Ltd", "0777", bureau="creditsafe",
                                             bureau_id="GB-0-7"), noon)
    service = CreditService(book.sessions, {"creditsafe": OneCompanyBureau()}, POLICY,  # type: ignore[dict-item]
                            CreditSettings(time_budget_seconds=2.0), now=lambda: noon)

    async def run():  # type: ignore[no-untyped-def]
        try:
            return await service.check("C-SLOW", eur("500"), request_id="r-slow", client="shop")
        finally:
            await service.aclose()

    result = asyncio.run(run())
    assert result.decision.outcome == Outcome.REFER
    assert {"OWN_EXPERIENCE", "OVERDUE_ITEMS"} <= {r.code for r in result.decision.reasons}
    with book.sessions() as session:
        row = session.scalars(select(CreditDecisionRow).where(CreditDecisionRow.request_id == "r-slow")).one()
    assert row.details["own_behaviour"] == {
        "avg_days_late": "60.0", "weighted_days_late": "60.0", "paid_invoices": 3, "max_days_past_due": 70,
        "overdue": "900.00", "returned_debits": 0, "broken_promises": 0,
    }
    assert {"code": "OVERDUE_ITEMS", "message": next(r.message for r in result.decision.reasons
                                                     if r.code == "OVERDUE_ITEMS")} in row.reasons
