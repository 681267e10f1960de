"""What finance staff do to the ledger. Each call is one unit of work inside the caller's transaction
(the caller commits), audited, and raises ``LedgerError`` with a sentence a clerk understands when a rule
would be broken. Roles are the web layer's business; the service checks that an approval is present."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from decimal import Decimal

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gateway.ledger import audit, posting
from gateway.ledger.config import LedgerConfig, load_ledger_config
from gateway.ledger.errors import ApprovalRequired, LedgerError, NotFound
from gateway.ledger.money import ZERO
from gateway.storage.ledger_tables import (
    LedgerAllocation,
    LedgerCustomer,
    LedgerCustomerAccount,
    LedgerDecision,
    LedgerInvoice,
    LedgerPayment,
)

# A person may allocate these; "return" and "not_customer" payments are closed to allocation.
ALLOCATABLE = frozenset({"unmatched", "suggested", "matched", "allocated"})


def _record_decision(
    session: Session,
    pay: LedgerPayment,
    status: str,
    explanation: str,
    *,
    actor: str,
    reason: str | None = None,
    confidence: float = 1.0,
    suggestions: Sequence[dict[str, object]] = (),
) -> int:
    return session.execute(
        insert(LedgerDecision).returning(LedgerDecision.id),
        [
            {
                "payment_id": pay.id,
                "status": status,
                "reason": reason,
                "confidence": confidence,
                "explanation": explanation,
                "suggestions": list(suggestions),
                "decided_by": actor,
                "created_at": audit.now(),
            }
        ],
    ).scalar_one()


def _set_status(session: Session, pay: LedgerPayment, status: str, *, actor: str, why: str) -> None:
    before = {"status": pay.status, "customer_id": pay.customer_id}
    pay.status = status
    pay.updated_at = audit.now()
    audit.record(
        session,
        actor=actor,
        action="payment status",
        entity="payment",
        entity_id=pay.id,
        evidence={"why": why, "bank_transaction_id": pay.bank_transaction_id, "bank_ref": pay.bank_ref},
        before=before,
        after={"status": pay.status, "customer_id": pay.customer_id},
    )


def _compact_iban(iban: str) -> str:
    try:
        return IBAN(iban).compact
    except SchwiftyException as exc:
        raise LedgerError(f"not a valid IBAN {iban!r}: {exc}") from None


def learn_account(session: Session, customer_id: str, iban: str, *, actor: str) -> bool:
    """Remember that ``customer_id`` pays from ``iban`` (the matcher uses it from the next run on).
    Returns False when it was known already."""
    posting.lock_ledger(session)
    if session.get(LedgerCustomer, customer_id) is None:
        raise NotFound(f"no customer {customer_id!r} in the ledger")
    compact = _compact_iban(iban)
    known = session.scalar(
        select(LedgerCustomerAccount.id).where(
            LedgerCustomerAccount.customer_id == customer_id, LedgerCustomerAccount.iban == compact
        )
    )
    if known is not None:
        return False
    when = audit.now()
    session.execute(
        insert(LedgerCustomerAccount),
        [{"customer_id": customer_id, "iban": compact, "source": "learned", "created_by": actor, "created_at": when}],
    )
    audit.record(
        session,
        actor=actor,
        action="learn account",
        entity="customer",
        entity_id=customer_id,
        evidence={"iban": compact},
        after={"iban": compact},
        at=when,
    )
    return True


def _learn_from(session: Session, pay: LedgerPayment, customer_id: str, actor: str) -> None:
    """A person tied this payment to a customer: its payer account is theirs from now on."""
    if pay.counterparty_iban:
        # A payer account that is not an IBAN teaches nothing; the allocation stands.
        with suppress(LedgerError):
            learn_account(session, customer_id, pay.counterparty_iban, actor=actor)


def allocate(
    session: Session,
    payment_id: int,
    parts: list[tuple[str, Decimal]],
    *,
    actor: str,
    reason: str | None = None,
    kind: str = "manual",
    decision_id: int | None = None,
) -> list[int]:
    """Apply parts of a payment to one or several invoices (a split); returns the allocation ids."""
    if not parts:
        raise LedgerError("nothing to allocate: name at least one invoice and amount")
    posting.lock_ledger(session)
    pay = posting.payment(session, payment_id)
    if pay.status not in ALLOCATABLE:
        raise LedgerError(f"payment #{payment_id} is {pay.status.replace('_', ' ')}: it cannot be allocated")
    if pay.amount <= 0:
        raise LedgerError(f"payment #{payment_id} is not an incoming payment ({pay.amount} {pay.currency})")
    total = sum((amount for _, amount in parts), ZERO)
    if any(amount <= 0 for _, amount in parts):
        raise LedgerError("every allocated amount must be positive")
    if total > pay.unapplied:
        raise LedgerError(
            f"allocating {total} {pay.currency} but only {pay.unapplied} {pay.currency} of payment #{payment_id} "
            "is unapplied"
        )
    seen: set[str] = set()
    invoices = []
    for invoice_id, amount in parts:
        if invoice_id in seen:
            raise LedgerError(f"invoice {invoice_id} is named twice")
        seen.add(invoice_id)
        inv = posting.invoice_by_number(session, invoice_id)
        if inv.amount > 0 and amount > inv.open_amount:
            raise LedgerError(
                f"invoice {invoice_id} has {inv.open_amount} {inv.currency} open; {amount} is more than that"
            )
        invoices.append((inv, amount))
    if decision_id is None:
        decision_id = _record_decision(
            session,
            pay,
            "allocated",
            "allocated by hand: " + ", ".join(f"{inv.invoice_id} {amount}" for inv, amount in invoices),
            actor=actor,
            reason=reason,
        )
    ids = [
        posting.add_allocation(
            session, pay, inv, amount, kind=kind, actor=actor, reason=reason, decision_id=decision_id
        )
        for inv, amount in invoices
    ]
    customer_id = invoices[0][0].customer_id
    if pay.customer_id != customer_id or pay.status != "allocated":
        pay.customer_id = customer_id
        _set_status(session, pay, "allocated", actor=actor, why=reason or "allocated by hand")
    _learn_from(session, pay, customer_id, actor)
    return ids


def confirm_suggestion(session: Session, payment_id: int, rank: int, *, actor: str) -> list[int]:
    """Accept the matcher's suggestion number ``rank`` (1 = best): the payment is spread over its invoices
    oldest first, each up to its open amount."""
    posting.lock_ledger(session)
    pay = posting.payment(session, payment_id)
    decision = session.scalars(
        select(LedgerDecision)
        .where(LedgerDecision.payment_id == payment_id, LedgerDecision.decided_by == "matcher")
        .order_by(LedgerDecision.id.desc())
        .limit(1)
    ).first()
    suggestion = next((s for s in (decision.suggestions if decision else []) if s.get("rank") == rank), None)
    if suggestion is None:
        raise NotFound(f"payment #{payment_id} has no suggestion number {rank}")
    left = pay.unapplied
    parts: list[tuple[str, Decimal]] = []
    for invoice_id in suggestion["invoice_ids"]:
        inv = posting.invoice_by_number(session, invoice_id)
        take = min(left, inv.open_amount) if inv.amount > 0 else inv.open_amount
        if take > 0:
            parts.append((invoice_id, take))
            left -= take
    if not parts:
        raise LedgerError(f"the invoices of suggestion {rank} ({', '.join(suggestion['invoice_ids'])}) are paid")
    decision_id = _record_decision(
        session,
        pay,
        "allocated",
        f"suggestion {rank} confirmed: {suggestion.get('explanation', '')}",
        actor=actor,
        confidence=float(suggestion.get("score", 0.0)),
    )
    return allocate(
        session,
        payment_id,
        parts,
        actor=actor,
        reason=f"suggestion {rank} confirmed",
        kind="suggestion",
        decision_id=decision_id,
    )


def undo_allocation(session: Session, allocation_id: int, *, actor: str, reason: str) -> int:
    """Reverse an allocation with an opposite record (nothing is deleted); returns the reversal's id."""
    if not reason or not reason.strip():
        raise LedgerError("an undo needs a reason")
    posting.lock_ledger(session)
    original = session.get(LedgerAllocation, allocation_id)
    if original is None:
        raise NotFound(f"no allocation #{allocation_id}")
    if original.reverses_id is not None:
        raise LedgerError(f"allocation #{allocation_id} is itself a reversal: allocate again instead")
    already = session.scalar(select(LedgerAllocation.id).where(LedgerAllocation.reverses_id == allocation_id))
    if already is not None:
        raise LedgerError(f"allocation #{allocation_id} was already undone (by #{already})")
    pay = posting.payment(session, original.payment_id)
    inv = session.get_one(LedgerInvoice, original.invoice_id)
    reversal = posting.add_allocation(
        session, pay, inv, -original.amount, kind="reversal", actor=actor, reason=reason, reverses_id=original.id
    )
    if not posting.active_allocations(session, pay.id) and pay.status in ("matched", "allocated"):
        pay.customer_id = None if pay.amount > 0 else pay.customer_id
        _set_status(session, pay, "unmatched", actor=actor, why=f"allocation #{allocation_id} undone: {reason}")
    return reversal


