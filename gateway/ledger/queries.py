"""What the review page reads: the queue, a payment in full, a customer, invoice search, the dashboard.

The queue filters and sorts on ``ledger_payments`` alone (payer, text and amount are copied there at
import) through indexes that start with ``status``; suggestions are fetched for the page's rows only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, union_all
from sqlalchemy.orm import Session

from gateway.ledger.errors import LedgerError, NotFound
from gateway.ledger.exposure import open_items_by_currency
from gateway.ledger.money import ZERO
from gateway.storage.ledger_tables import (
    LedgerAllocation,
    LedgerAudit,
    LedgerCustomer,
    LedgerCustomerAccount,
    LedgerDecision,
    LedgerInvoice,
    LedgerPayment,
    LedgerWriteOff,
)
from gateway.storage.tables import BankTransaction, ImportFile

QUEUE_STATUSES = frozenset({"unmatched", "suggested"})
SORTS = {
    "amount": LedgerPayment.amount_milli,
    "date": LedgerPayment.booking_date,
    "customer": LedgerPayment.customer_id,
    "account": LedgerPayment.counterparty_iban,
}


@dataclass(frozen=True, slots=True)
class SuggestionView:
    rank: int
    invoice_ids: tuple[str, ...]
    score: float
    explanation: str


@dataclass(frozen=True, slots=True)
class QueueRow:
    payment_id: int
    status: str
    booking_date: date | None
    amount: Decimal
    currency: str
    unapplied: Decimal
    counterparty_name: str | None
    counterparty_iban: str | None
    account_key: str
    remittance_text: str | None
    bank_ref: str | None
    customer_id: str | None
    confidence: float
    explanation: str
    suggestions: tuple[SuggestionView, ...]


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[QueueRow]
    total: int
    limit: int
    offset: int


def _milli_bound(amount: Decimal, rounding: str) -> int:
    return int((amount * 1000).to_integral_value(rounding=rounding))


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: set[str] | frozenset[str] | None = None
    customer: str | None = None
    account: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    date_from: date | None = None
    date_to: date | None = None


def _queue_filter(query: Select[Any], f: QueueFilter) -> Select[Any]:
    statuses = sorted(f.status or QUEUE_STATUSES)
    query = query.where(LedgerPayment.status.in_(statuses))
    if f.customer:
        query = query.where(LedgerPayment.customer_id == f.customer)
    if f.account:
        compact = f.account.replace(" ", "").upper()
        query = query.where(or_(LedgerPayment.counterparty_iban == compact, LedgerPayment.account_key == f.account))
    if f.min_amount is not None:
        query = query.where(LedgerPayment.amount_milli >= _milli_bound(f.min_amount, ROUND_CEILING))
    if f.max_amount is not None:
        query = query.where(LedgerPayment.amount_milli <= _milli_bound(f.max_amount, ROUND_FLOOR))
    if f.date_from is not None:
        query = query.where(LedgerPayment.booking_date >= f.date_from)
    if f.date_to is not None:
        query = query.where(LedgerPayment.booking_date <= f.date_to)
    return query


def _suggestions(raw: list[Any] | None) -> tuple[SuggestionView, ...]:
    return tuple(
        SuggestionView(int(s["rank"]), tuple(s["invoice_ids"]), float(s["score"]), str(s["explanation"]))
        for s in raw or []
    )


def latest_matcher_decisions(session: Session, payment_ids: list[int]) -> dict[int, LedgerDecision]:
    if not payment_ids:
        return {}
    newest = (
        select(func.max(LedgerDecision.id))
        .where(LedgerDecision.payment_id.in_(payment_ids), LedgerDecision.decided_by == "matcher")
        .group_by(LedgerDecision.payment_id)
    )
    return {d.payment_id: d for d in session.scalars(select(LedgerDecision).where(LedgerDecision.id.in_(newest)))}


def _page(
    session: Session, filters: QueueFilter, key: str, descending: bool, limit: int, offset: int
) -> list[LedgerPayment]:
    """One page of payments in order. Each status is read through its own (status, sort key, id) index,
    at most ``offset + limit`` entries each, and the branches are merged: with ``status IN (...)`` both
    databases would read every waiting payment and sort them (over 100 ms at 100,000 payments)."""
    column = SORTS[key]
    order = (column.desc(), LedgerPayment.id.desc()) if descending else (column.asc(), LedgerPayment.id.asc())
    branches = []
    for one in sorted(filters.status or QUEUE_STATUSES):
        branch = (
            _queue_filter(select(LedgerPayment.id, column.label("k")), replace(filters, status={one}))
            .order_by(*order)
            .limit(offset + limit)
            .subquery()
        )
        branches.append(select(branch.c.id, branch.c.k))
    merged = union_all(*branches).subquery()
    merged_order = (merged.c.k.desc(), merged.c.id.desc()) if descending else (merged.c.k.asc(), merged.c.id.asc())
    ids = list(session.scalars(select(merged.c.id).order_by(*merged_order).limit(limit).offset(offset)))
    found = {p.id: p for p in session.scalars(select(LedgerPayment).where(LedgerPayment.id.in_(ids)))}
    return [found[i] for i in ids]


def review_queue(
    session: Session,
    *,
    status: set[str] | frozenset[str] | None = None,
    customer: str | None = None,
    account: str | None = None,
    min_amount: Decimal | None = None,
    max_amount: Decimal | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "-amount",
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Payments waiting for a person (unmatched and suggested by default) with their ranked suggestions.
    ``sort`` is amount, date, customer or account; a ``-`` prefix sorts descending."""
    key = sort.lstrip("-")
    if key not in SORTS:
        raise LedgerError(f"cannot sort by {sort!r}: use amount, date, customer or account (- for descending)")
    if limit < 1 or limit > 500 or offset < 0:
        raise LedgerError("limit must be 1..500 and offset not negative")
    filters = QueueFilter(status, customer, account, min_amount, max_amount, date_from, date_to)
    payments = _page(session, filters, key, sort.startswith("-"), limit, offset)
    total = session.scalar(_queue_filter(select(func.count(LedgerPayment.id)), filters)) or 0
    decisions = latest_matcher_decisions(session, [p.id for p in payments])
    rows = [
        QueueRow(
            payment_id=p.id,
            status=p.status,
            booking_date=p.booking_date,
            amount=p.amount,
            currency=p.currency,
            unapplied=p.unapplied,
            counterparty_name=p.counterparty_name,
            counterparty_iban=p.counterparty_iban,
            account_key=p.account_key,
            remittance_text=p.remittance_text,
            bank_ref=p.bank_ref,
            customer_id=p.customer_id,
            confidence=p.confidence,
            explanation=p.explanation,
            suggestions=_suggestions(decisions[p.id].suggestions if p.id in decisions else None),
        )
        for p in payments
    ]
    return Page(rows, total, limit, offset)


