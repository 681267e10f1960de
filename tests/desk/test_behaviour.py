"""How a customer pays us, on a hand-made ledger with known figures: paid dates through partial payments, an undone
allocation, a write-off and a returned direct debit; average and weighted days late, DSO, the 12-month trend,
exposure with reservations and credits, promises and disputes. The arithmetic is also tested on its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from gateway.desk import facts
from gateway.desk.behaviour import (
    add_months,
    average_days_late,
    customer_behaviour,
    days_late,
    dso,
    main_currency,
    own_behaviour,
    weighted_days_late,
)
from gateway.ledger.errors import NotFound
from gateway.storage import make_engine, upgrade
from gateway.storage.credit_tables import CreditDecisionRow, CreditReservation
from gateway.storage.desk_tables import DeskDispute, DeskPromise
from gateway.storage.ledger_tables import LedgerInvoice
from tests.desk.books import Book, make_book

D = Decimal


@pytest.fixture
def book(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Book:
    return make_book(engine, tmp_path, monkeypatch)


AS_OF = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 15, tzinfo=UTC)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


# -- the arithmetic alone -------------------------------------------------------------------------------------------


def posting(day: date, amount: str, n: int) -> facts.Posting:
    return facts.Posting(day, D(amount), T0 + timedelta(minutes=n), n)


def test_the_paid_date_is_when_the_open_amount_last_reached_zero() -> None:
    parts = [posting(date(2026, 4, 1), "40", 1), posting(date(2026, 5, 1), "60", 2)]
    assert facts.paid_date(D(100), parts) == date(2026, 5, 1)
    assert facts.paid_date(D(100), parts[:1]) is None  # still open
    returned = [*parts, posting(date(2026, 5, 9), "-60", 3)]
    assert facts.paid_date(D(100), returned) is None  # a return reopened it
    assert facts.paid_date(D(100), [*returned, posting(date(2026, 6, 2), "60", 4)]) == date(2026, 6, 2)
    assert facts.paid_date(D(0), []) is None  # settled before the ledger took it over
    shuffled = [parts[1], parts[0]]  # replayed in the order recorded, not as given
    assert facts.paid_date(D(100), shuffled) == date(2026, 5, 1)


def test_days_late_and_their_averages() -> None:
    assert days_late(date(2026, 3, 1), date(2026, 3, 11)) == 10
    assert days_late(date(2026, 3, 1), date(2026, 2, 20)) == 0  # early is not negative late
    assert average_days_late([]) is None and weighted_days_late([]) is None
    assert average_days_late([10, 30, 0, 39, 66]) == D("29.0")
    assert average_days_late([1, 2, 2]) == D("1.7")
    assert weighted_days_late([(10, D(1000)), (30, D(3000))]) == D("25.0")
    assert weighted_days_late([(5, D(0))]) is None


def test_dso_and_the_main_currency() -> None:
    assert dso(D(1350), D(1550)) == D("78.4")
    assert dso(D(500), D(0)) is None
    assert dso(D(-20), D(100)) == D("0.0")  # a customer in credit has no days outstanding
    assert main_currency({"EUR": D(10), "USD": D(500)}, {"EUR": 9}) == "USD"
    assert main_currency({"EUR": D(0), "GBP": D(-5)}, {"EUR": 2, "GBP": 7}) == "GBP"
    assert main_currency({}, {"USD": 3, "EUR": 3}) == "EUR"  # a tie goes alphabetically
    assert main_currency({}, {}) == "EUR"


def test_months_keep_to_the_calendar() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 6, 30), -12) == date(2025, 6, 30)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 1, 15), -13) == date(2024, 12, 15)


# -- a ledger with known figures -----------------------------------------------------------------------------------


def _history(book: Book) -> None:
    """Customer K-PAY, on 2026-06-30 (see each line for what it adds)."""
    book.customer("K-PAY", "Prompt & Slow AG")
    book.invoice("INV-0", "K-PAY", "100.00", date(2025, 5, 1), issued=date(2025, 4, 1))
    book.invoice("INV-S", "K-PAY", "50.00", date(2026, 3, 3), issued=date(2026, 2, 1), open_amount="0")
    book.invoice("INV-1", "K-PAY", "1000.00", date(2026, 3, 1), issued=date(2026, 1, 30))
    book.invoice("INV-2", "K-PAY", "3000.00", date(2026, 4, 1), issued=date(2026, 3, 2))
    book.invoice("INV-3", "K-PAY", "500.00", date(2026, 5, 10), issued=date(2026, 4, 10))
    book.invoice("INV-4", "K-PAY", "400.00", date(2026, 5, 1), issued=date(2026, 4, 1))
    book.invoice("INV-5", "K-PAY", "200.00", date(2026, 4, 15), issued=date(2026, 3, 16))
    book.invoice("INV-6", "K-PAY", "800.00", date(2026, 7, 1), issued=date(2026, 6, 1))
    book.invoice("INV-7", "K-PAY", "600.00", date(2026, 4, 20), issued=date(2026, 3, 21))
    book.invoice("INV-8", "K-PAY", "250.00", date(2026, 6, 5), issued=date(2026, 5, 6))
    book.invoice("INV-U", "K-PAY", "100.00", date(2026, 6, 20), issued=date(2026, 5, 21), currency="USD")

    book.pay(date(2025, 5, 20), "100.00", ("INV-0", "100.00"))  # 19 days late, but 13 months ago
    book.pay(date(2026, 3, 11), "1000.00", ("INV-1", "1000.00"))  # 10 days late
    book.pay(date(2026, 4, 1), "1000.00", ("INV-2", "1000.00"))  # part; the rest a month later: 30 days late
    book.pay(date(2026, 4, 20), "150.00", ("INV-5", "150.00"))
    book.pay(date(2026, 5, 1), "2000.00", ("INV-2", "2000.00"))
    book.pay(date(2026, 5, 5), "500.00", ("INV-3", "500.00"))  # early: 0 days late
    wrong = book.pay(date(2026, 5, 20), "400.00", ("INV-4", "400.00"))
    book.undo(date(2026, 5, 22), wrong)  # the clerk took it back: INV-4 is open again
    book.pay(date(2026, 6, 5), "250.00", ("INV-8", "250.00"), e2e="DD-INV-8")  # collected by direct debit
    book.pay(date(2026, 6, 9), "400.00", ("INV-4", "400.00"))  # 39 days late
    book.returned(date(2026, 6, 12), "250.00", "DD-INV-8")  # the direct debit comes back: INV-8 open again
    book.write_off(date(2026, 6, 20), "INV-5", "50.00")  # the rest written off: paid on 06-20, 66 days late
    book.pay(date(2026, 6, 25), "300.00", ("INV-7", "100.00"))  # 200.00 stays as the customer's credit

    with book.sessions() as session, session.begin():
        decision = session.execute(
            insert(CreditDecisionRow).returning(CreditDecisionRow.id),
            {
                "decided_at": NOW,
                "request_id": "r1",
                "client": "shop",
                "customer_id": "K-PAY",
                "order_amount": D("1000.00"),
                "currency": "EUR",
                "decision": "approve",
                "reasons": [],
                "credit_limit": D("5000"),
                "exposure": D("0"),
                "report_id": None,
                "override_id": None,
                "details": {},
            },
        ).scalar_one()
        for amount, expires in (("1000.00", NOW + timedelta(days=1)), ("999.00", NOW - timedelta(minutes=1))):
            session.execute(
                insert(CreditReservation),
                {
                    "decision_id": decision,
                    "customer_id": "K-PAY",
                    "amount": D(amount),
                    "currency": "EUR",
                    "created_at": NOW - timedelta(days=2),
                    "expires_at": expires,
                },
            )
        for status, closed in (
            ("broken", datetime(2026, 5, 1, tzinfo=UTC)),
            ("kept", datetime(2026, 4, 1, tzinfo=UTC)),
            ("broken", datetime(2025, 1, 10, tzinfo=UTC)),
            ("open", None),
        ):
            session.add(
                DeskPromise(
                    customer_id="K-PAY",
                    kind="promise",
                    currency="EUR",
                    total=D("500.00"),
                    starts_on=date(2024, 12, 1),
                    grace_days=3,
                    invoice_ids=["INV-7"],
                    status=status,
                    note=None,
                    created_by="clerk",
                    created_at=datetime(2024, 12, 1, tzinfo=UTC) if closed else datetime(2026, 6, 1, tzinfo=UTC),
                    closed_at=closed,
                    closed_reason=None,
                )
            )
        inv7 = session.query(LedgerInvoice).filter_by(invoice_id="INV-7").one()
        for status in ("open", "resolved"):
            session.add(
                DeskDispute(
                    invoice_id=inv7.id,
                    customer_id="K-PAY",
                    reason="goods damaged",
                    status=status,
                    opened_by="clerk",
                    opened_at=NOW,
                )
            )


def test_the_credit_file_figures_of_a_known_history(book: Book) -> None:
    _history(book)
    with book.sessions() as session:
        b = customer_behaviour(session, "K-PAY", AS_OF, now=NOW)
    assert (b.customer_id, b.name, b.as_of, b.currency) == ("K-PAY", "Prompt & Slow AG", AS_OF, "EUR")
    # paid in the last 12 months: INV-1 10, INV-2 30, INV-3 0, INV-4 39, INV-5 66 days late (INV-0: too long ago;
    # INV-S: settled before; INV-8: paid, then returned)
    assert b.paid_invoices == 5
    assert b.avg_days_late == D("29.0")  # 145 / 5
    assert b.weighted_days_late == D("25.3")  # (10x1000 + 30x3000 + 0x500 + 39x400 + 66x200) / 5100 = 25.25
    # open: INV-6 800 (current), INV-8 250 (25 days), INV-7 500 (71 days); 200.00 unapplied credit
    [eur, usd] = b.ageing
    assert eur.buckets == {
        "current": D("800.00"),
        "1-30": D("250.00"),
        "31-60": D("0.00"),
        "61-90": D("500.00"),
        "90+": D("0.00"),
    }
    assert (usd.currency, usd.total, usd.overdue) == ("USD", D("100.00"), D("100.00"))
    assert b.open_items == {"EUR": D("1350.00"), "USD": D("100.00")}
    assert b.reserved == {"EUR": D("1000.00")}  # the expired reservation no longer counts
    assert b.exposure == {"EUR": D("2350.00"), "USD": D("100.00")}
    assert b.max_days_past_due == 71
    # invoiced in (04-01, 06-30]: INV-3 500 + INV-8 250 + INV-6 800 (INV-4, issued on 04-01, is just outside)
    assert b.dso_days == D("78.4")  # 1350 / 1550 x 90
    assert b.returned_debits == 1
    assert (b.broken_promises, b.kept_promises, b.open_disputes) == (1, 1, 1)

    assert [p.month for p in b.trend] == [add_months(date(2025, 7, 1), n) for n in range(12)]
    by_month = {p.month: p for p in b.trend}
    assert [by_month[date(2026, m, 1)].invoiced for m in range(1, 7)] == [
        D("1000.00"),
        D("50.00"),
        D("3800.00"),
        D("900.00"),
        D("250.00"),
        D("800.00"),
    ]
    # June: 400 (INV-4) + 100 (INV-7) + 250 (collection of INV-8) - 250 (its return); May: the undone 400 nets out
    assert [by_month[date(2026, m, 1)].paid for m in range(1, 7)] == [
        D("0"),
        D("0"),
        D("1000.00"),
        D("1150.00"),
        D("2500.00"),
        D("500.00"),
    ]
    assert [
        (by_month[date(2026, m, 1)].avg_days_late, by_month[date(2026, m, 1)].paid_invoices) for m in (3, 4, 5, 6)
    ] == [(D("10.0"), 1), (None, 0), (D("15.0"), 2), (D("52.5"), 2)]
    assert all(p.invoiced == 0 and p.paid == 0 and p.paid_invoices == 0 for p in b.trend[:6])


def test_the_paid_invoices_between_two_dates(book: Book) -> None:
    _history(book)
    with book.sessions() as session:
        everything = facts.paid_invoices(session, "K-PAY")
        may = facts.paid_invoices(session, "K-PAY", since=date(2026, 4, 30), until=date(2026, 5, 31))
        june = facts.paid_invoices(session, "K-PAY", since=date(2026, 6, 1))
    assert [(p.invoice_id, p.paid_date) for p in everything] == [
        ("INV-0", date(2025, 5, 20)), ("INV-1", date(2026, 3, 11)), ("INV-2", date(2026, 5, 1)),
        ("INV-3", date(2026, 5, 5)), ("INV-4", date(2026, 6, 9)), ("INV-5", date(2026, 6, 20)),
    ]
    assert [p.invoice_id for p in may] == ["INV-2", "INV-3"]
    assert [p.invoice_id for p in june] == ["INV-4", "INV-5"]


def test_an_earlier_date_sees_only_what_was_paid_by_then(book: Book) -> None:
    _history(book)
    with book.sessions() as session:
        b = customer_behaviour(session, "K-PAY", date(2026, 5, 31), now=NOW)
    assert b.paid_invoices == 3 and b.avg_days_late == D("13.3")  # INV-1 10, INV-2 30, INV-3 0
    assert b.trend[-1].month == date(2026, 5, 1) and b.trend[-1].invoiced == D("250.00")
    assert b.trend[-1].paid == D("2500.00")


def test_the_credit_check_figures(book: Book) -> None:
    _history(book)
    with book.sessions() as session:
        own = own_behaviour(session, "K-PAY", "EUR", AS_OF)
        usd = own_behaviour(session, "K-PAY", "USD", AS_OF)
        nobody = own_behaviour(session, "NOBODY", "EUR", AS_OF)
    assert (own.avg_days_late, own.weighted_days_late, own.paid_invoices) == (D("29.0"), D("25.3"), 5)
    assert (own.max_days_past_due, own.overdue) == (71, D("750.00"))
    assert (own.returned_debits, own.broken_promises) == (1, 1)
    assert usd.overdue == D("100.00") and usd.max_days_past_due == 71
    assert nobody.paid_invoices == 0 and nobody.max_days_past_due is None and nobody.overdue == 0


def test_an_unknown_customer_is_not_found(book: Book) -> None:
    with book.sessions() as session, pytest.raises(NotFound, match="no customer"):
        customer_behaviour(session, "NOBODY", AS_OF)


def test_gateway_behaviour_prints_the_figures_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    engine = make_engine(url)
    upgrade(engine)
    try:
        _history(make_book(engine, tmp_path, monkeypatch))
    finally:
        engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")} | {"GATEWAY_DATABASE__URL": url}

    def gateway(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "gateway.cli.app", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    done = gateway("behaviour", "K-PAY", "--as-of", AS_OF.isoformat(), "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["avg_days_late"] == "29.0" and figures["weighted_days_late"] == "25.3"
    assert figures["open_items"] == {"EUR": "1350.00", "USD": "100.00"} and figures["dso_days"] == "78.4"
    assert figures["trend"][-1] == {"month": "2026-06-01", "invoiced": "800.00", "paid": "500.00",
                                    "avg_days_late": "52.5", "paid_invoices": 2}
    assert figures["ageing"][0]["buckets"]["61-90"] == "500.00"
    shown = gateway("behaviour", "K-PAY", "--as-of", AS_OF.isoformat())
    assert shown.returncode == 0, shown.stderr
    assert "Prompt & Slow AG" in shown.stdout and "25.3 days" in shown.stdout and "2026-06" in shown.stdout
    unknown = gateway("behaviour", "NOBODY")
    assert unknown.returncode == 1 and "no customer 'NOBODY'" in unknown.stderr
