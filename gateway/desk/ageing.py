"""Ageing of the receivables: open items per customer and currency in buckets of days past due on a date.

Computed in the database with one ``GROUP BY customer_id, currency`` over the open invoices, summing the integer
``open_milli`` column (exact thousandths: SQLite stores the decimal amounts as text, so they are never summed
in SQL) and turned back into ``Decimal`` here. Credit notes (negative open amounts) age like invoices, on their
due date. Unapplied customer credits have no due date and are not aged: ``gateway.ledger.exposure`` deducts them
from what a customer owes.

The bucket of an open item on date D is that of ``(D - due_date).days``: ``<= 0`` current, then 1-30, 31-60, 61-90
and over 90 days past due. Open items are those open now; ``as_of`` sets the date they are aged on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from gateway.ledger.errors import LedgerError, NotFound
from gateway.storage.ledger_tables import LedgerCustomer, LedgerInvoice

BUCKETS: tuple[str, ...] = ("current", "1-30", "31-60", "61-90", "90+")
# Upper day bound of each bucket but the last: a bucket holds the days past due above the previous bound.
_BOUNDS = (0, 30, 60, 90)
SORT_KEYS = ("overdue", "total", "90+", "name", "customer")

_CENT = Decimal("0.01")


def bucket_of(days_past_due: int) -> str:
    """The bucket of an item ``days_past_due`` days past its due date (zero or negative: not yet due)."""
    for name, bound in zip(BUCKETS, _BOUNDS, strict=False):
        if days_past_due <= bound:
            return name
    return BUCKETS[-1]


def from_milli(amount_milli: int | Decimal | None) -> Decimal:
    """Thousandths back to money: exact, with two decimals unless the amount needs the third."""
    value = Decimal(int(amount_milli or 0)).scaleb(-3)
    cents = value.quantize(_CENT)
    return cents if cents == value else value


@dataclass(frozen=True, slots=True)
class AgeingLine:
    """One customer (or the whole book when ``customer_id`` is None) in one currency."""

    customer_id: str | None
    name: str | None
    currency: str
    buckets: dict[str, Decimal]  # every key of BUCKETS, in that order, zero where empty
    total: Decimal  # sum of the buckets (open items; credit notes negative)
    overdue: Decimal  # total - buckets["current"]
    items: int
    oldest_due: date | None  # earliest due date of an open item with a positive open amount


@dataclass(frozen=True, slots=True)
class BookAgeing:
    as_of: date
    totals: list[AgeingLine]  # one per currency (customer_id None), sorted by currency
    rows: list[AgeingLine]  # the page of customer rows asked for
    count: int  # number of customer rows before paging


def _bucket_sums(as_of: date) -> list[ColumnElement[Any]]:
    """SUM(open_milli) per bucket, then the overdue sum, the total, the item count and the oldest due date."""
    due, amount = LedgerInvoice.due_date, LedgerInvoice.open_milli
    # due >= edge[i] <=> days past due <= _BOUNDS[i]
    edges = [as_of - timedelta(days=bound) for bound in _BOUNDS]
    conditions = [due >= edges[0]]
    conditions += [and_(due < upper, due >= lower) for upper, lower in zip(edges, edges[1:], strict=False)]
    conditions.append(due < edges[-1])
    sums = [func.sum(case((cond, amount), else_=0)).label(f"b{i}") for i, cond in enumerate(conditions)]
    return [
        *sums,
        func.sum(case((due < edges[0], amount), else_=0)).label("overdue"),
        func.sum(amount).label("total"),
        func.count().label("items"),
        func.min(case((amount > 0, due), else_=None)).label("oldest_due"),
    ]


def _line(customer_id: str | None, name: str | None, currency: str, row: Any) -> AgeingLine:
    buckets = {key: from_milli(getattr(row, f"b{i}")) for i, key in enumerate(BUCKETS)}
    oldest = row.oldest_due
    if isinstance(oldest, str):  # an untyped MIN() on SQLite
        oldest = date.fromisoformat(oldest)
    return AgeingLine(
        customer_id=customer_id,
        name=name,
        currency=currency,
        buckets=buckets,
        total=from_milli(row.total),
        overdue=from_milli(row.overdue),
        items=int(row.items),
        oldest_due=oldest,
    )


def customer_ageing(session: Session, customer_id: str, as_of: date) -> list[AgeingLine]:
    """The customer's open items aged on ``as_of``, one line per currency (sorted); none without open items."""
    customer = session.get(LedgerCustomer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r} in the ledger")
    rows = session.execute(
        select(LedgerInvoice.currency, *_bucket_sums(as_of))
        .where(LedgerInvoice.customer_id == customer_id, LedgerInvoice.is_open == true())
        .group_by(LedgerInvoice.currency)
        .order_by(LedgerInvoice.currency)
    )
    return [_line(customer_id, customer.name, row.currency, row) for row in rows]