@dataclass(frozen=True, slots=True)
class AllocationView:
    id: int
    payment_id: int
    invoice_id: str
    customer_id: str
    amount: Decimal
    currency: str
    kind: str
    actor: str
    reason: str | None
    created_at: datetime
    reverses_id: int | None
    reversed_by: int | None


@dataclass(frozen=True, slots=True)
class InvoiceView:
    invoice_id: str
    customer_id: str
    currency: str
    amount: Decimal
    open_amount: Decimal
    issue_date: date
    due_date: date
    reference: str | None


@dataclass(slots=True)
class PaymentDetail:
    payment: LedgerPayment
    transaction: dict[str, Any]  # every stored field of the bank transaction
    file_name: str
    suggestions: tuple[SuggestionView, ...]
    suggested_invoices: dict[str, InvoiceView]
    decisions: list[LedgerDecision]
    allocations: list[AllocationView]
    audit: list[LedgerAudit]
    customer_name: str | None = None


def _invoice_view(inv: LedgerInvoice) -> InvoiceView:
    return InvoiceView(
        inv.invoice_id,
        inv.customer_id,
        inv.currency,
        inv.amount,
        inv.open_amount,
        inv.issue_date,
        inv.due_date,
        inv.reference,
    )


def _allocations(session: Session, condition: Any) -> list[AllocationView]:
    reversal = select(LedgerAllocation.reverses_id, LedgerAllocation.id.label("by")).where(
        LedgerAllocation.reverses_id.is_not(None)
    )
    reversed_by = {r.reverses_id: r.by for r in session.execute(reversal)}
    rows = session.execute(
        select(LedgerAllocation, LedgerInvoice.invoice_id, LedgerInvoice.customer_id, LedgerInvoice.currency)
        .join(LedgerInvoice, LedgerInvoice.id == LedgerAllocation.invoice_id)
        .where(condition)
        .order_by(LedgerAllocation.id)
    )
    return [
        AllocationView(
            a.id,
            a.payment_id,
            invoice_id,
            customer_id,
            a.amount,
            currency,
            a.kind,
            a.actor,
            a.reason,
            a.created_at,
            a.reverses_id,
            reversed_by.get(a.id),
        )
        for a, invoice_id, customer_id, currency in rows
    ]


