"""How a customer pays us, from our own ledger: days late, DSO, a 12-month trend, ageing, exposure, returned direct
debits, promises and disputes (``customer_behaviour``, for the credit file), and the few figures the credit check
weighs (``own_behaviour``).

Definitions (shared by the desk, its documents and the credit check):

* days late of a paid invoice = ``max(0, (paid date - due date).days)`` (paid date: see ``gateway.desk.facts``);
  the average is the plain mean over the invoices paid in the last 12 months, the weighted one weights each by its
  amount (as invoiced, in its own currency: nothing converts money);
* DSO on D = open receivables on D (net of unapplied credits) / invoices issued in (D - 90 days, D] x 90, in the
  main currency; None when nothing was invoiced then;
* the main currency is the one with the largest exposure, else the one with the most invoices, else EUR.

The arithmetic is in pure functions over plain values; the two entry points read the facts and call them.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.orm import Session

from gateway.approval.decide import OwnBehaviour
from gateway.approval.exposure import reservations
from gateway.desk import facts
from gateway.desk.ageing import AgeingLine, customer_ageing
from gateway.ledger import audit
from gateway.ledger.errors import NotFound
from gateway.ledger.exposure import open_items_by_currency
from gateway.ledger.money import ZERO
from gateway.storage.ledger_tables import LedgerCustomer

MONTHS = 12  # the window of days late, returns and promises, and the length of the trend
DSO_DAYS = 90
DEFAULT_CURRENCY = "EUR"
_TENTH = Decimal("0.1")
_NO_MONEY = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class MonthPoint:
    month: date  # first day of the month
    invoiced: Decimal  # issued in the month (main currency)
    paid: Decimal  # allocated from payments booked in the month (main currency)
    avg_days_late: Decimal | None  # of invoices paid in the month
    paid_invoices: int


@dataclass(frozen=True, slots=True)
class Behaviour:
    customer_id: str
    name: str
    as_of: date
    currency: str  # main currency: the one with the largest exposure, else most invoiced, else EUR
    ageing: list[AgeingLine]
    open_items: dict[str, Decimal]  # per currency, unapplied credits deducted (gateway.ledger.exposure)
    reserved: dict[str, Decimal]  # orders approved but not invoiced (credit_reservations, live on `now`)
    exposure: dict[str, Decimal]  # open_items + reserved
    dso_days: Decimal | None
    avg_days_late: Decimal | None  # invoices paid in the last 12 months
    weighted_days_late: Decimal | None
    paid_invoices: int
    max_days_past_due: int | None  # of the oldest open overdue item on as_of
    trend: list[MonthPoint]  # 12 months, oldest first, the last one is as_of's month
    returned_debits: int  # in the last 12 months
    broken_promises: int  # in the last 12 months (desk_promises with status "broken")
    kept_promises: int
    open_disputes: int


# -- the arithmetic -----------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier when negative), on the month's last day where it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_start(day: date) -> date:
    return day.replace(day=1)


def year_before(as_of: date) -> date:
    """The window of "the last 12 months" on ``as_of`` is ``(year_before(as_of), as_of]``."""
    return add_months(as_of, -MONTHS)


def days_late(due_date: date, paid_date: date) -> int:
    return max(0, (paid_date - due_date).days)


def _tenths(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, rounding=ROUND_HALF_EVEN)


def average_days_late(days: Sequence[int]) -> Decimal | None:
    """Plain mean, to a tenth of a day; None without paid invoices."""
    if not days:
        return None
    return _tenths(Decimal(sum(days)) / len(days))


def weighted_days_late(paid: Sequence[tuple[int, Decimal]]) -> Decimal | None:
    """Mean of (days late, amount) pairs weighted by amount, to a tenth of a day; None when nothing was paid."""
    weight = sum((amount for _, amount in paid), ZERO)
    if not paid or weight <= 0:
        return None
    return _tenths(sum((days * amount for days, amount in paid), ZERO) / weight)


def dso(open_receivables: Decimal, invoiced: Decimal, days: int = DSO_DAYS) -> Decimal | None:
    """Days sales outstanding: what is open as a number of days of the invoicing of the last ``days`` days."""
    if invoiced <= 0:
        return None
    return _tenths(max(ZERO, open_receivables) / invoiced * days)


def main_currency(exposure: Mapping[str, Decimal], invoice_counts: Mapping[str, int]) -> str:
    """The currency with the largest positive exposure, else the one with the most invoices, else EUR (ties go
    alphabetically)."""
    owed = [(amount, currency) for currency, amount in exposure.items() if amount > 0]
    if owed:
        return min(owed, key=lambda x: (-x[0], x[1]))[1]
    if invoice_counts:
        return min(invoice_counts.items(), key=lambda x: (-x[1], x[0]))[0]
    return DEFAULT_CURRENCY


def max_days_past_due(as_of: date, ageing: Iterable[AgeingLine]) -> int | None:
    """Days past due of the oldest open item with a positive open amount, when it is overdue."""
    oldest = min((line.oldest_due for line in ageing if line.oldest_due is not None), default=None)
    if oldest is None or oldest >= as_of:
        return None
    return (as_of - oldest).days


def trend(
    as_of: date,
    currency: str,
    issued: Iterable[facts.Issued],
    allocated: Iterable[facts.Allocated],
    paid: Iterable[facts.PaidInvoice],
    months: int = MONTHS,
) -> list[MonthPoint]:
    """``months`` points, oldest first, the last one ``as_of``'s month (up to ``as_of``), in ``currency``; days late
    of every currency (days are days)."""
    firsts = [add_months(month_start(as_of), -n) for n in range(months - 1, -1, -1)]
    invoiced = {m: _NO_MONEY for m in firsts}
    paid_in = {m: _NO_MONEY for m in firsts}
    late: dict[date, list[int]] = {m: [] for m in firsts}
    for i in issued:
        m = month_start(i.issue_date)
        if i.currency == currency and m in invoiced and i.issue_date <= as_of:
            invoiced[m] += i.amount
    for a in allocated:
        m = month_start(a.booking_date)
        if a.currency == currency and m in paid_in and a.booking_date <= as_of:
            paid_in[m] += a.amount
    for p in paid:
        m = month_start(p.paid_date)
        if m in late and p.paid_date <= as_of:
            late[m].append(days_late(p.due_date, p.paid_date))
    return [MonthPoint(m, invoiced[m], paid_in[m], average_days_late(late[m]), len(late[m])) for m in firsts]


def _in_window(day: date, as_of: date) -> bool:
    return year_before(as_of) < day <= as_of


# -- reading the ledger -------------------------------------------------------------------------------------------


def customer_behaviour(session: Session, customer_id: str, as_of: date, *, now: datetime | None = None) -> Behaviour:
    """Everything the credit file shows about how ``customer_id`` pays, on ``as_of``; reservations live at ``now``
    (the current time when not given). Raises ``NotFound`` for a customer the ledger does not know."""
    customer = session.get(LedgerCustomer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r} in the ledger")
    now = now or audit.now()
    ageing = customer_ageing(session, customer_id, as_of)
    open_items = open_items_by_currency(session, customer_id)
    reserved = reservations(session, customer_id, now)
    exposure: dict[str, Decimal] = {}
    for source in (open_items, reserved):
        for cur, amount in source.items():
            exposure[cur] = exposure.get(cur, ZERO) + amount
    currency = main_currency(exposure, facts.invoice_counts(session, customer_id))

    first_month = add_months(month_start(as_of), -(MONTHS - 1))
    since = min(first_month - timedelta(days=1), as_of - timedelta(days=DSO_DAYS))
    issued = facts.issued(session, customer_id, since, as_of)
    allocated = facts.allocated(session, customer_id, first_month - timedelta(days=1), as_of)
    paid = facts.paid_invoices(session, customer_id, since=min(year_before(as_of), first_month), until=as_of)
    paid_year = [p for p in paid if _in_window(p.paid_date, as_of)]
    recent_sales = sum(
        (i.amount for i in issued if i.currency == currency and i.issue_date > as_of - timedelta(days=DSO_DAYS)), ZERO
    )
    promises = [p for p in facts.promise_outcomes(session, customer_id) if _in_window(p.on, as_of)]
    return Behaviour(
        customer_id=customer_id,
        name=customer.name,
        as_of=as_of,
        currency=currency,
        ageing=ageing,
        open_items=open_items,
        reserved=reserved,
        exposure=exposure,
        dso_days=dso(open_items.get(currency, ZERO), recent_sales),
        avg_days_late=average_days_late([days_late(p.due_date, p.paid_date) for p in paid_year]),
        weighted_days_late=weighted_days_late([(days_late(p.due_date, p.paid_date), p.amount) for p in paid_year]),
        paid_invoices=len(paid_year),
        max_days_past_due=max_days_past_due(as_of, ageing),
        trend=trend(as_of, currency, issued, allocated, paid),
        returned_debits=facts.returned_debits(session, customer_id, year_before(as_of), as_of),
        broken_promises=sum(p.status == "broken" for p in promises),
        kept_promises=sum(p.status == "kept" for p in promises),
        open_disputes=facts.open_disputes(session, customer_id),
    )


def own_behaviour(session: Session, customer_id: str, currency: str, as_of: date) -> OwnBehaviour:
    """The figures the credit check weighs, for an order in ``currency`` on ``as_of`` (no trend, no exposure: the
    check reads that itself). A customer the ledger does not know has no experience yet."""
    try:
        ageing = customer_ageing(session, customer_id, as_of)
    except NotFound:
        return OwnBehaviour()
    paid = facts.paid_invoices(session, customer_id, since=year_before(as_of), until=as_of)
    overdue = sum((line.overdue for line in ageing if line.currency == currency), ZERO)
    broken = sum(
        p.status == "broken" and _in_window(p.on, as_of) for p in facts.promise_outcomes(session, customer_id)
    )
    return OwnBehaviour(
        avg_days_late=average_days_late([days_late(p.due_date, p.paid_date) for p in paid]),
        weighted_days_late=weighted_days_late([(days_late(p.due_date, p.paid_date), p.amount) for p in paid]),
        paid_invoices=len(paid),
        max_days_past_due=max_days_past_due(as_of, ageing),
        overdue=overdue,
        returned_debits=facts.returned_debits(session, customer_id, year_before(as_of), as_of),
        broken_promises=broken,
    )


__all__ = [
    "Behaviour",
    "MonthPoint",
    "add_months",
    "average_days_late",
    "customer_behaviour",
    "days_late",
    "dso",
    "main_currency",
    "max_days_past_due",
    "month_start",
    "own_behaviour",
    "trend",
    "weighted_days_late",
    "year_before",
]
