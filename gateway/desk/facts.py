"""Facts about one customer read from the ledger and the desk, as plain values for the behaviour figures.

An invoice's paid date is the booking date of the payment whose allocation brought its open amount to zero, or
the date of the write-off that did. Allocations undone by a person (a reversal row and the row it reverses) never
happened for this purpose; a direct-debit return is a negative allocation that reopens the invoice, so the payment
that closes it afterwards is the one that counts. Invoices the ERP had settled before the ledger took them over
have no paid date. ``paid_date`` replays the postings of one invoice and needs no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.storage.desk_tables import DeskDispute, DeskPromise
from gateway.storage.ledger_tables import LedgerAllocation, LedgerInvoice, LedgerPayment, LedgerWriteOff

_RECORDING_MARGIN_DAYS = 7


@dataclass(frozen=True, slots=True)
class PaidInvoice:
    invoice_id: str
    currency: str
    amount: Decimal
    issue_date: date
    due_date: date
    paid_date: date


@dataclass(frozen=True, slots=True)
class Posting:
    """Something that changed an invoice's open amount: ``amount`` is what it took off (negative: reopened)."""

    on: date  # the payment's booking date, or the day the write-off was made
    amount: Decimal
    at: datetime  # when it was recorded: the order of the replay
    seq: int  # the tie-break: allocations before write-offs of the same moment, then by id


@dataclass(frozen=True, slots=True)
class Issued:
    currency: str
    amount: Decimal
    issue_date: date


@dataclass(frozen=True, slots=True)
class Allocated:
    """Part of a payment applied to one of the customer's invoices (negative: a return or an undo)."""

    currency: str
    amount: Decimal
    booking_date: date


@dataclass(frozen=True, slots=True)
class PromiseOutcome:
    status: str  # open | kept | broken | cancelled
    on: date  # when it closed (when it was made, while open)


def paid_date(opening: Decimal, postings: Iterable[Posting]) -> date | None:
    """The date the open amount last reached zero and stayed there, replaying ``postings`` in the order they were
    recorded from ``opening`` (amount - settled before). None while it is open, or when it opened at zero."""
    if opening == 0:
        return None
    left = opening
    closed_on: date | None = None
    for p in sorted(postings, key=lambda p: (p.at, p.seq)):
        left -= p.amount
        closed_on = p.on if left == 0 else None
    return closed_on


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def paid_invoices(
    session: Session, customer_id: str, *, since: date | None = None, until: date | None = None
) -> list[PaidInvoice]:
    """The customer's invoices that are paid now, each with its paid date (after ``since`` and on or before
    ``until`` when given), ordered by paid date. Credit notes and invoices settled before the ledger took over are
    left out.

    With ``since``, only invoices changed in the last days before it or later are read: what closes an invoice is
    recorded on or after the payment's booking date (a week's margin covers time zones and late statements), so an
    invoice paid after ``since`` was last changed after it too."""
    closed = [LedgerInvoice.customer_id == customer_id, LedgerInvoice.is_open.is_(False)]
    if since is not None:
        changed_after = datetime.combine(since - timedelta(days=_RECORDING_MARGIN_DAYS), time(), tzinfo=UTC)
        closed.append(LedgerInvoice.updated_at >= changed_after)
    invoices = {
        inv.id: inv
        for inv in session.execute(
            select(
                LedgerInvoice.id,
                LedgerInvoice.invoice_id,
                LedgerInvoice.currency,
                LedgerInvoice.amount,
                LedgerInvoice.settled_before,
                LedgerInvoice.issue_date,
                LedgerInvoice.due_date,
            ).where(*closed)
        )
        if inv.amount > 0 and inv.amount != inv.settled_before  # compared here: amounts are text on SQLite
    }
    if not invoices:
        return []
    postings: dict[int, list[Posting]] = {pk: [] for pk in invoices}
    closed_ids = select(LedgerInvoice.id).where(*closed)
    allocations = session.execute(
        select(
            LedgerAllocation.id,
            LedgerAllocation.invoice_id,
            LedgerAllocation.amount,
            LedgerAllocation.reverses_id,
            LedgerAllocation.created_at,
            LedgerPayment.booking_date,
        )
        .join(LedgerPayment, LedgerPayment.id == LedgerAllocation.payment_id)
        .where(LedgerAllocation.invoice_id.in_(closed_ids))
    ).all()
    undone = {a.reverses_id for a in allocations if a.reverses_id is not None}
    for a in allocations:
        if a.invoice_id not in postings or a.reverses_id is not None or a.id in undone:
            continue
        postings[a.invoice_id].append(Posting(a.booking_date or _day(a.created_at), a.amount, a.created_at, 2 * a.id))
    write_offs = session.execute(
        select(LedgerWriteOff.id, LedgerWriteOff.invoice_id, LedgerWriteOff.amount, LedgerWriteOff.created_at).where(
            LedgerWriteOff.invoice_id.in_(closed_ids)
        )
    )
    for w in write_offs:
        if w.invoice_id in postings:
            postings[w.invoice_id].append(Posting(_day(w.created_at), w.amount, w.created_at, 2 * w.id + 1))
    out = []
    for pk, inv in invoices.items():
        paid = paid_date(inv.amount - inv.settled_before, postings[pk])
        if paid is not None and (until is None or paid <= until) and (since is None or paid > since):
            out.append(PaidInvoice(inv.invoice_id, inv.currency, inv.amount, inv.issue_date, inv.due_date, paid))
    out.sort(key=lambda p: (p.paid_date, p.invoice_id))
    return out