def payment_detail(session: Session, payment_id: int) -> PaymentDetail:
    pay = session.get(LedgerPayment, payment_id)
    if pay is None:
        raise NotFound(f"no payment #{payment_id}")
    tx = session.get_one(BankTransaction, pay.bank_transaction_id)
    transaction = {c.key: getattr(tx, c.key) for c in BankTransaction.__mapper__.column_attrs}
    file_name = session.scalar(select(ImportFile.name).where(ImportFile.id == tx.import_file_id)) or ""
    decisions = list(
        session.scalars(
            select(LedgerDecision).where(LedgerDecision.payment_id == payment_id).order_by(LedgerDecision.id)
        )
    )
    matcher = [d for d in decisions if d.decided_by == "matcher"]
    suggestions = _suggestions(matcher[-1].suggestions if matcher else None)
    wanted = sorted({i for s in suggestions for i in s.invoice_ids})
    invoices = {
        inv.invoice_id: _invoice_view(inv)
        for inv in session.scalars(select(LedgerInvoice).where(LedgerInvoice.invoice_id.in_(wanted)))
    }
    trail = list(
        session.scalars(
            select(LedgerAudit)
            .where(LedgerAudit.entity == "payment", LedgerAudit.entity_id == str(payment_id))
            .order_by(LedgerAudit.id)
        )
    )
    customer = session.get(LedgerCustomer, pay.customer_id) if pay.customer_id else None
    return PaymentDetail(
        pay,
        transaction,
        file_name,
        suggestions,
        invoices,
        decisions,
        _allocations(session, LedgerAllocation.payment_id == payment_id),
        trail,
        customer.name if customer else None,
    )


@dataclass(slots=True)
class CustomerView:
    customer_id: str
    name: str
    ibans: list[tuple[str, str]]  # (iban, import | learned)
    open_items: list[InvoiceView]
    payments: list[LedgerPayment]
    allocations: list[AllocationView]
    write_offs: list[LedgerWriteOff]
    exposure: dict[str, Decimal] = field(default_factory=dict)


def customer_view(session: Session, customer_id: str, *, payments_limit: int = 200) -> CustomerView:
    customer = session.get(LedgerCustomer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}")
    accounts = session.execute(
        select(LedgerCustomerAccount.iban, LedgerCustomerAccount.source)
        .where(LedgerCustomerAccount.customer_id == customer_id)
        .order_by(LedgerCustomerAccount.id)
    )
    open_items = [
        _invoice_view(inv)
        for inv in session.scalars(
            select(LedgerInvoice)
            .where(LedgerInvoice.customer_id == customer_id, LedgerInvoice.is_open.is_(True))
            .order_by(LedgerInvoice.due_date, LedgerInvoice.invoice_id)
        )
    ]
    payments = list(
        session.scalars(
            select(LedgerPayment)
            .where(LedgerPayment.customer_id == customer_id)
            .order_by(LedgerPayment.booking_date.desc(), LedgerPayment.id.desc())
            .limit(payments_limit)
        )
    )
    invoice_ids = select(LedgerInvoice.id).where(LedgerInvoice.customer_id == customer_id)
    write_offs = list(
        session.scalars(
            select(LedgerWriteOff).where(LedgerWriteOff.invoice_id.in_(invoice_ids)).order_by(LedgerWriteOff.id)
        )
    )
    return CustomerView(
        customer.customer_id,
        customer.name,
        [(iban, source) for iban, source in accounts],
        open_items,
        payments,
        _allocations(session, LedgerAllocation.invoice_id.in_(invoice_ids)),
        write_offs,
        open_items_by_currency(session, customer_id),
    )


