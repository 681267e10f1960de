"""Ageing of the book on a fixed date: every bucket boundary, credit notes, several currencies, partial payments,
unapplied credits (not aged), exact thousandths; the book's totals, sorting, search and paging."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gateway.desk.ageing import BUCKETS, book_ageing, bucket_of, customer_ageing, from_milli
from gateway.ledger.errors import LedgerError, NotFound
from gateway.ledger.exposure import open_items_by_currency
from gateway.storage import make_engine, upgrade
from tests.desk.books import Book, make_book

D = Decimal


@pytest.fixture
def book(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Book:
    return make_book(engine, tmp_path, monkeypatch)


AS_OF = date(2026, 6, 30)


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-10, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
        (400, "90+"),
    ],
)
def test_the_bucket_of_days_past_due(days: int, bucket: str) -> None:
    assert bucket_of(days) == bucket


def test_thousandths_come_back_exact_with_at_least_two_decimals() -> None:
    assert str(from_milli(12_300)) == "12.30"
    assert str(from_milli(640_125)) == "640.125"
    assert str(from_milli(-50_000)) == "-50.00"
    assert str(from_milli(0)) == "0.00"
    assert str(from_milli(D(7))) == "0.007"  # PostgreSQL's SUM of bigint is numeric


def _boundaries(book: Book) -> None:
    """Customer A: one invoice on each side of every bucket boundary, a credit note, one not due yet."""
    book.customer("A-1", "Acme Trading GmbH")
    for n, (days, amount) in enumerate(
        [
            (0, "100.00"),
            (1, "10.00"),
            (30, "20.00"),
            (31, "40.00"),
            (60, "80.00"),
            (61, "160.00"),
            (90, "320.00"),
            (91, "640.125"),
            (-10, "5.00"),
        ]
    ):
        book.invoice(f"A-INV-{n}", "A-1", amount, ago(days))
    book.invoice("A-CN-1", "A-1", "-50.00", ago(45))


def test_each_bucket_boundary_on_a_fixed_date(book: Book) -> None:
    _boundaries(book)
    with book.sessions() as session:
        [line] = customer_ageing(session, "A-1", AS_OF)
    assert line.customer_id == "A-1" and line.name == "Acme Trading GmbH" and line.currency == "EUR"
    assert list(line.buckets) == list(BUCKETS)
    assert line.buckets == {
        "current": D("105.00"),  # due today, and due in ten days
        "1-30": D("30.00"),  # 1 and 30 days past due
        "31-60": D("70.00"),  # 31 and 60 days, less the credit note 45 days past due
        "61-90": D("480.00"),
        "90+": D("640.125"),  # three decimals kept exactly
    }
    assert line.total == D("1325.125") and line.overdue == D("1220.125")
    assert line.items == 10 and line.oldest_due == ago(91)
    with book.sessions() as session:  # a day later everything moves on by one day
        [later] = customer_ageing(session, "A-1", AS_OF + timedelta(days=1))
    assert later.buckets["current"] == D("5.00") and later.buckets["1-30"] == D("110.00")
    assert later.buckets["90+"] == D("960.125") and later.total == line.total


def test_payments_close_and_reduce_items_and_an_unapplied_credit_is_not_aged(book: Book) -> None:
    book.customer("B-1", "Bolt Industries")
    book.invoice("B-INV-1", "B-1", "300.00", ago(40))
    book.invoice("B-INV-2", "B-1", "200.00", ago(10))
    book.invoice("B-INV-3", "B-1", "1000.00", ago(5), currency="USD")
    book.pay(ago(3), "300.00", ("B-INV-1", "300.00"))  # paid: no longer an open item
    book.pay(ago(2), "170.00", ("B-INV-2", "120.00"))  # 80.00 of it stays open; 50.00 is the customer's credit
    with book.sessions() as session:
        lines = customer_ageing(session, "B-1", AS_OF)
        owed = open_items_by_currency(session, "B-1")
    assert [(x.currency, x.total, x.buckets["1-30"], x.items) for x in lines] == [
        ("EUR", D("80.00"), D("80.00"), 1),
        ("USD", D("1000.00"), D("1000.00"), 1),
    ]
    assert owed == {"EUR": D("30.00"), "USD": D("1000.00")}  # the credit counts against what is owed, not in ageing


def test_a_customer_without_open_items_has_no_lines_and_an_unknown_one_is_not_found(book: Book) -> None:
    book.customer("C-1", "Clear Account Ltd")
    with book.sessions() as session:
        assert customer_ageing(session, "C-1", AS_OF) == []
        with pytest.raises(NotFound, match="no customer"):
            customer_ageing(session, "NOBODY", AS_OF)


def _three_customers(book: Book) -> None:
    _boundaries(book)  # 1325.125 EUR, 1220.125 overdue, 640.125 over 90 days
    book.customer("B-2", "zenith & Partner")
    book.invoice("B-2-INV-1", "B-2", "2000.00", ago(-5))  # all current
    book.invoice("B-2-INV-2", "B-2", "700.00", ago(100), currency="USD")
    book.customer("C-3", "Bacme_Logistics SARL")
    book.invoice("C-3-INV-1", "C-3", "1500.00", ago(20))


def test_the_book_totals_per_currency_and_a_sorted_page_of_customers(book: Book) -> None:
    _three_customers(book)
    with book.sessions() as session:
        whole = book_ageing(session, AS_OF)
        assert [(t.customer_id, t.currency, t.total, t.overdue, t.items) for t in whole.totals] == [
            (None, "EUR", D("4825.125"), D("2720.125"), 12),
            (None, "USD", D("700.00"), D("700.00"), 1),
        ]
        assert whole.totals[0].buckets["90+"] == D("640.125") and whole.totals[0].oldest_due == ago(91)
        assert whole.count == 4
        assert [(r.customer_id, r.currency) for r in whole.rows] == [
            ("C-3", "EUR"),
            ("A-1", "EUR"),
            ("B-2", "USD"),
            ("B-2", "EUR"),
        ]  # most overdue first; B-2's EUR has nothing overdue
        assert whole.rows[0].name == "Bacme_Logistics SARL"

        by_total = book_ageing(session, AS_OF, sort="total")
        assert [r.total for r in by_total.rows] == sorted(r.total for r in whole.rows)
        by_name = book_ageing(session, AS_OF, sort="name")
        assert [r.customer_id for r in by_name.rows] == ["A-1", "C-3", "B-2", "B-2"]
        oldest = book_ageing(session, AS_OF, sort="-90+", limit=2)
        assert [(r.customer_id, r.currency) for r in oldest.rows] == [("B-2", "USD"), ("A-1", "EUR")]
        assert oldest.count == 4
        second = book_ageing(session, AS_OF, sort="customer", limit=2, offset=2)
        assert [r.customer_id for r in second.rows] == ["B-2", "C-3"] and second.count == 4
        beyond = book_ageing(session, AS_OF, limit=10, offset=10)
        assert beyond.rows == [] and beyond.count == 4
        with pytest.raises(LedgerError, match="cannot sort"):
            book_ageing(session, AS_OF, sort="colour")


def test_the_book_filtered_by_currency_and_searched_by_name_or_id(book: Book) -> None:
    _three_customers(book)
    with book.sessions() as session:
        usd = book_ageing(session, AS_OF, currency="usd")
        assert [t.currency for t in usd.totals] == ["USD"] and usd.count == 1
        acme = book_ageing(session, AS_OF, search="ACME")
        assert {r.customer_id for r in acme.rows} == {"A-1", "C-3"} and acme.count == 2
        assert [t.currency for t in acme.totals] == ["EUR", "USD"]  # the totals stay the whole book's
        assert book_ageing(session, AS_OF, search="b-2").count == 2  # the id, either case
        assert book_ageing(session, AS_OF, search="_").count == 1  # a literal underscore, not a wildcard
        assert book_ageing(session, AS_OF, search="&").count == 2
        assert book_ageing(session, AS_OF, search="nobody").count == 0


def test_an_empty_book(book: Book) -> None:
    with book.sessions() as session:
        empty = book_ageing(session, AS_OF, limit=50)
    assert empty.totals == [] and empty.rows == [] and empty.count == 0 and empty.as_of == AS_OF


def _gateway(*args: str, cwd: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATABASE__URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.app", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_gateway_ageing_prints_the_book_and_writes_every_row_to_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    engine = make_engine(url)
    upgrade(engine)
    try:
        _three_customers(make_book(engine, tmp_path, monkeypatch))
    finally:
        engine.dispose()
    out = tmp_path / "ageing.csv"
    done = _gateway("ageing", "--as-of", AS_OF.isoformat(), "--top", "2", "--csv", str(out), cwd=tmp_path, url=url)
    assert done.returncode == 0, done.stderr
    assert f"Ageing on {AS_OF}" in done.stdout and "top 2 of 4 customer rows" in done.stdout
    assert "4,825.125" in done.stdout and "Bacme_Logistics SARL" in done.stdout
    assert "zenith" not in done.stdout  # third and fourth by overdue: not in the top 2
    assert "4 customer rows written" in done.stdout
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["customer_id"], r["currency"]) for r in rows] == [
        ("A-1", "EUR"), ("B-2", "EUR"), ("B-2", "USD"), ("C-3", "EUR")
    ]
    assert rows[0]["90+"] == "640.125" and rows[0]["total"] == "1325.125" and rows[0]["oldest_due"] == str(ago(91))
    usd = _gateway("ageing", "--as-of", AS_OF.isoformat(), "--currency", "USD", cwd=tmp_path, url=url)
    assert usd.returncode == 0 and "EUR" not in usd.stdout and "700.00" in usd.stdout
    bad = _gateway("ageing", "--as-of", "30.06.2026", cwd=tmp_path, url=url)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
