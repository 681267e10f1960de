"""Helpers of the crash and concurrency tests: a generated ledger and statements, `gateway run` as a
separate process, and the invariants that must hold whatever happened to the processes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.ledger import generate_ledger, payments_for, write_camt053
from gateway.ledger import posting
from gateway.storage import session_factory
from gateway.storage.ledger_tables import LedgerAllocation, LedgerInvoice, LedgerJobFile, LedgerPayment
from gateway.storage.tables import BankTransaction

INVOICES = 6000
CUSTOMERS = 600


def seed(engine: Engine) -> None:
    generate_ledger(engine, INVOICES, CUSTOMERS)


def write_files(inbox: Path, files: int, per_file: int) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    payments = list(payments_for(files * per_file, INVOICES, CUSTOMERS, seed=11))
    for n in range(files):
        batch = payments[n * per_file : (n + 1) * per_file]
        write_camt053(inbox / f"big-{n:02d}.xml", f"CRASH-{n:02d}", date(2026, 4, 1) + timedelta(days=n), batch)


def gateway_run(url: str, work: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_DATABASE__URL": url,
        "GATEWAY_LEDGER__INBOX": str(work / "inbox"),
        "GATEWAY_LEDGER__PROCESSED": str(work / "processed"),
        "GATEWAY_LEDGER__REJECTED": str(work / "rejected"),
        "GATEWAY_CONFIG_DIR": str(work / "no-config"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli.app", "run", "--once"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def state(engine: Engine) -> dict[str, int]:
    with session_factory(engine)() as session:
        return {
            "transactions": session.scalar(select(func.count()).select_from(BankTransaction)) or 0,
            "payments": session.scalar(select(func.count()).select_from(LedgerPayment)) or 0,
            "allocations": session.scalar(select(func.count()).select_from(LedgerAllocation)) or 0,
            "files_done": session.scalar(select(func.count()).select_from(LedgerJobFile)) or 0,
        }


def assert_consistent(engine: Engine) -> None:
    """Nothing applied twice: one payment per bank transaction, no invoice paid beyond its amount, every
    cached open amount equal to its derivation."""
    with session_factory(engine)() as session:
        per_tx = session.execute(
            select(LedgerPayment.bank_transaction_id, func.count())
            .group_by(LedgerPayment.bank_transaction_id)
            .having(func.count() > 1)
        ).all()
        assert per_tx == []
        touched = session.scalars(select(LedgerAllocation.invoice_id).distinct()).all()
        for invoice_pk in touched:
            inv = session.get_one(LedgerInvoice, invoice_pk)
            assert inv.open_amount == posting.derived_open_amount(session, invoice_pk)
            assert Decimal(0) <= inv.open_amount <= inv.amount, inv.invoice_id
        for pay in session.scalars(select(LedgerPayment)):
            assert pay.unapplied == posting.derived_unapplied(session, pay.id)