def mark_not_customer_payment(session: Session, payment_id: int, *, actor: str, reason: str) -> None:
    """Take a payment out of the queue: not a customer's payment (a refund, a transfer between accounts)."""
    if not reason or not reason.strip():
        raise LedgerError("say why this is not a customer payment")
    posting.lock_ledger(session)
    pay = posting.payment(session, payment_id)
    if posting.active_allocations(session, payment_id):
        raise LedgerError(f"payment #{payment_id} is allocated: undo its allocations first")
    _record_decision(session, pay, "not_customer", reason, actor=actor)
    _set_status(session, pay, "not_customer", actor=actor, why=reason)


def write_off(
    session: Session,
    invoice_id: str,
    amount: Decimal,
    reason: str,
    *,
    actor: str,
    approved_by: str | None,
    config: LedgerConfig | None = None,
    payment_id: int | None = None,
) -> int:
    """Close (part of) an invoice's open amount with a reason; above the limit only with an approval."""
    if not reason or not reason.strip():
        raise LedgerError("a write-off needs a reason")
    if amount <= 0:
        raise LedgerError("the write-off amount must be positive")
    config = config or load_ledger_config()
    posting.lock_ledger(session)
    inv = posting.invoice_by_number(session, invoice_id)
    if inv.amount < 0:
        raise LedgerError(f"{invoice_id} is a credit note: nothing to write off")
    if amount > inv.open_amount:
        raise LedgerError(f"invoice {invoice_id} has {inv.open_amount} {inv.currency} open; {amount} is more")
    limit = config.limit_for(inv.currency)
    if amount > limit and not approved_by:
        raise ApprovalRequired(
            f"writing off {amount} {inv.currency} is above the limit of {limit} {inv.currency}: "
            "a manager must approve it"
        )
    if approved_by and approved_by == actor and amount > limit:
        raise ApprovalRequired("a write-off above the limit needs someone else's approval")
    return posting.add_write_off(
        session, inv, amount, reason.strip(), actor=actor, approved_by=approved_by, payment_id=payment_id
    )


__all__ = [
    "ALLOCATABLE",
    "allocate",
    "confirm_suggestion",
    "learn_account",
    "mark_not_customer_payment",
    "undo_allocation",
    "write_off",
]
