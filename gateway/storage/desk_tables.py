"""The credit manager's desk: whom to write to, what was sent, promises and payment plans, notes, disputes.

    ledger_customers ─┬── desk_contacts                 (where reminders go)
                      ├─< desk_follow_ups ─< desk_follow_up_items >─ ledger_invoices
                      ├─< desk_promises ─< desk_instalments
                      ├─< desk_notes                    (optionally about one invoice)
                      └─< desk_disputes >─ ledger_invoices

Nothing here is deleted: a promise that ends is ``kept``, ``broken`` or ``cancelled``; a dispute is resolved; a
reminder that failed to send stays with its error. Every change is also written to ``ledger_audit``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.storage.tables import CURRENCY, LONG, SHORT, Base, Id


class DeskContact(Base):
    """Where a customer's reminders and statements go (one accounts-payable contact per customer)."""

    __tablename__ = "desk_contacts"

    customer_id: Mapped[str] = mapped_column(ForeignKey("ledger_customers.customer_id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(LONG))
    contact_name: Mapped[str | None] = mapped_column(String(LONG))
    language: Mapped[str] = mapped_column(String(8))  # a template language, "en" by default
    updated_at: Mapped[datetime]


class DeskFollowUp(Base):
    """One reminder (dunning step) for one customer and currency: what was sent, to whom, with fee and interest.

    ``status``: ``sending`` (recorded before talking to the SMTP server; left so by a crash, it holds the customer
    until a person confirms it), ``sent`` (e-mail accepted by the SMTP server), ``failed`` (``error`` says why; the
    next run tries again), ``recorded`` (a letter produced for post, or a step recorded without sending)."""

    __tablename__ = "desk_follow_ups"
    __table_args__ = (Index(None, "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("ledger_customers.customer_id"))
    run_date: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)
    level_name: Mapped[str] = mapped_column(String(SHORT))
    channel: Mapped[str] = mapped_column(String(20))  # email | letter
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    total_overdue: Mapped[Decimal]
    fee: Mapped[Decimal]
    interest: Mapped[Decimal]
    recipient: Mapped[str | None] = mapped_column(String(LONG))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(LONG))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class DeskFollowUpItem(Base):
    """An invoice a reminder was about, with what it owed then: the level an invoice reached is read here."""

    __tablename__ = "desk_follow_up_items"
    __table_args__ = (UniqueConstraint("follow_up_id", "invoice_id"), Index(None, "invoice_id", "level"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("desk_follow_ups.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("ledger_invoices.id"))
    level: Mapped[int] = mapped_column(Integer)
    open_amount: Mapped[Decimal]
    days_overdue: Mapped[int] = mapped_column(Integer)
    fee: Mapped[Decimal]
    interest: Mapped[Decimal]


class DeskPromise(Base):
    """A promise to pay (one instalment) or a payment plan (several), tracked against incoming payments.

    ``status``: ``open`` until every instalment is kept (``kept``), one is broken (``broken``), or the credit
    manager cancels it (``cancelled``)."""

    __tablename__ = "desk_promises"
    __table_args__ = (Index(None, "customer_id", "status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("ledger_customers.customer_id"))
    kind: Mapped[str] = mapped_column(String(20))  # promise | plan
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    total: Mapped[Decimal]
    # Payments booked on or after this date count towards the instalments.
    starts_on: Mapped[date] = mapped_column(Date)
    # Days after an instalment's due date before it counts as broken.
    grace_days: Mapped[int] = mapped_column(Integer)
    invoice_ids: Mapped[list[str]]  # the invoices it covers (ERP numbers), may be empty: the whole balance
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(LONG))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(Text)


class DeskInstalment(Base):
    """One due date and amount of a promise; ``paid`` is what incoming payments have covered so far."""

    __tablename__ = "desk_instalments"
    __table_args__ = (UniqueConstraint("promise_id", "seq"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("desk_promises.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal]
    paid: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(20))  # open | kept | broken | cancelled
    settled_on: Mapped[date | None] = mapped_column(Date)  # the booking date that completed it


class DeskNote(Base):
    """A note of the credit manager or a clerk about a customer, or about one of its invoices."""

    __tablename__ = "desk_notes"
    __table_args__ = (Index(None, "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("ledger_customers.customer_id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_invoices.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(LONG))
    created_at: Mapped[datetime]


class DeskDispute(Base):
    """A disputed invoice: follow-up stops for it while the dispute is open."""

    __tablename__ = "desk_disputes"
    __table_args__ = (Index(None, "invoice_id", "status"), Index(None, "customer_id", "status"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("ledger_invoices.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("ledger_customers.customer_id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # open | resolved
    opened_by: Mapped[str] = mapped_column(String(LONG))
    opened_at: Mapped[datetime]
    resolved_by: Mapped[str | None] = mapped_column(String(LONG))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
