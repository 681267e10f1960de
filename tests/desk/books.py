"""Small hand-made ledgers for the ageing and behaviour tests, built through the real services: customers and
invoices through the ERP import, payments through camt.053 statements and the ledger job, allocations, undos and
write-offs through ``gateway.ledger.service``. A clock stands in for ``audit.now`` so that what the ledger records
(write-off dates, the order of postings) falls on the days a test names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bench.ledger import Payment, write_camt053
from gateway.ledger import audit, service
from gateway.ledger.config import LedgerConfig
from gateway.ledger.erp_import import import_customers, import_invoices
from gateway.ledger.job import LedgerJob
from gateway.matching import MatchingConfig
from gateway.model.invoice import Customer, Invoice
from gateway.storage import session_factory
from gateway.storage.ledger_tables import LedgerAllocation, LedgerPayment

D = Decimal


@dataclass
class Clock:
    """``audit.now`` for a test: noon of ``day``, a second later on every call (postings keep their order)."""

    day: date = date(2026, 1, 1)
    ticks: int = 0

    def __call__(self) -> datetime:
        self.ticks += 1
        return datetime.combine(self.day, time(12), tzinfo=UTC) + timedelta(seconds=self.ticks)


@dataclass
class Book:
    engine: Engine
    sessions: sessionmaker[Session]
    config: LedgerConfig
    clock: Clock
    payments: int = field(default=0)

    def customer(self, customer_id: str, name: str) -> None:
        with self.sessions() as session, session.begin():
            import_customers(session, [Customer(customer_id, name)], actor="erp")

    def invoice(
        self,
        invoice_id: str,
        customer_id: str,
        amount: str,
        due: date,
        *,
        issued: date | None = None,
        currency: str = "EUR",
        open_amount: str | None = None,
    ) -> None:
        issue = issued or due - timedelta(days=30)
        with self.sessions() as session, session.begin():
            import_invoices(
                session,
                [Invoice(invoice_id, customer_id, "", currency, D(amount), D(open_amount or amount), issue, due, None)],
                actor="erp",
            )

    def pay(self, day: date, amount: str, *parts: tuple[str, str], e2e: str = "NOTPROVIDED") -> int:
        """A payment of ``amount`` EUR booked on ``day`` through a statement and the job, allocated by hand to
        ``parts`` (invoice, amount) when given. Returns the payment's id."""
        self.clock.day = day
        self.payments += 1
        ref = f"BOOK{self.payments:04d}"
        path = self.config.inbox / f"book-{self.payments:04d}.xml"
        write_camt053(
            path,
            f"BOOK-STMT-{self.payments}",
            day,
            [Payment(D(amount), "A. Payer", None, "thanks", ref, end_to_end_id=e2e)],
        )
        LedgerJob(self.engine, self.config, MatchingConfig(), worker="test").run_once()
        with self.sessions() as session, session.begin():
            pay = session.scalars(select(LedgerPayment).where(LedgerPayment.bank_ref == ref)).one()
            if parts:
                service.allocate(session, pay.id, [(inv, D(a)) for inv, a in parts], actor="clerk")
            return pay.id

    def returned(self, day: date, amount: str, e2e: str) -> int:
        """The bank gives back the direct debit ``e2e`` of ``amount`` EUR on ``day`` (a return with reason MD06)."""
        self.clock.day = day
        self.payments += 1
        ref = f"BOOK{self.payments:04d}"
        path = self.config.inbox / f"book-{self.payments:04d}.xml"
        back = Payment(-D(amount), "A. Payer", None, "return", ref, end_to_end_id=e2e, return_code="MD06")
        write_camt053(path, f"BOOK-STMT-{self.payments}", day, [back])
        LedgerJob(self.engine, self.config, MatchingConfig(), worker="test").run_once()
        with self.sessions() as session:
            pay = session.scalars(select(LedgerPayment).where(LedgerPayment.bank_ref == ref)).one()
            assert pay.status == "return", pay.explanation
            return pay.id

    def undo(self, day: date, payment_id: int) -> None:
        """A clerk takes back every allocation of the payment."""
        self.clock.day = day
        with self.sessions() as session, session.begin():
            for allocation_id in session.scalars(
                select(LedgerAllocation.id).where(LedgerAllocation.payment_id == payment_id)
            ).all():
                service.undo_allocation(session, allocation_id, actor="clerk", reason="wrong invoice")

    def write_off(self, day: date, invoice_id: str, amount: str) -> None:
        self.clock.day = day
        with self.sessions() as session, session.begin():
            service.write_off(
                session, invoice_id, D(amount), "small rest", actor="clerk", approved_by="manager", config=self.config
            )


def make_book(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Book:
    """An empty ledger on ``engine`` whose clock the test sets (for a module's ``book`` fixture)."""
    clock = Clock()
    monkeypatch.setattr(audit, "now", clock)
    config = LedgerConfig(
        inbox=tmp_path / "inbox",
        processed=tmp_path / "processed",
        rejected=tmp_path / "rejected",
        write_off_limit="50.00",  # type: ignore[arg-type]
    )
    config.inbox.mkdir()
    return Book(engine, session_factory(engine), config, clock)
