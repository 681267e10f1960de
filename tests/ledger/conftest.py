"""A ledger loaded with the bundled sample customers and invoices, and an inbox of its own per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from adapters.erp.invoices_csv import read_customers, read_invoices
from gateway.ledger import posting
from gateway.ledger.config import LedgerConfig
from gateway.ledger.erp_import import import_customers, import_invoices
from gateway.ledger.job import LedgerJob, RunSummary
from gateway.matching import MatchingConfig
from gateway.storage import session_factory
from gateway.storage.ledger_tables import LedgerInvoice, LedgerPayment

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_INBOX = ROOT / "fixtures" / "inbox"
SAMPLE_LEDGER = ROOT / "fixtures" / "ledger"


@dataclass
class LedgerWorld:
    engine: Engine
    sessions: sessionmaker[Session]
    config: LedgerConfig

    def deliver(self, *files: Path, rename: str | None = None) -> list[Path]:
        self.config.inbox.mkdir(parents=True, exist_ok=True)
        return [Path(shutil.copy(f, self.config.inbox / (rename or f.name))) for f in files]

    def run(self) -> RunSummary:
        return LedgerJob(self.engine, self.config, MatchingConfig(), worker="test").run_once()

    def invoice(self, invoice_id: str) -> LedgerInvoice:
        with self.sessions() as session:
            return posting.invoice_by_number(session, invoice_id)

    def payment_by_ref(self, bank_ref: str) -> LedgerPayment:
        with self.sessions() as session:
            return session.scalars(select(LedgerPayment).where(LedgerPayment.bank_ref == bank_ref)).one()

    def assert_open_amounts_are_derived(self) -> None:
        """The cached open amount of every invoice equals amount - settled before - allocations - write-offs."""
        with self.sessions() as session:
            for inv in session.scalars(select(LedgerInvoice)):
                assert inv.open_amount == posting.derived_open_amount(session, inv.id), inv.invoice_id
                assert inv.is_open == (inv.open_amount != 0)
            for pay in session.scalars(select(LedgerPayment)):
                assert pay.unapplied == posting.derived_unapplied(session, pay.id), pay.id


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Iterator[LedgerWorld]:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        import_customers(session, read_customers(SAMPLE_LEDGER / "customers.csv"), actor="test")
        import_invoices(session, read_invoices(SAMPLE_LEDGER / "invoices.csv"), actor="test")
    config = LedgerConfig(
        inbox=tmp_path / "inbox",
        processed=tmp_path / "processed",
        rejected=tmp_path / "rejected",
        write_off_limit="50.00",  # type: ignore[arg-type]
    )
    config.inbox.mkdir()
    yield LedgerWorld(engine, sessions, config)
