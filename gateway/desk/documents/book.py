"""A customer's invoices with every money movement on them, the payments behind the movements, and the bank
statement and file each payment came from: what both documents are assembled from.

Every movement takes effect on a date, so a document can be drawn up as it stood on any day:

* an invoice on its issue date; what the ERP had settled before the ledger took over on the same day (the
  ledger does not know when that happened, only that it was before the invoice came in);
* an allocation on the booking date of its payment. An undo (``reversal``) belongs to the same payment and
  so takes effect on the same day as what it undoes: a payment applied to the wrong invoice never paid it.
  A direct-debit return is a payment of its own, booked the day the bank took the money back;
* a write-off on the booking date of the payment it settled a difference of, else on the day it was made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.ledger.money import ZERO
from gateway.storage.ledger_tables import LedgerAllocation, LedgerInvoice, LedgerPayment, LedgerWriteOff
from gateway.storage.tables import BankTransaction, ImportFile, StatementRow


@dataclass(frozen=True, slots=True)
class Source:
    """The bank statement a payment was booked on, and the file that statement was imported from."""

    statement_id: str | None  # the bank's id of the statement (camt Stmt/Id, MT940 :20:/:28C:, OFX)
    account: str  # our account: IBAN, else account number, else the key the import gave it
    period_start: date | None
    period_end: date | None
    file_name: str
    file_sha256: str
    location: str  # where in the file the transaction is

    @property
    def period(self) -> str:
        if self.period_start and self.period_end and self.period_start != self.period_end:
            return f"{self.period_start} to {self.period_end}"
        day = self.period_start or self.period_end
        return str(day) if day else ""


@dataclass(frozen=True, slots=True)
class PaymentInfo:
    payment_id: int
    booking_date: date | None
    amount: Decimal
    currency: str
    unapplied: Decimal
    status: str
    customer_id: str | None
    bank_ref: str | None
    end_to_end_id: str | None
    counterparty_name: str | None
    return_reason: str | None
    source: Source


@dataclass(frozen=True, slots=True)
class Allocation:
    id: int
    invoice_id: str  # the ERP's invoice number
    amount: Decimal  # positive pays the invoice; negative (return, reversal) reopens it
    kind: str  # auto | suggestion | manual | return | reversal
    effective: date
    recorded_at: datetime
    actor: str
    reason: str | None
    reverses_id: int | None
    reversed_by: int | None
    payment: PaymentInfo


@dataclass(frozen=True, slots=True)
class WriteOff:
    id: int
    invoice_id: str
    amount: Decimal
    reason: str
    actor: str
    approved_by: str | None
    effective: date
    recorded_at: datetime
    payment_id: int | None


@dataclass(frozen=True, slots=True)
class InvoiceBook:
    """One invoice (or credit note, negative amount) and what moved its open amount."""

    pk: int
    invoice_id: str
    currency: str
    amount: Decimal
    settled_before: Decimal
    issue_date: date
    due_date: date
    reference: str | None
    ledger_open: Decimal  # the ledger's cached open amount, now
    allocations: tuple[Allocation, ...]
    write_offs: tuple[WriteOff, ...]

    @property
    def is_credit_note(self) -> bool:
        return self.amount < 0

    def paid_on(self, day: date | None = None) -> Decimal:
        """Allocated up to ``day`` (all of it when None), net of returns and reversals."""
        return sum((a.amount for a in self.allocations if day is None or a.effective <= day), ZERO)

    def written_off_on(self, day: date | None = None) -> Decimal:
        return sum((w.amount for w in self.write_offs if day is None or w.effective <= day), ZERO)

    def open_on(self, day: date | None = None) -> Decimal:
        """amount - settled before - allocations - write-offs, counting what took effect up to ``day``."""
        return self.amount - self.settled_before - self.paid_on(day) - self.written_off_on(day)

    def movements(self) -> list[tuple[date, int, int, Decimal]]:
        """(effective date, 0 | 1, id, amount off the open amount) of the allocations that stand (neither undone
        nor an undo: the two cancel out on the same day) and the write-offs, in the order they took effect.
        Write-offs come after the allocations of their day (a tolerance write-off follows its payment)."""
        moves = [
            (a.effective, 0, a.id, a.amount)
            for a in self.allocations
            if a.reverses_id is None and a.reversed_by is None
        ]
        moves += [(w.effective, 1, w.id, w.amount) for w in self.write_offs]
        return sorted(moves)

    def closed_on(self, day: date) -> date | None:
        """The paid date on ``day``: when the movement that last brought the open amount to zero took effect.
        None while it is open, and for an invoice the ERP had settled before import (nothing moved)."""
        if self.open_on(day) != 0 or self.settled_before == self.amount:
            return None
        left = self.amount - self.settled_before
        closed = None
        for effective, _, _, amount in self.movements():
            if effective > day:
                break
            before, left = left, left - amount
            if left == 0 and before != 0:
                closed = effective
        return closed

    def days_late(self, day: date) -> int | None:
        """max(0, paid date - due date) of an invoice paid by ``day``; None otherwise and for credit notes."""
        paid = self.closed_on(day)
        if paid is None or self.is_credit_note:
            return None
        return max(0, (paid - self.due_date).days)


def _source(tx: BankTransaction, stmt: StatementRow, file: ImportFile) -> Source:
    return Source(
        statement_id=stmt.statement_id or stmt.message_id or stmt.electronic_sequence_number,
        account=stmt.iban or stmt.account_number or stmt.account_key,
        period_start=stmt.period_start or (stmt.created_at.date() if stmt.created_at else None),
        period_end=stmt.period_end,
        file_name=file.name,
        file_sha256=file.sha256,
        location=tx.location,
    )


def load_payments(session: Session, condition: Any) -> dict[int, PaymentInfo]:
    """Payments matching ``condition`` (on ``LedgerPayment``), each with its bank statement and file."""
    rows = session.execute(
        select(LedgerPayment, BankTransaction, StatementRow, ImportFile)
        .join(BankTransaction, BankTransaction.id == LedgerPayment.bank_transaction_id)
        .join(StatementRow, StatementRow.id == BankTransaction.statement_row_id)
        .join(ImportFile, ImportFile.id == BankTransaction.import_file_id)
        .where(condition)
    )
    return {
        pay.id: PaymentInfo(
            payment_id=pay.id,
            booking_date=pay.booking_date,
            amount=pay.amount,
            currency=pay.currency,
            unapplied=pay.unapplied,
            status=pay.status,
            customer_id=pay.customer_id,
            bank_ref=pay.bank_ref,
            end_to_end_id=pay.end_to_end_id,
            counterparty_name=pay.counterparty_name,
            return_reason=tx.return_reason,
            source=_source(tx, stmt, file),
        )
        for pay, tx, stmt, file in rows
    }


@dataclass(frozen=True, slots=True)
class CustomerBook:
    invoices: tuple[InvoiceBook, ...]  # by issue date, then number
    payments: dict[int, PaymentInfo]  # every payment assigned to the customer or applied to its invoices


def _day(moment: datetime) -> date:
    return moment.date()


def customer_book(session: Session, customer_id: str) -> CustomerBook:
    invoice_pks = select(LedgerInvoice.id).where(LedgerInvoice.customer_id == customer_id)
    invoices = list(
        session.scalars(
            select(LedgerInvoice)
            .where(LedgerInvoice.customer_id == customer_id)
            .order_by(LedgerInvoice.issue_date, LedgerInvoice.invoice_id)
        )
    )
    allocations = list(
        session.scalars(
            select(LedgerAllocation).where(LedgerAllocation.invoice_id.in_(invoice_pks)).order_by(LedgerAllocation.id)
        )
    )
    write_offs = list(
        session.scalars(
            select(LedgerWriteOff).where(LedgerWriteOff.invoice_id.in_(invoice_pks)).order_by(LedgerWriteOff.id)
        )
    )
    applied = select(LedgerAllocation.payment_id).where(LedgerAllocation.invoice_id.in_(invoice_pks))
    payments = load_payments(session, or_(LedgerPayment.customer_id == customer_id, LedgerPayment.id.in_(applied)))
    numbers = {inv.id: inv.invoice_id for inv in invoices}
    reversed_by = {a.reverses_id: a.id for a in allocations if a.reverses_id is not None}

    def effective(payment_id: int | None, recorded: datetime) -> date:
        pay = payments.get(payment_id) if payment_id is not None else None
        return pay.booking_date if pay and pay.booking_date else _day(recorded)

    by_invoice: dict[int, list[Allocation]] = {}
    for a in allocations:
        by_invoice.setdefault(a.invoice_id, []).append(
            Allocation(
                id=a.id,
                invoice_id=numbers[a.invoice_id],
                amount=a.amount,
                kind=a.kind,
                effective=effective(a.payment_id, a.created_at),
                recorded_at=a.created_at,
                actor=a.actor,
                reason=a.reason,
                reverses_id=a.reverses_id,
                reversed_by=reversed_by.get(a.id),
                payment=payments[a.payment_id],
            )
        )
    written: dict[int, list[WriteOff]] = {}
    for w in write_offs:
        written.setdefault(w.invoice_id, []).append(
            WriteOff(
                id=w.id,
                invoice_id=numbers[w.invoice_id],
                amount=w.amount,
                reason=w.reason,
                actor=w.actor,
                approved_by=w.approved_by,
                effective=effective(w.payment_id, w.created_at),
                recorded_at=w.created_at,
                payment_id=w.payment_id,
            )
        )
    books = tuple(
        InvoiceBook(
            pk=inv.id,
            invoice_id=inv.invoice_id,
            currency=inv.currency,
            amount=inv.amount,
            settled_before=inv.settled_before,
            issue_date=inv.issue_date,
            due_date=inv.due_date,
            reference=inv.reference,
            ledger_open=inv.open_amount,
            allocations=tuple(sorted(by_invoice.get(inv.id, ()), key=lambda a: (a.effective, a.id))),
            write_offs=tuple(sorted(written.get(inv.id, ()), key=lambda w: (w.effective, w.id))),
        )
        for inv in invoices
    )
    return CustomerBook(books, payments)


def net_applied(allocations: Iterable[Allocation]) -> dict[str, Decimal]:
    """Per invoice number, what the allocations add up to (returns and reversals netted), zeros left out."""
    totals: dict[str, Decimal] = {}
    for a in allocations:
        totals[a.invoice_id] = totals.get(a.invoice_id, ZERO) + a.amount
    return {k: v for k, v in totals.items() if v != 0}
