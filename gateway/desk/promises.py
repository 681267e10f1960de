"""Promises to pay (one instalment) and payment plans (several), tracked against incoming payments.

A promise counts the customer's payments in its currency (``ledger_payments`` assigned to the customer,
``matched`` or ``allocated``, booked on or after ``starts_on``; when the promise names invoices, only what was
allocated to those invoices) and lets them cover the instalments in due-date order. An instalment is
``kept`` when it is covered by its due date plus the grace days (``settled_on`` = the booking date of the
payment that completed it), ``broken`` when that day has passed without it being covered. The promise is
``kept`` when every instalment is, ``broken`` as soon as one is; the instalments after a broken one are
``cancelled``. Only the credit manager cancels an open promise. Every change is audited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from gateway.ledger import audit, posting
from gateway.ledger.errors import LedgerError, NotFound
from gateway.ledger.exposure import CREDIT_STATUSES
from gateway.ledger.money import ZERO, as_text
from gateway.storage.desk_tables import DeskInstalment, DeskPromise
from gateway.storage.ledger_tables import LedgerAllocation, LedgerCustomer, LedgerInvoice, LedgerPayment

_CURRENCY = re.compile(r"[A-Z]{3}").fullmatch


@dataclass(frozen=True, slots=True)
class InstalmentView:
    seq: int
    due_date: date
    amount: Decimal
    paid: Decimal
    status: str  # open | kept | broken | cancelled
    settled_on: date | None


@dataclass(frozen=True, slots=True)
class PromiseView:
    id: int
    customer_id: str
    kind: str  # promise | plan
    currency: str
    total: Decimal
    paid: Decimal
    starts_on: date
    grace_days: int
    invoice_ids: tuple[str, ...]
    status: str  # open | kept | broken | cancelled
    note: str | None
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    closed_reason: str | None
    instalments: tuple[InstalmentView, ...]

    @property
    def last_due(self) -> date:
        return self.instalments[-1].due_date

    @property
    def next_open(self) -> InstalmentView | None:
        return next((i for i in self.instalments if i.status == "open"), None)


@dataclass(frozen=True, slots=True)
class PromiseChange:
    """What tracking changed: an instalment (``seq`` set) or the promise itself (``seq`` None)."""

    promise_id: int
    customer_id: str
    currency: str
    seq: int | None
    before: str
    after: str
    paid: Decimal
    settled_on: date | None

    def describe(self) -> str:
        what = f"promise #{self.promise_id} of {self.customer_id}"
        if self.seq is not None:
            what += f", instalment {self.seq}"
        return f"{what}: {self.before} -> {self.after} (paid {self.paid} {self.currency})"


def add_promise(
    session: Session,
    customer_id: str,
    currency: str,
    instalments: Sequence[tuple[date, Decimal]],
    *,
    actor: str,
    invoice_ids: Sequence[str] = (),
    note: str | None = None,
    grace_days: int | None = None,
    starts_on: date | None = None,
) -> int:
    """Record a promise to pay (one instalment) or a payment plan (several). Returns its id."""
    code = (currency or "").strip().upper()
    if not _CURRENCY(code):
        raise LedgerError(f"not a currency code (3 letters): {currency!r}")
    if not instalments:
        raise LedgerError("a promise needs at least one instalment (a due date and an amount)")
    for n, (due, amount) in enumerate(instalments, start=1):
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
            raise LedgerError(f"instalment {n}: the amount must be positive, not {amount}")
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise LedgerError(f"instalment {n}: {amount} has more than two decimals")
        if n > 1 and due <= instalments[n - 2][0]:
            raise LedgerError(f"instalment {n} is due on {due}, not after instalment {n - 1} ({instalments[n - 2][0]})")
    if grace_days is None:
        from gateway.desk.follow_up_config import load_follow_up_config

        grace_days = load_follow_up_config().grace_days
    if grace_days < 0:
        raise LedgerError("grace days cannot be negative")
    posting.lock_ledger(session)
    if session.get(LedgerCustomer, customer_id) is None:
        raise NotFound(f"no customer {customer_id!r} in the ledger")
    numbers = list(dict.fromkeys(i.strip() for i in invoice_ids if i and i.strip()))
    for number in numbers:
        inv = posting.invoice_by_number(session, number)
        if inv.customer_id != customer_id:
            raise LedgerError(f"invoice {number} is not an invoice of {customer_id} but of {inv.customer_id}")
        if inv.currency != code:
            raise LedgerError(f"invoice {number} is in {inv.currency}, the promise in {code}")
    already = session.scalar(
        select(DeskPromise.id).where(
            DeskPromise.customer_id == customer_id, DeskPromise.currency == code, DeskPromise.status == "open"
        )
    )
    if already is not None:
        raise LedgerError(f"{customer_id} already has an open promise in {code} (#{already}): cancel it first")
    when = audit.now()
    total = sum((amount for _, amount in instalments), ZERO)
    text = note.strip() if note and note.strip() else None
    start = starts_on or when.date()
    promise_id = session.execute(
        insert(DeskPromise).returning(DeskPromise.id),
        [
            {
                "customer_id": customer_id,
                "kind": "promise" if len(instalments) == 1 else "plan",
                "currency": code,
                "total": total,
                "starts_on": start,
                "grace_days": grace_days,
                "invoice_ids": numbers,
                "status": "open",
                "note": text,
                "created_by": actor,
                "created_at": when,
            }
        ],
    ).scalar_one()
    session.execute(
        insert(DeskInstalment),
        [
            {
                "promise_id": promise_id,
                "seq": n,
                "due_date": due,
                "amount": amount,
                "paid": ZERO,
                "status": "open",
                "settled_on": None,
            }
            for n, (due, amount) in enumerate(instalments, start=1)
        ],
    )
    audit.record(
        session,
        actor=actor,
        action="promise added",
        entity="promise",
        entity_id=promise_id,
        evidence={"customer_id": customer_id, "note": text},
        after={
            "kind": "promise" if len(instalments) == 1 else "plan",
            "currency": code,
            "total": as_text(total),
            "starts_on": start.isoformat(),
            "grace_days": grace_days,
            "invoice_ids": numbers,
            "instalments": [[due.isoformat(), as_text(amount)] for due, amount in instalments],
        },
        at=when,
    )
    return int(promise_id)


def cancel_promise(session: Session, promise_id: int, *, actor: str, reason: str) -> None:
    """End an open promise by hand (renegotiated, entered by mistake, ...): it no longer holds follow-up."""
    why = (reason or "").strip()
    if not why:
        raise LedgerError("say why the promise is cancelled")
    posting.lock_ledger(session)
    promise = session.get(DeskPromise, promise_id)
    if promise is None:
        raise NotFound(f"no promise #{promise_id}")
    if promise.status != "open":
        raise LedgerError(f"promise #{promise_id} is {promise.status} already")
    when = audit.now()
    promise.status, promise.closed_at, promise.closed_reason = "cancelled", when, why
    for inst in _instalments(session, promise_id):
        if inst.status == "open":
            inst.status = "cancelled"
    audit.record(
        session,
        actor=actor,
        action="promise cancelled",
        entity="promise",
        entity_id=promise_id,
        evidence={"customer_id": promise.customer_id, "reason": why},
        before={"status": "open"},
        after={"status": "cancelled"},
        at=when,
    )


def _instalments(session: Session, promise_id: int) -> list[DeskInstalment]:
    return list(
        session.scalars(
            select(DeskInstalment).where(DeskInstalment.promise_id == promise_id).order_by(DeskInstalment.seq)
        )
    )


def _payments(session: Session, promise: DeskPromise, as_of: date) -> list[tuple[date, Decimal]]:
    """(booking date, amount counted) of the payments that count towards the promise, oldest first."""
    counted = [
        LedgerPayment.customer_id == promise.customer_id,
        LedgerPayment.currency == promise.currency,
        LedgerPayment.status.in_(CREDIT_STATUSES),
        LedgerPayment.booking_date >= promise.starts_on,
        LedgerPayment.booking_date <= as_of,
    ]
    if not promise.invoice_ids:
        rows = session.execute(
            select(LedgerPayment.booking_date, LedgerPayment.amount)
            .where(*counted, LedgerPayment.amount_milli > 0)
            .order_by(LedgerPayment.booking_date, LedgerPayment.id)
        )
        return [(day, amount) for day, amount in rows]
    # Allocations to the promised invoices (reversals are negative rows of the same payment: they net out).
    rows = session.execute(
        select(LedgerPayment.id, LedgerPayment.booking_date, LedgerAllocation.amount)
        .join(LedgerAllocation, LedgerAllocation.payment_id == LedgerPayment.id)
        .join(LedgerInvoice, LedgerInvoice.id == LedgerAllocation.invoice_id)
        .where(*counted, LedgerInvoice.invoice_id.in_(list(promise.invoice_ids)))
        .order_by(LedgerPayment.booking_date, LedgerPayment.id)
    )
    per_payment: dict[int, tuple[date, Decimal]] = {}
    for pay_id, day, amount in rows:
        prior = per_payment.get(pay_id, (day, ZERO))[1]
        per_payment[pay_id] = (day, prior + amount)
    return [(day, amount) for day, amount in per_payment.values() if amount > 0]


def _evaluate(
    instalments: list[DeskInstalment], payments: list[tuple[date, Decimal]], as_of: date, grace_days: int
) -> list[tuple[Decimal, str, date | None]]:
    """(paid, status, settled_on) per instalment: payments fill the instalments in due-date order."""
    queue = list(payments)
    out: list[tuple[Decimal, str, date | None]] = []
    broken = False
    for inst in instalments:
        paid, settled = ZERO, None
        while queue and paid < inst.amount:
            day, amount = queue[0]
            take = min(amount, inst.amount - paid)
            paid += take
            if take == amount:
                queue.pop(0)
            else:
                queue[0] = (day, amount - take)
            if paid == inst.amount:
                settled = day
        deadline = inst.due_date + timedelta(days=grace_days)
        if broken:
            status = "cancelled"
        elif settled is not None and settled <= deadline:
            status = "kept"
        elif as_of > deadline:
            status, broken = "broken", True
        else:
            status = "open"
        out.append((paid, status, settled))
    return out


def track_promises(session: Session, as_of: date, *, actor: str = "follow-up") -> list[PromiseChange]:
    """Bring every open promise up to date with the payments booked until ``as_of``; returns what changed."""
    posting.lock_ledger(session)
    changes: list[PromiseChange] = []
    promises = session.scalars(select(DeskPromise).where(DeskPromise.status == "open").order_by(DeskPromise.id))
    for promise in list(promises):
        instalments = _instalments(session, promise.id)
        results = _evaluate(instalments, _payments(session, promise, as_of), as_of, promise.grace_days)
        before = [(i.paid, i.status, i.settled_on) for i in instalments]
        if results == before:
            continue
        for inst, (paid, status, settled) in zip(instalments, results, strict=True):
            if status != inst.status:
                changes.append(
                    PromiseChange(
                        promise.id, promise.customer_id, promise.currency, inst.seq, inst.status, status, paid, settled
                    )
                )
            inst.paid, inst.status, inst.settled_on = paid, status, settled
        statuses = [status for _, status, _ in results]
        new_status = "broken" if "broken" in statuses else "kept" if all(s == "kept" for s in statuses) else "open"
        when = audit.now()
        paid_total = sum((paid for paid, _, _ in results), ZERO)
        if new_status != "open":
            if new_status == "broken":
                bad = next(i for i, (_, s, _) in zip(instalments, results, strict=True) if s == "broken")
                reason = (
                    f"instalment {bad.seq} of {bad.amount} {promise.currency} due {bad.due_date} was not paid "
                    f"within {promise.grace_days} days (paid {bad.paid})"
                )
            else:
                reason = f"all {len(instalments)} instalments paid ({paid_total} {promise.currency})"
            promise.status, promise.closed_at, promise.closed_reason = new_status, when, reason
            changes.append(
                PromiseChange(
                    promise.id,
                    promise.customer_id,
                    promise.currency,
                    None,
                    "open",
                    new_status,
                    paid_total,
                    max((s for _, _, s in results if s), default=None),
                )
            )
        audit.record(
            session,
            actor=actor,
            action=f"promise {new_status}" if new_status != "open" else "promise tracked",
            entity="promise",
            entity_id=promise.id,
            evidence={"customer_id": promise.customer_id, "as_of": as_of.isoformat(), "reason": promise.closed_reason},
            before={"status": "open", "instalments": [_instalment_json(p, s, d) for p, s, d in before]},
            after={"status": new_status, "instalments": [_instalment_json(p, s, d) for p, s, d in results]},
            at=when,
        )
    return changes


def _instalment_json(paid: Decimal, status: str, settled: date | None) -> dict[str, str | None]:
    return {"paid": as_text(paid), "status": status, "settled_on": settled.isoformat() if settled else None}


def _views(session: Session, promises: Sequence[DeskPromise]) -> list[PromiseView]:
    by_promise: dict[int, list[InstalmentView]] = {}
    if promises:
        rows = session.scalars(
            select(DeskInstalment)
            .where(DeskInstalment.promise_id.in_([p.id for p in promises]))
            .order_by(DeskInstalment.promise_id, DeskInstalment.seq)
        )
        for i in rows:
            by_promise.setdefault(i.promise_id, []).append(
                InstalmentView(i.seq, i.due_date, i.amount, i.paid, i.status, i.settled_on)
            )
    return [
        PromiseView(
            p.id,
            p.customer_id,
            p.kind,
            p.currency,
            p.total,
            sum((i.paid for i in by_promise.get(p.id, ())), ZERO),
            p.starts_on,
            p.grace_days,
            tuple(p.invoice_ids or ()),
            p.status,
            p.note,
            p.created_by,
            p.created_at,
            p.closed_at,
            p.closed_reason,
            tuple(by_promise.get(p.id, ())),
        )
        for p in promises
    ]


def customer_promises(session: Session, customer_id: str) -> list[PromiseView]:
    """The customer's promises and plans with their instalments, newest first."""
    promises = session.scalars(
        select(DeskPromise)
        .where(DeskPromise.customer_id == customer_id)
        .order_by(DeskPromise.created_at.desc(), DeskPromise.id.desc())
    ).all()
    return _views(session, promises)


def open_promises(session: Session, customer_ids: Sequence[str] | None = None) -> list[PromiseView]:
    """Open promises (of these customers), oldest first."""
    query = select(DeskPromise).where(DeskPromise.status == "open").order_by(DeskPromise.id)
    if customer_ids is not None:
        query = query.where(DeskPromise.customer_id.in_(list(customer_ids)))
    return _views(session, session.scalars(query).all())


def promise_counts(session: Session, customer_id: str, since: datetime) -> dict[str, int]:
    """How many of the customer's promises ended kept / broken / cancelled since ``since`` (closed_at)."""
    rows = session.execute(
        select(DeskPromise.status, func.count())
        .where(DeskPromise.customer_id == customer_id, DeskPromise.closed_at >= since)
        .group_by(DeskPromise.status)
    )
    return {status: int(n) for status, n in rows}


__all__ = [
    "InstalmentView",
    "PromiseChange",
    "PromiseView",
    "add_promise",
    "cancel_promise",
    "customer_promises",
    "open_promises",
    "promise_counts",
    "track_promises",
]
