"""The only code that changes what a customer owes: allocations, reversals and write-offs, each keeping
the cached open amount of the invoice and the unapplied amount of the payment in the same transaction.

The cache is the derived sum (``derived_open_amount``); ``tests/ledger`` recomputes it after every story.
On PostgreSQL every change first takes one transaction-scoped advisory lock, so the job and the review
page never apply two payments to the same open amount at once (SQLite's BEGIN IMMEDIATE already does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from gateway.ledger import audit
from gateway.ledger.errors import LedgerError, NotFound
from gateway.ledger.money import ZERO, as_text, milli
from gateway.storage.ledger_tables import LedgerAllocation, LedgerAudit, LedgerInvoice, LedgerPayment, LedgerWriteOff

# pg_advisory_xact_lock key of "the open amounts" (any constant; it only has to be the same everywhere).
LEDGER_LOCK = 0x1ED6E5


def lock_ledger(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LEDGER_LOCK})


def invoice_by_number(session: Session, invoice_id: str) -> LedgerInvoice:
    found = session.scalars(select(LedgerInvoice).where(LedgerInvoice.invoice_id == invoice_id)).one_or_none()
    if found is None:
        raise NotFound(f"no invoice {invoice_id!r} in the ledger")
    return found


def payment(session: Session, payment_id: int) -> LedgerPayment:
    found = session.get(LedgerPayment, payment_id)
    if found is None:
        raise NotFound(f"no payment #{payment_id} in the ledger")
    return found


def set_open(inv: LedgerInvoice, new_open: Decimal, when: object) -> None:
    inv.open_amount = new_open
    inv.open_milli = milli(new_open)
    inv.is_open = new_open != 0
    inv.updated_at = when  # type: ignore[assignment]


def add_allocation(
    session: Session,
    pay: LedgerPayment,
    inv: LedgerInvoice,
    amount: Decimal,
    *,
    kind: str,
    actor: str,
    reason: str | None = None,
    decision_id: int | None = None,
    reverses_id: int | None = None,
    evidence: dict[str, object] | None = None,
) -> int:
    """Apply ``amount`` of ``pay`` to ``inv`` (negative: give back), audited. Returns the allocation id."""
    if inv.currency != pay.currency:
        raise LedgerError(
            f"payment #{pay.id} is in {pay.currency}, invoice {inv.invoice_id} in {inv.currency}: no allocation "
            "across currencies"
        )
    when = audit.now()
    before = {"open_amount": as_text(inv.open_amount), "payment_unapplied": as_text(pay.unapplied)}
    allocation_id = session.execute(
        insert(LedgerAllocation).returning(LedgerAllocation.id),
        [
            {
                "payment_id": pay.id,
                "invoice_id": inv.id,
                "amount": amount,
                "kind": kind,
                "reverses_id": reverses_id,
                "decision_id": decision_id,
                "actor": actor,
                "reason": reason,
                "created_at": when,
            }
        ],
    ).scalar_one()
    set_open(inv, inv.open_amount - amount, when)
    pay.unapplied = pay.unapplied - amount
    pay.updated_at = when
    audit.record(
        session,
        actor=actor,
        action="reverse allocation" if reverses_id else f"allocate ({kind})",
        entity="invoice",
        entity_id=inv.invoice_id,
        evidence={
            "allocation_id": allocation_id,
            "payment_id": pay.id,
            "bank_ref": pay.bank_ref,
            "amount": as_text(amount),
            "currency": inv.currency,
            "reason": reason,
            "reverses_allocation_id": reverses_id,
            **(evidence or {}),
        },
        before=before,
        after={"open_amount": as_text(inv.open_amount), "payment_unapplied": as_text(pay.unapplied)},
        at=when,
    )
    return allocation_id


@dataclass(slots=True)
class Posting:
    """One allocation of a batch (see ``add_allocations``)."""

    payment: LedgerPayment
    invoice: LedgerInvoice
    amount: Decimal
    kind: str
    reason: str | None = None
    decision_id: int | None = None
    evidence: dict[str, object] = field(default_factory=dict)


def add_allocations(session: Session, postings: Sequence[Posting], *, actor: str) -> list[int]:
    """Many allocations at once (the job applies thousands per file): one INSERT for the allocations, one
    for their audit rows, and the invoices' and payments' cached amounts written by one flush. The same
    rules and records as ``add_allocation``, one after the other in order."""
    if not postings:
        return []
    for p in postings:
        if p.invoice.currency != p.payment.currency:
            raise LedgerError(
                f"payment #{p.payment.id} is in {p.payment.currency}, invoice {p.invoice.invoice_id} in "
                f"{p.invoice.currency}: no allocation across currencies"
            )
    when = audit.now()
    ids = session.scalars(
        insert(LedgerAllocation).returning(LedgerAllocation.id, sort_by_parameter_order=True),
        [
            {
                "payment_id": p.payment.id,
                "invoice_id": p.invoice.id,
                "amount": p.amount,
                "kind": p.kind,
                "reverses_id": None,
                "decision_id": p.decision_id,
                "actor": actor,
                "reason": p.reason,
                "created_at": when,
            }
            for p in postings
        ],
    ).all()
    trail = []
    for allocation_id, p in zip(ids, postings, strict=True):
        inv, pay = p.invoice, p.payment
        before = {"open_amount": as_text(inv.open_amount), "payment_unapplied": as_text(pay.unapplied)}
        set_open(inv, inv.open_amount - p.amount, when)
        pay.unapplied = pay.unapplied - p.amount
        pay.updated_at = when
        trail.append(
            {
                "at": when,
                "actor": actor,
                "action": f"allocate ({p.kind})",
                "entity": "invoice",
                "entity_id": inv.invoice_id,
                "evidence": {
                    "allocation_id": allocation_id,
                    "payment_id": pay.id,
                    "bank_ref": pay.bank_ref,
                    "amount": as_text(p.amount),
                    "currency": inv.currency,
                    "reason": p.reason,
                    **p.evidence,
                },
                "before": before,
                "after": {"open_amount": as_text(inv.open_amount), "payment_unapplied": as_text(pay.unapplied)},
            }
        )
    session.execute(insert(LedgerAudit), trail)
    session.flush()
    return list(ids)


def add_write_off(
    session: Session,
    inv: LedgerInvoice,
    amount: Decimal,
    reason: str,
    *,
    actor: str,
    approved_by: str | None = None,
    payment_id: int | None = None,
) -> int:
    when = audit.now()
    before = {"open_amount": as_text(inv.open_amount)}
    write_off_id = session.execute(
        insert(LedgerWriteOff).returning(LedgerWriteOff.id),
        [
            {
                "invoice_id": inv.id,
                "payment_id": payment_id,
                "amount": amount,
                "reason": reason,
                "actor": actor,
                "approved_by": approved_by,
                "created_at": when,
            }
        ],
    ).scalar_one()
    set_open(inv, inv.open_amount - amount, when)
    audit.record(
        session,
        actor=actor,
        action="write off",
        entity="invoice",
        entity_id=inv.invoice_id,
        evidence={
            "write_off_id": write_off_id,
            "amount": as_text(amount),
            "currency": inv.currency,
            "reason": reason,
            "approved_by": approved_by,
            "payment_id": payment_id,
        },
        before=before,
        after={"open_amount": as_text(inv.open_amount)},
        at=when,
    )
    return write_off_id


def derived_open_amount(session: Session, invoice_pk: int) -> Decimal:
    """The open amount from first principles: amount - settled before - allocations - write-offs."""
    inv = session.get(LedgerInvoice, invoice_pk)
    if inv is None:
        raise NotFound(f"no invoice #{invoice_pk}")
    allocated = session.scalars(select(LedgerAllocation.amount).where(LedgerAllocation.invoice_id == invoice_pk))
    written = session.scalars(select(LedgerWriteOff.amount).where(LedgerWriteOff.invoice_id == invoice_pk))
    # Summed here, not in SQL: SQLite keeps exact decimals as text.
    return inv.amount - inv.settled_before - sum(allocated, ZERO) - sum(written, ZERO)


def derived_unapplied(session: Session, payment_id: int) -> Decimal:
    pay = payment(session, payment_id)
    allocated = session.scalars(select(LedgerAllocation.amount).where(LedgerAllocation.payment_id == payment_id))
    return pay.amount - sum(allocated, ZERO)


def active_allocations(session: Session, payment_id: int) -> list[LedgerAllocation]:
    """Allocations of a payment that are neither reversals nor reversed."""
    reversed_ids = select(LedgerAllocation.reverses_id).where(LedgerAllocation.reverses_id.is_not(None))
    return list(
        session.scalars(
            select(LedgerAllocation)
            .where(
                LedgerAllocation.payment_id == payment_id,
                LedgerAllocation.reverses_id.is_(None),
                LedgerAllocation.id.not_in(reversed_ids),
            )
            .order_by(LedgerAllocation.id)
        )
    )


def count_rows(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


__all__ = [
    "LEDGER_LOCK",
    "active_allocations",
    "Posting",
    "add_allocation",
    "add_allocations",
    "add_write_off",
    "count_rows",
    "derived_open_amount",
    "derived_unapplied",
    "invoice_by_number",
    "lock_ledger",
    "payment",
    "set_open",
]
