"""Benchmark of the open items ledger: a ledger of INVOICES invoices generated straight into the database
(bulk inserts), TRANSACTIONS incoming payments written as camt.053 files into an inbox, then ``gateway run``'s
job (import + match + apply, one transaction per file) timed, with peak memory, and the review queue's own
query timed at that size (p50/p95 of 20 runs).

    python -m bench.ledger --database sqlite --invoices 1000000 --transactions 100000
    python -m bench.ledger --database postgresql --invoices 100000 --transactions 10000 --timeout 900

The PostgreSQL URL is GATEWAY_BENCH_POSTGRES_URL (default: the test database); the bench works in a schema
of its own and drops it afterwards. The timeout stops the job after the file it is working on; what was
done until then is reported as such.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from schwifty import IBAN
from sqlalchemy import Engine, insert, text

from gateway.ledger.config import LedgerConfig
from gateway.ledger.job import LedgerJob, Outcome
from gateway.ledger.money import milli
from gateway.ledger.queries import review_queue
from gateway.matching import MatchingConfig
from gateway.storage import make_engine, session_factory, upgrade
from gateway.storage.ledger_tables import LedgerCustomer, LedgerCustomerAccount, LedgerInvoice

POSTGRES_URL = os.environ.get("GATEWAY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OUR_ACCOUNT = "DE44500105175407324931"
CHUNK = 10_000


# -- statements ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payment:
    """One credit (or, negative, a returned collection) of a generated statement."""

    amount: Decimal
    payer: str
    iban: str | None
    text: str
    bank_ref: str
    end_to_end_id: str = "NOTPROVIDED"
    return_code: str | None = None  # an ISO return reason: the entry is a returned direct debit


def _entry(p: Payment, day: date) -> str:
    credit = p.amount > 0
    family = ("RCDT", "ESCT") if credit else ("IDDT", "UPDD")
    party = "Dbtr" if credit else "Cdtr"
    account = f"<{party}Acct><Id><IBAN>{p.iban}</IBAN></Id></{party}Acct>" if p.iban else ""
    ret = f"<RtrInf><Rsn><Cd>{p.return_code}</Cd></Rsn></RtrInf>" if p.return_code else ""
    amount = format(abs(p.amount), "f")
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd>'
        f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        f"<AcctSvcrRef>{p.bank_ref}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family[0]}</Cd>"
        f"<SubFmlyCd>{family[1]}</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>"
        f"<AcctSvcrRef>{p.bank_ref}</AcctSvcrRef><EndToEndId>{escape(p.end_to_end_id)}</EndToEndId></Refs>"
        f'<Amt Ccy="EUR">{amount}</Amt><RltdPties><{party}><Pty><Nm>{escape(p.payer)}</Nm></Pty></{party}>'
        f"{account}</RltdPties><RmtInf><Ustrd>{escape(p.text)}</Ustrd></RmtInf>{ret}</TxDtls></NtryDtls></Ntry>\n"
    )


def write_camt053(path: Path, statement_id: str, day: date, payments: Sequence[Payment]) -> Path:
    """A camt.053.001.08 statement of our account with these entries (balances that add up)."""
    total = sum((p.amount for p in payments), Decimal(0))
    closing = Decimal("100000.00") + total
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
            f"<GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>{day}T06:00:00</CreDtTm></GrpHdr>"
            f"<Stmt><Id>{statement_id}</Id><CreDtTm>{day}T06:00:00</CreDtTm>"
            f"<FrToDt><FrDtTm>{day}T00:00:00</FrDtTm><ToDtTm>{day}T23:59:59</ToDtTm></FrToDt>"
            f"<Acct><Id><IBAN>{OUR_ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100000.00</Amt>'
            f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
            f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(closing)}</Amt>'
            f"<CdtDbtInd>{'CRDT' if closing >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>\n"
        )
        for p in payments:
            out.write(_entry(p, day))
        out.write("</Stmt></BkToCstmrStmt></Document>\n")
    return path


# -- the ledger ------------------------------------------------------------------------------------------


def customer_iban(n: int) -> str:
    return str(IBAN.generate("DE", bank_code="37040044", account_code=f"{n:010d}"))


def invoice_number(n: int) -> str:
    return f"INV-{n:08d}"


def invoice_amount(n: int) -> Decimal:
    # Deterministic, varied amounts with cents: 10.00 .. 9999.99
    return Decimal((n * 7919) % 999_000 + 1000) / 100


def customer_of(n: int, customers: int) -> int:
    return n % customers


def generate_ledger(engine: Engine, invoices: int, customers: int) -> float:
    """Customers, their accounts and INVOICES open invoices inserted in bulk; returns seconds taken."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    with session_factory(engine)() as session, session.begin():
        for start in range(0, customers, CHUNK):
            ids = range(start, min(customers, start + CHUNK))
            session.execute(
                insert(LedgerCustomer),
                [
                    {"customer_id": f"C{n:07d}", "name": f"Customer {n} GmbH", "created_at": now, "updated_at": now}
                    for n in ids
                ],
            )
            session.execute(
                insert(LedgerCustomerAccount),
                [
                    {
                        "customer_id": f"C{n:07d}",
                        "iban": customer_iban(n),
                        "source": "import",
                        "created_by": "bench",
                        "created_at": now,
                    }
                    for n in ids
                ],
            )
        issue = date(2026, 1, 1)
        for start in range(0, invoices, CHUNK):
            rows = []
            for n in range(start, min(invoices, start + CHUNK)):
                amount = invoice_amount(n)
                rows.append(
                    {
                        "invoice_id": invoice_number(n),
                        "customer_id": f"C{customer_of(n, customers):07d}",
                        "currency": "EUR",
                        "amount": amount,
                        "settled_before": Decimal("0.00"),
                        "issue_date": issue + timedelta(days=n % 60),
                        "due_date": issue + timedelta(days=n % 60 + 30),
                        "reference": None,
                        "open_amount": amount,
                        "open_milli": milli(amount),
                        "is_open": True,
                        "imported_at": now,
                        "updated_at": now,
                    }
                )
            session.connection().execute(LedgerInvoice.__table__.insert(), rows)  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def payments_for(transactions: int, invoices: int, customers: int, seed: int = 7) -> Iterator[Payment]:
    """Payments of distinct invoices: most name their invoice and come from the customer's account, some
    give only the amount, some come from strangers (those wait for review)."""
    rng = random.Random(seed)
    chosen = rng.sample(range(invoices), transactions)
    for k, n in enumerate(chosen):
        c = customer_of(n, customers)
        kind = rng.random()
        amount = invoice_amount(n)
        if kind < 0.70:
            yield Payment(amount, f"Customer {c} GmbH", customer_iban(c), f"Payment {invoice_number(n)}", f"B{k:09d}")
        elif kind < 0.85:
            yield Payment(amount, f"Customer {c} GmbH", customer_iban(c), "Zahlung", f"B{k:09d}")
        else:
            yield Payment(amount + Decimal("0.37"), f"Stranger {k}", None, "transfer", f"B{k:09d}")


