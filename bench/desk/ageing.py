"""Benchmark of the book's ageing on PostgreSQL: a ledger of INVOICES open invoices (and, with --closed, paid ones
that the ageing must skip) of CUSTOMERS customers loaded with COPY, then ``book_ageing`` (totals and the first page
of 50 customer rows, most overdue first) timed over 5 runs, and ``customer_ageing`` of random customers (the
credit file's and the credit check's query) as latency percentiles. Target: the book's ageing under 5 s.

    python -m bench.desk.ageing --invoices 1000000 --customers 50000
    python -m bench.desk.ageing --url postgresql+psycopg://postgres@127.0.0.1:5432/test --closed 1000000

The bench works in a schema of its own on the database of ``--url`` (default: GATEWAY_BENCH_POSTGRES_URL, else
the test database), migrated with the gateway's migrations, and drops it afterwards.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
from sqlalchemy import Engine

from gateway.desk.ageing import book_ageing, customer_ageing
from gateway.storage import make_engine, session_factory, upgrade

POSTGRES_URL = os.environ.get("GATEWAY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AS_OF = date(2026, 11, 27)
TARGET_SECONDS = 5.0
RUNS = 5
CHUNK = 50_000
CURRENCIES = ("EUR",) * 17 + ("USD", "USD", "GBP")  # 85 % EUR


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _customer_id(n: int) -> str:
    return f"C{n:07d}"


def _invoice_rows(invoices: int, customers: int, *, closed: bool, seed: int) -> Iterator[str]:
    """COPY text lines of ledger_invoices: due dates from 200 days past to 60 days ahead of AS_OF, amounts with
    cents (one in fifty a credit note), a customer's invoices all in its own currency."""
    rng = random.Random(seed)
    now = datetime.now(UTC).isoformat()
    prefix = "P" if closed else "A"
    for n in range(invoices):
        c = rng.randrange(customers)
        cents = rng.randrange(1_000, 2_500_000)
        if not closed and rng.random() < 0.02:
            cents = -cents // 10
        amount = format(Decimal(cents).scaleb(-2), "f")
        due = AS_OF + timedelta(days=rng.randrange(-200, 61))
        issue = due - timedelta(days=30)
        open_amount, open_milli, is_open = (("0", "0", "f") if closed else (amount, str(cents * 10), "t"))
        yield (
            f"{prefix}{n:09d}\t{_customer_id(c)}\t{CURRENCIES[c % len(CURRENCIES)]}\t{amount}\t0\t{issue}\t{due}\t\\N\t"
            f"{open_amount}\t{open_milli}\t{is_open}\t{now}\t{now}\n"
        )


def _copy(conn: psycopg.Connection, statement: str, lines: Iterator[str]) -> None:
    with conn.cursor() as cur, cur.copy(statement) as copy:
        buf = io.StringIO()
        for k, line in enumerate(lines, 1):
            buf.write(line)
            if k % CHUNK == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


def load(schema_url: str, invoices: int, customers: int, closed: int) -> float:
    """Customers and invoices with COPY, then VACUUM ANALYZE; returns the seconds taken."""
    started = time.perf_counter()
    now = datetime.now(UTC).isoformat()
    with psycopg.connect(_libpq(schema_url)) as conn:
        _copy(
            conn,
            "COPY ledger_customers (customer_id, name, created_at, updated_at) FROM STDIN",
            (f"{_customer_id(n)}\tCustomer {n} GmbH\t{now}\t{now}\n" for n in range(customers)),
        )
        columns = (
            "invoice_id, customer_id, currency, amount, settled_before, issue_date, due_date, reference, "
            "open_amount, open_milli, is_open, imported_at, updated_at"
        )
        _copy(conn, f"COPY ledger_invoices ({columns}) FROM STDIN", _invoice_rows(invoices, customers, closed=False,
                                                                                   seed=1))
        if closed:
            _copy(conn, f"COPY ledger_invoices ({columns}) FROM STDIN", _invoice_rows(closed, customers, closed=True,
                                                                                       seed=2))
    with psycopg.connect(_libpq(schema_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ledger_customers")
        conn.execute("VACUUM ANALYZE ledger_invoices")
    return time.perf_counter() - started


def time_book(engine: Engine, **kwargs: object) -> list[float]:
    sessions = session_factory(engine)
    times = []
    for _ in range(RUNS):
        with sessions() as session:
            started = time.perf_counter()
            book = book_ageing(session, AS_OF, limit=50, **kwargs)  # type: ignore[arg-type]
            times.append(time.perf_counter() - started)
            assert len(book.rows) <= 50 and book.totals
    return times


def time_customers(engine: Engine, customers: int, samples: int) -> list[float]:
    rng = random.Random(3)
    sessions = session_factory(engine)
    times = []
    with sessions() as session:
        for _ in range(samples):
            started = time.perf_counter()
            customer_ageing(session, _customer_id(rng.randrange(customers)), AS_OF)
            times.append((time.perf_counter() - started) * 1000)
            session.rollback()  # each read in a transaction of its own, as a page or a check does
    return sorted(times)


def _pct(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def run(url: str, invoices: int, customers: int, closed: int, samples: int) -> int:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    schema_url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(schema_url)
    try:
        upgrade(engine)
        extra = f" and {closed:,} paid ones" if closed else ""
        print(f"postgresql: {invoices:,} open invoices{extra} of {customers:,} customers, aged on {AS_OF}")
        seconds = load(schema_url, invoices, customers, closed)
        rows = invoices + closed
        print(f"  load (COPY + VACUUM ANALYZE): {seconds:.1f} s, {rows / seconds:,.0f} invoices/s")
        failed = False
        for name, kwargs in (
            ("book_ageing, first page of 50, -overdue", {}),
            ("book_ageing, sorted by name, search 'gmbh'", {"sort": "name", "search": "gmbh"}),
            ("book_ageing, EUR only, page 3", {"currency": "EUR", "offset": 100}),
        ):
            times = time_book(engine, **kwargs)
            worst = max(times)
            verdict = "ok" if worst < TARGET_SECONDS else "SLOW"
            failed |= worst >= TARGET_SECONDS
            print(
                f"  {name}: min {min(times):.2f} s, median {statistics.median(times):.2f} s, max {worst:.2f} s "
                f"({verdict}: target < {TARGET_SECONDS:g} s)"
            )
        latencies = time_customers(engine, customers, samples)
        print(
            f"  customer_ageing x{samples}: p50 {_pct(latencies, 0.50):.1f} ms, p95 {_pct(latencies, 0.95):.1f} ms, "
            f"p99 {_pct(latencies, 0.99):.1f} ms"
        )
        print(f"  peak RSS {peak_mb():.0f} MB")
        return 1 if failed else 0
    finally:
        engine.dispose()
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=1_000_000, help="open invoices (default 1,000,000)")
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--closed", type=int, default=0, help="paid invoices besides the open ones (default 0)")
    parser.add_argument("--samples", type=int, default=500, help="customer_ageing calls timed (default 500)")
    parser.add_argument("--url", default=POSTGRES_URL, help="a PostgreSQL database (a schema is made and dropped)")
    args = parser.parse_args(argv)
    if not args.url.startswith("postgresql"):
        parser.error("--url must be a PostgreSQL URL (postgresql+psycopg://...)")
    if args.customers < 1 or args.invoices < 1:
        parser.error("--customers and --invoices must be positive")
    return run(args.url, args.invoices, args.customers, args.closed, args.samples)


if __name__ == "__main__":
    sys.exit(main())
