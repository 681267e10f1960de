"""The open items ledger: customers and their accounts, invoices, payments, allocations, write-offs, match
decisions, the audit trail and the job's claim table.

    ledger_customers ─┬─< ledger_customer_accounts          (IBANs: imported, or learned from a person)
                      └─< ledger_invoices ─┬─< ledger_allocations >─ ledger_payments ── bank_transactions
                                           └─< ledger_write_offs
    ledger_payments ─< ledger_decisions   (what the matcher or a person decided, with suggestions)
    ledger_audit       (append-only: who, what, when, evidence, before/after)
    ledger_job_files   (one row per statement file the job finished: its sha256 makes a restart idempotent)

Open amounts are derived: ``amount - settled_before - allocations - write-offs``. ``open_amount`` on the
invoice is a cache of that sum, written only by ``gateway.ledger.posting`` in the same transaction as the
allocation or write-off that changes it (a test recomputes it). ``amount_milli`` columns are integer sort
and filter keys (SQLite stores exact decimals as text, which sorts as text); the money itself stays Decimal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.storage.tables import CURRENCY, KEY, LONG, SHORT, Base, Id


class LedgerCustomer(Base):
    __tablename__ = "ledger_customers"

    customer_id: Mapped[str] = mapped_column(String(SHORT), primary_key=True)
    name: Mapped[str] = mapped_column(String(LONG))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LedgerCustomerAccount(Base):
    """A bank account a customer pays from: from customers.csv (``source='import'``) or learned."""

    __tablename__ = "ledger_customer_accounts"
    __table_args__ = (UniqueConstraint("customer_id", "iban"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("ledger_customers.customer_id"))
    iban: Mapped[str] = mapped_column(String(SHORT), index=True)
    source: Mapped[str] = mapped_column(String(20))  # import | learned
    created_by: Mapped[str] = mapped_column(String(LONG))
    created_at: Mapped[datetime]


class LedgerInvoice(Base):
    """An invoice (positive amount) or credit note (negative amount)."""

    __tablename__ = "ledger_invoices"
    __table_args__ = (
        Index(None, "customer_id", "currency", "is_open"),
        Index(None, "is_open", "currency", "open_milli"),
        Index(None, "is_open", "updated_at"),
        # The ageing (gateway.desk.ageing): open items grouped by customer and currency, read from the index alone.
        Index("ix_ledger_invoices_ageing", "is_open", "customer_id", "currency", "due_date", "open_milli"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(SHORT), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("ledger_customers.customer_id"))
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    amount: Mapped[Decimal]
    # What the ERP had already settled when the invoice came in (amount - open_amount of the CSV).
    settled_before: Mapped[Decimal]
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(LONG), index=True)
    open_amount: Mapped[Decimal]  # cache of the derived open amount (see module doc)
    open_milli: Mapped[int] = mapped_column(BigInteger)  # open_amount in thousandths: sort/filter key
    is_open: Mapped[bool] = mapped_column(Boolean)
    imported_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LedgerPayment(Base):
    """One incoming bank transaction (or a return of one) as the ledger sees it. Payer and text are copied
    from the bank transaction so that the review queue sorts and filters on one table."""

    __tablename__ = "ledger_payments"
    __table_args__ = (
        # The review queue: one index per sort key, each led by status and ending in id (the tie-break).
        Index(None, "status", "booking_date", "id"),
        Index(None, "status", "amount_milli", "id"),
        Index(None, "status", "customer_id", "id"),
        Index(None, "status", "counterparty_iban", "id"),
        Index(None, "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    bank_transaction_id: Mapped[int] = mapped_column(ForeignKey("bank_transactions.id"), unique=True)
    import_file_id: Mapped[int] = mapped_column(ForeignKey("import_files.id"), index=True)
    account_key: Mapped[str] = mapped_column(String(LONG))
    bank_ref: Mapped[str | None] = mapped_column(String(LONG))
    booking_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal]
    amount_milli: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    counterparty_name: Mapped[str | None] = mapped_column(Text)
    counterparty_iban: Mapped[str | None] = mapped_column(String(SHORT))
    remittance_text: Mapped[str | None] = mapped_column(Text)
    end_to_end_id: Mapped[str | None] = mapped_column(String(LONG), index=True)
    # matched | suggested | unmatched | allocated (by a person) | not_customer | return
    status: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("ledger_customers.customer_id"))
    unapplied: Mapped[Decimal]  # amount not allocated to invoices: a customer credit when customer_id is set
    confidence: Mapped[float] = mapped_column(Float)  # the matcher's score (0..1), not money
    explanation: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LedgerDecision(Base):
    """What was decided for a payment, when and by whom, with the ranked suggestions and their reasons."""

    __tablename__ = "ledger_decisions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("ledger_payments.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(SHORT))
    confidence: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)
    # [{"rank": 1, "invoice_ids": [...], "score": 0.9, "explanation": "..."}, ...]
    suggestions: Mapped[list[Any]] = mapped_column(JSON())
    decided_by: Mapped[str] = mapped_column(String(LONG))
    created_at: Mapped[datetime]


class LedgerAllocation(Base):
    """Part of a payment applied to an invoice. Never deleted: undo adds a reversing row (``reverses_id``)
    with the opposite amount. A direct-debit return is a negative allocation of the return's payment."""

    __tablename__ = "ledger_allocations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("ledger_payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("ledger_invoices.id"), index=True)
    amount: Mapped[Decimal]
    kind: Mapped[str] = mapped_column(String(20))  # auto | suggestion | manual | return | reversal
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_allocations.id"), unique=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_decisions.id"))
    actor: Mapped[str] = mapped_column(String(LONG))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)


class LedgerWriteOff(Base):
    __tablename__ = "ledger_write_offs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("ledger_invoices.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_payments.id"), index=True)
    amount: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(LONG))
    approved_by: Mapped[str | None] = mapped_column(String(LONG))
    created_at: Mapped[datetime] = mapped_column(index=True)


class LedgerAudit(Base):
    """Append-only: every change to what a customer owes, and every decision, with its evidence."""

    __tablename__ = "ledger_audit"
    __table_args__ = (Index(None, "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(LONG))
    action: Mapped[str] = mapped_column(String(SHORT))
    entity: Mapped[str] = mapped_column(String(SHORT))
    entity_id: Mapped[str] = mapped_column(String(KEY))
    evidence: Mapped[dict[str, Any]]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON())


class LedgerJobFile(Base):
    """A statement file the job finished (status ``done`` or ``rejected``), written in the file's own
    transaction: after a crash between commit and moving the file, the next run only moves it."""

    __tablename__ = "ledger_job_files"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(LONG))
    status: Mapped[str] = mapped_column(String(20))
    import_file_id: Mapped[int | None] = mapped_column(ForeignKey("import_files.id"))
    worker: Mapped[str] = mapped_column(String(LONG))
    finished_at: Mapped[datetime]
    summary: Mapped[dict[str, Any]]
    error: Mapped[str | None] = mapped_column(Text)