def issued(session: Session, customer_id: str, after: date, until: date) -> list[Issued]:
    """Invoices (not credit notes) issued in ``(after, until]``."""
    rows = session.execute(
        select(LedgerInvoice.currency, LedgerInvoice.amount, LedgerInvoice.issue_date).where(
            LedgerInvoice.customer_id == customer_id,
            LedgerInvoice.issue_date > after,
            LedgerInvoice.issue_date <= until,
        )
    )
    return [Issued(currency, amount, day) for currency, amount, day in rows if amount > 0]


def invoice_counts(session: Session, customer_id: str) -> dict[str, int]:
    """How many invoices and credit notes the customer has had, per currency."""
    rows = session.execute(
        select(LedgerInvoice.currency, func.count())
        .where(LedgerInvoice.customer_id == customer_id)
        .group_by(LedgerInvoice.currency)
    )
    return {currency: int(n) for currency, n in rows}


def allocated(session: Session, customer_id: str, after: date, until: date) -> list[Allocated]:
    """What payments booked in ``(after, until]`` applied to the customer's invoices, net of returns and undos."""
    rows = session.execute(
        select(LedgerInvoice.currency, LedgerAllocation.amount, LedgerPayment.booking_date)
        .join(LedgerInvoice, LedgerInvoice.id == LedgerAllocation.invoice_id)
        .join(LedgerPayment, LedgerPayment.id == LedgerAllocation.payment_id)
        .where(
            LedgerInvoice.customer_id == customer_id,
            LedgerPayment.booking_date > after,
            LedgerPayment.booking_date <= until,
        )
    )
    return [Allocated(currency, amount, day) for currency, amount, day in rows]


def returned_debits(session: Session, customer_id: str, after: date, until: date) -> int:
    """Direct debits of the customer that came back (return payments) booked in ``(after, until]``."""
    return (
        session.scalar(
            select(func.count()).where(
                LedgerPayment.customer_id == customer_id,
                LedgerPayment.status == "return",
                LedgerPayment.booking_date > after,
                LedgerPayment.booking_date <= until,
            )
        )
        or 0
    )


def promise_outcomes(session: Session, customer_id: str) -> list[PromiseOutcome]:
    """Every promise to pay or payment plan of the customer, with the day it closed (or was made)."""
    rows = session.execute(
        select(DeskPromise.status, DeskPromise.closed_at, DeskPromise.created_at).where(
            DeskPromise.customer_id == customer_id
        )
    )
    return [PromiseOutcome(status, _day(closed_at or created_at)) for status, closed_at, created_at in rows]


def open_disputes(session: Session, customer_id: str) -> int:
    return (
        session.scalar(
            select(func.count()).where(DeskDispute.customer_id == customer_id, DeskDispute.status == "open")
        )
        or 0
    )


__all__ = [
    "Allocated",
    "Issued",
    "PaidInvoice",
    "Posting",
    "PromiseOutcome",
    "allocated",
    "invoice_counts",
    "issued",
    "open_disputes",
    "paid_date",
    "paid_invoices",
    "promise_outcomes",
    "returned_debits",
]
