"""The statement of account of one customer on a date: per currency the open items with their age, the ageing
line, payments on account and the total due; then the payments received in the last days and what they paid.

Drawn up as the ledger stood on ``as_of`` (see ``book``): invoices issued by then, less what was paid, returned
and written off by then. For today that is the ledger's open amounts; for an earlier day, what they were.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.desk.ageing import BUCKETS, bucket_of
from gateway.desk.documents import csv_out
from gateway.desk.documents.book import Allocation, CustomerBook, PaymentInfo, customer_book, net_applied
from gateway.desk.documents.config import Letterhead, load_letterhead
from gateway.desk.documents.customer import CustomerHeader, customer_header
from gateway.ledger import audit
from gateway.ledger.exposure import CREDIT_STATUSES
from gateway.ledger.money import ZERO
from gateway.storage.desk_tables import DeskDispute

# Payments listed as received: assigned to the customer, or a direct debit the bank took back.
RECEIVED_STATUSES = (*CREDIT_STATUSES, "return")


@dataclass(frozen=True, slots=True)
class OpenItem:
    invoice_id: str
    kind: str  # invoice | credit note
    issue_date: date
    due_date: date
    reference: str | None
    amount: Decimal
    open_amount: Decimal
    days_overdue: int  # (as_of - due date), negative while not yet due
    bucket: str
    disputed: bool  # an open dispute on as_of


@dataclass(frozen=True, slots=True)
class PaymentOnAccount:
    """A payment of the customer not (fully) applied to invoices: a credit against the total due."""

    payment_id: int
    booking_date: date | None
    bank_ref: str | None
    amount: Decimal
    unapplied: Decimal


@dataclass(frozen=True, slots=True)
class CurrencySection:
    currency: str
    items: tuple[OpenItem, ...]  # by due date, then number
    ageing: dict[str, Decimal]  # every bucket of BUCKETS, in order
    open_total: Decimal
    overdue: Decimal  # open_total - ageing["current"]
    on_account: tuple[PaymentOnAccount, ...]
    on_account_total: Decimal
    total_due: Decimal  # open_total - on_account_total


@dataclass(frozen=True, slots=True)
class ReceivedPayment:
    payment_id: int
    booking_date: date | None
    bank_ref: str | None
    currency: str
    amount: Decimal  # negative: a direct debit the bank took back
    returned: bool
    applied: tuple[tuple[str, Decimal], ...]  # (invoice number, amount) to this customer's invoices


@dataclass(frozen=True, slots=True)
class StatementOfAccount:
    customer: CustomerHeader
    letterhead: Letterhead
    as_of: date
    payments_days: int
    payments_from: date  # first booking day of the payments listed
    sections: tuple[CurrencySection, ...]  # one per currency with open items or payments on account
    payments: tuple[ReceivedPayment, ...]  # newest first
    generated_at: datetime
    document_id: str = ""  # first 16 hex digits of the SHA-256 of the document's CSV

    @property
    def title(self) -> str:
        return f"Statement of account {self.customer.customer_id} as of {self.as_of}"


def _disputed(session: Session, customer_id: str, as_of: date) -> set[int]:
    """Invoice keys with a dispute open on ``as_of``."""
    rows = session.execute(
        select(DeskDispute.invoice_id, DeskDispute.opened_at, DeskDispute.resolved_at).where(
            DeskDispute.customer_id == customer_id
        )
    )
    return {
        invoice_pk
        for invoice_pk, opened, resolved in rows
        if opened.date() <= as_of and (resolved is None or resolved.date() > as_of)
    }


def _on_account(pay: PaymentInfo, customer_id: str, as_of: date) -> bool:
    return (
        pay.customer_id == customer_id
        and pay.status in CREDIT_STATUSES
        and pay.unapplied > 0
        and pay.booking_date is not None
        and pay.booking_date <= as_of
    )


def _sections(book: CustomerBook, customer_id: str, as_of: date, disputed: set[int]) -> tuple[CurrencySection, ...]:
    items: dict[str, list[OpenItem]] = {}
    for inv in book.invoices:
        if inv.issue_date > as_of:
            continue
        open_amount = inv.open_on(as_of)
        if open_amount == 0:
            continue
        days = (as_of - inv.due_date).days
        items.setdefault(inv.currency, []).append(
            OpenItem(
                invoice_id=inv.invoice_id,
                kind="credit note" if inv.is_credit_note else "invoice",
                issue_date=inv.issue_date,
                due_date=inv.due_date,
                reference=inv.reference,
                amount=inv.amount,
                open_amount=open_amount,
                days_overdue=days,
                bucket=bucket_of(days),
                disputed=inv.pk in disputed,
            )
        )
    credits: dict[str, list[PaymentOnAccount]] = {}
    for pay in sorted(book.payments.values(), key=lambda p: (p.booking_date or as_of, p.payment_id)):
        if _on_account(pay, customer_id, as_of):
            credits.setdefault(pay.currency, []).append(
                PaymentOnAccount(pay.payment_id, pay.booking_date, pay.bank_ref, pay.amount, pay.unapplied)
            )
    sections = []
    for currency in sorted(items.keys() | credits.keys()):
        lines = tuple(sorted(items.get(currency, ()), key=lambda i: (i.due_date, i.invoice_id)))
        ageing = dict.fromkeys(BUCKETS, ZERO)
        for item in lines:
            ageing[item.bucket] += item.open_amount
        open_total = sum((i.open_amount for i in lines), ZERO)
        on_account = tuple(credits.get(currency, ()))
        on_account_total = sum((c.unapplied for c in on_account), ZERO)
        sections.append(
            CurrencySection(
                currency=currency,
                items=lines,
                ageing=ageing,
                open_total=open_total,
                overdue=open_total - ageing[BUCKETS[0]],
                on_account=on_account,
                on_account_total=on_account_total,
                total_due=open_total - on_account_total,
            )
        )
    return tuple(sections)


def _received(book: CustomerBook, customer_id: str, since: date, as_of: date) -> tuple[ReceivedPayment, ...]:
    by_payment: dict[int, list[Allocation]] = {}
    for inv in book.invoices:
        for a in inv.allocations:
            by_payment.setdefault(a.payment.payment_id, []).append(a)
    received = []
    for pay in book.payments.values():
        if pay.booking_date is None or not since <= pay.booking_date <= as_of:
            continue
        applied = net_applied(by_payment.get(pay.payment_id, ()))
        if not applied and not (pay.customer_id == customer_id and pay.status in RECEIVED_STATUSES):
            continue  # applied elsewhere, or undone: not this customer's payment
        received.append(
            ReceivedPayment(
                payment_id=pay.payment_id,
                booking_date=pay.booking_date,
                bank_ref=pay.bank_ref,
                currency=pay.currency,
                amount=pay.amount,
                returned=pay.status == "return" or pay.amount < 0,
                applied=tuple(sorted(applied.items())),
            )
        )
    received.sort(key=lambda r: (r.booking_date, r.payment_id), reverse=True)
    return tuple(received)


def statement_of_account(
    session: Session,
    customer_id: str,
    as_of: date,
    *,
    payments_days: int = 90,
    letterhead: Letterhead | None = None,
    generated_at: datetime | None = None,
) -> StatementOfAccount:
    """The statement of ``customer_id`` on ``as_of``, payments of the last ``payments_days`` days included.
    Raises ``NotFound`` for an unknown customer, ``ConfigError`` without a letterhead."""
    if payments_days < 1:
        raise ValueError("payments_days must be at least 1")
    customer = customer_header(session, customer_id)
    letterhead = letterhead or load_letterhead()
    book = customer_book(session, customer_id)
    since = as_of - timedelta(days=payments_days - 1)
    doc = StatementOfAccount(
        customer=customer,
        letterhead=letterhead,
        as_of=as_of,
        payments_days=payments_days,
        payments_from=since,
        sections=_sections(book, customer_id, as_of, _disputed(session, customer_id, as_of)),
        payments=_received(book, customer_id, since, as_of),
        generated_at=generated_at or audit.now(),
    )
    return replace(doc, document_id=csv_out.fingerprint(csv_out.statement_csv(doc)))


__all__ = [
    "CurrencySection",
    "OpenItem",
    "PaymentOnAccount",
    "ReceivedPayment",
    "StatementOfAccount",
    "statement_of_account",
]