def _sort_columns(sort: str, agg: Any) -> list[ColumnElement[Any]]:
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    columns: dict[str, ColumnElement[Any]] = {
        "overdue": agg.c.overdue,
        "total": agg.c.total,
        "90+": agg.c[f"b{len(BUCKETS) - 1}"],
        "name": LedgerCustomer.name,
        "customer": agg.c.customer_id,
    }
    if key not in columns:
        raise LedgerError(f"cannot sort the ageing by {sort!r}: use one of {', '.join(SORT_KEYS)} (- for descending)")
    first = columns[key].desc() if descending else columns[key].asc()
    return [first, agg.c.customer_id.asc(), agg.c.currency.asc()]


def _customer_rows(as_of: date, currency: str | None, search: str | None) -> tuple[Any, Select[Any]]:
    """(the per customer and currency aggregate, the rows joined to their names and filtered)."""
    grouped = select(LedgerInvoice.customer_id, LedgerInvoice.currency, *_bucket_sums(as_of)).where(
        LedgerInvoice.is_open == true()
    )
    if currency:
        grouped = grouped.where(LedgerInvoice.currency == currency)
    agg = grouped.group_by(LedgerInvoice.customer_id, LedgerInvoice.currency).subquery("agg")
    rows = select(agg, LedgerCustomer.name).join(LedgerCustomer, LedgerCustomer.customer_id == agg.c.customer_id)
    if search and search.strip():
        needle = search.strip().lower()
        rows = rows.where(
            or_(
                func.lower(agg.c.customer_id).contains(needle, autoescape=True),
                func.lower(LedgerCustomer.name).contains(needle, autoescape=True),
            )
        )
    return agg, rows


def book_ageing(
    session: Session,
    as_of: date,
    *,
    currency: str | None = None,
    sort: str = "-overdue",
    search: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> BookAgeing:
    """The whole book aged on ``as_of``: totals per currency (of the currency asked for, else all) and one page
    of customer rows (one per customer and currency), filtered by ``search`` (a substring of the customer's id
    or name, any case) and sorted by ``sort`` ("overdue", "total", "90+", "name", "customer"; a leading "-"
    sorts descending; ties go by customer and currency). The totals do not depend on ``search``."""
    if limit is not None and limit < 0:
        raise LedgerError("the page size cannot be negative")
    if offset < 0:
        raise LedgerError("the page offset cannot be negative")
    currency = currency.strip().upper() if currency and currency.strip() else None

    totals_query = select(LedgerInvoice.currency, *_bucket_sums(as_of)).where(LedgerInvoice.is_open == true())
    if currency:
        totals_query = totals_query.where(LedgerInvoice.currency == currency)
    totals = [
        _line(None, None, row.currency, row)
        for row in session.execute(totals_query.group_by(LedgerInvoice.currency).order_by(LedgerInvoice.currency))
    ]

    agg, rows_query = _customer_rows(as_of, currency, search)
    page = rows_query.add_columns(func.count().over().label("row_count")).order_by(*_sort_columns(sort, agg))
    if limit is not None:
        page = page.limit(limit)
    if offset:
        page = page.offset(offset)
    found = session.execute(page).all()
    if found:
        count = int(found[0].row_count)
    else:  # past the last page (or nothing at all): the count needs a query of its own
        count = session.scalar(select(func.count()).select_from(rows_query.subquery())) or 0
    return BookAgeing(
        as_of=as_of,
        totals=totals,
        rows=[_line(row.customer_id, row.name, row.currency, row) for row in found],
        count=count,
    )


__all__ = [
    "BUCKETS",
    "SORT_KEYS",
    "AgeingLine",
    "BookAgeing",
    "book_ageing",
    "bucket_of",
    "customer_ageing",
    "from_milli",
]