def write_inbox(inbox: Path, transactions: int, invoices: int, customers: int, per_file: int) -> int:
    inbox.mkdir(parents=True, exist_ok=True)
    batch: list[Payment] = []
    files = 0
    day = date(2026, 3, 1)
    for p in payments_for(transactions, invoices, customers):
        batch.append(p)
        if len(batch) == per_file:
            write_camt053(inbox / f"stmt-{files:04d}.xml", f"BENCH-{files:04d}", day + timedelta(days=files), batch)
            files, batch = files + 1, []
    if batch:
        write_camt053(inbox / f"stmt-{files:04d}.xml", f"BENCH-{files:04d}", day + timedelta(days=files), batch)
        files += 1
    return files


# -- measuring -------------------------------------------------------------------------------------------


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def queue_times(engine: Engine, runs: int = 20) -> dict[str, tuple[float, float]]:
    """p50/p95 in ms of the review page's query: the default page, sorted by date, and filtered by amount."""
    variants = {
        "default page (-amount)": {},
        "sorted by date": {"sort": "date"},
        "amount 100..200, page 3": {"min_amount": Decimal(100), "max_amount": Decimal(200), "offset": 100},
    }
    out: dict[str, tuple[float, float]] = {}
    sessions = session_factory(engine)
    for name, args in variants.items():
        times = []
        for _ in range(runs):
            with sessions() as session:
                started = time.perf_counter()
                page = review_queue(session, limit=50, **args)  # type: ignore[arg-type]
                times.append((time.perf_counter() - started) * 1000)
                assert len(page.rows) <= 50
        times.sort()
        out[name] = (statistics.median(times), times[int(0.95 * (len(times) - 1))])
    return out


def run(database: str, invoices: int, transactions: int, per_file: int, timeout: float) -> int:
    customers = max(1, invoices // 10)
    work = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    schema = None
    if database == "sqlite":
        url = f"sqlite:///{work / 'bench.db'}"
    else:
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        print(f"{database}: {invoices:,} invoices of {customers:,} customers, {transactions:,} transactions")
        seconds = generate_ledger(engine, invoices, customers)
        print(f"  ledger generated (bulk inserts): {seconds:.1f} s, {invoices / seconds:,.0f} invoices/s")
        started = time.perf_counter()
        files = write_inbox(work / "inbox", transactions, invoices, customers, per_file)
        print(f"  {files} statement files written: {time.perf_counter() - started:.1f} s")
        config = LedgerConfig(inbox=work / "inbox", processed=work / "processed", rejected=work / "rejected")
        job = LedgerJob(engine, config, MatchingConfig())
        rss_before = peak_mb()
        started = time.perf_counter()
        done = txs = matched = suggested = unmatched = 0
        from gateway.ledger.job import inbox_files

        for path in inbox_files(config.inbox):
            if time.perf_counter() - started > timeout:
                print(f"  timeout after {timeout:.0f} s: stopped before {path.name}")
                break
            outcome = job.process(path)
            if outcome.outcome != Outcome.DONE:
                print(f"  {path.name}: {outcome.outcome} {outcome.error or ''}")
                continue
            done += 1
            txs += outcome.counts.transactions
            matched += outcome.counts.matched
            suggested += outcome.counts.suggested
            unmatched += outcome.counts.unmatched
        elapsed = time.perf_counter() - started
        print(
            f"  job: {done}/{files} files, {txs:,} transactions in {elapsed:.1f} s = {txs / elapsed:,.0f} tx/s "
            f"(import + match + apply, one transaction per file; matching ledger loaded {job.cache.loads}x)"
        )
        print(f"  matched {matched:,}, suggested {suggested:,}, unmatched {unmatched:,}")
        print(f"  peak RSS {peak_mb():.0f} MB (before the job {rss_before:.0f} MB)")
        for name, (p50, p95) in queue_times(engine).items():
            verdict = "ok" if p95 < 200 else "SLOW"
            print(f"  review_queue {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({verdict}: page must answer < 200 ms)")
        return 0
    finally:
        engine.dispose()
        shutil.rmtree(work, ignore_errors=True)
        if schema is not None:
            import psycopg

            with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--per-file", type=int, default=10_000, help="transactions per statement file")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the job per database")
    args = parser.parse_args(argv)
    if args.transactions > args.invoices:
        parser.error("--transactions may not exceed --invoices (each payment pays its own invoice)")
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for database in databases:
        run(database, args.invoices, args.transactions, args.per_file, args.timeout)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