def search_open_invoices(
    session: Session,
    *,
    text: str | None = None,
    customer: str | None = None,
    amount: Decimal | None = None,
    limit: int = 50,
) -> list[InvoiceView]:
    """Open invoices by number or reference (part of it), customer id or name, and exact open amount."""
    query = select(LedgerInvoice).where(LedgerInvoice.is_open.is_(True))
    if text:
        like = f"%{text.strip()}%"
        query = query.where(or_(LedgerInvoice.invoice_id.ilike(like), LedgerInvoice.reference.ilike(like)))
    if customer:
        named = select(LedgerCustomer.customer_id).where(LedgerCustomer.name.ilike(f"%{customer.strip()}%"))
        query = query.where(or_(LedgerInvoice.customer_id == customer.strip(), LedgerInvoice.customer_id.in_(named)))
    if amount is not None:
        query = query.where(LedgerInvoice.open_milli == _milli_bound(amount, ROUND_FLOOR))
    query = query.order_by(LedgerInvoice.due_date, LedgerInvoice.invoice_id).limit(limit)
    return [_invoice_view(inv) for inv in session.scalars(query)]


@dataclass(frozen=True, slots=True)
class Dashboard:
    today: date
    files_imported: int
    transactions_imported: int
    payments_today: int
    matched_today: int
    auto_match_rate: float | None  # matched automatically / payments of today (None: no payments)
    waiting_count: int
    waiting_amount: dict[str, Decimal]
    oldest_waiting: date | None
    oldest_waiting_days: int | None


def dashboard(session: Session, today: date) -> Dashboard:
    start = datetime.combine(today, time.min, tzinfo=UTC)
    end = datetime.combine(today, time.max, tzinfo=UTC)
    files, transactions = session.execute(
        select(func.count(ImportFile.id), func.coalesce(func.sum(ImportFile.transactions_added), 0)).where(
            and_(ImportFile.imported_at >= start, ImportFile.imported_at <= end)
        )
    ).one()
    by_status = dict(
        session.execute(
            select(LedgerPayment.status, func.count(LedgerPayment.id))
            .where(LedgerPayment.created_at >= start, LedgerPayment.created_at <= end)
            .group_by(LedgerPayment.status)
        ).all()
    )
    auto = (
        session.scalar(
            select(func.count(func.distinct(LedgerAllocation.payment_id))).where(
                LedgerAllocation.kind == "auto",
                LedgerAllocation.created_at >= start,
                LedgerAllocation.created_at <= end,
            )
        )
        or 0
    )
    considered = sum(n for s, n in by_status.items() if s not in ("not_customer", "return"))
    waiting: dict[str, Decimal] = {}
    count = 0
    for currency, unapplied in session.execute(
        select(LedgerPayment.currency, LedgerPayment.unapplied).where(LedgerPayment.status.in_(QUEUE_STATUSES))
    ):
        waiting[currency] = waiting.get(currency, ZERO) + unapplied
        count += 1
    oldest = session.scalar(
        select(func.min(LedgerPayment.booking_date)).where(LedgerPayment.status.in_(QUEUE_STATUSES))
    )
    return Dashboard(
        today,
        int(files),
        int(transactions),
        considered,
        int(auto),
        (auto / considered) if considered else None,
        count,
        waiting,
        oldest,
        (today - oldest).days if oldest else None,
    )
