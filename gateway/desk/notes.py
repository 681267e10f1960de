"""Notes about customers (or one of their invoices), disputed invoices, and the reminders a customer got.

Writes are one audited unit of work inside the caller's transaction (the caller commits) and raise
``LedgerError`` with a sentence a clerk understands. Views name invoices by their ERP number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, insert, select
from sqlalchemy.orm import Session

from gateway.ledger import audit, posting
from gateway.ledger.errors import LedgerError, NotFound
from gateway.ledger.money import as_text
from gateway.storage.desk_tables import DeskDispute, DeskFollowUp, DeskFollowUpItem, DeskNote
from gateway.storage.ledger_tables import LedgerCustomer, LedgerInvoice

MAX_TEXT = 10_000


@dataclass(frozen=True, slots=True)
class NoteView:
    id: int
    customer_id: str
    invoice_id: str | None  # the ERP invoice number
    text: str
    author: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DisputeView:
    id: int
    invoice_id: str
    customer_id: str
    currency: str
    open_amount: Decimal
    due_date: date
    reason: str
    status: str  # open | resolved
    opened_by: str
    opened_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None


@dataclass(frozen=True, slots=True)
class FollowUpItemView:
    invoice_id: str
    level: int
    open_amount: Decimal
    days_overdue: int
    fee: Decimal
    interest: Decimal


@dataclass(frozen=True, slots=True)
class FollowUpView:
    id: int
    customer_id: str
    run_date: date
    level: int
    level_name: str
    channel: str
    currency: str
    total_overdue: Decimal
    fee: Decimal
    interest: Decimal
    recipient: str | None
    subject: str
    body: str
    status: str  # sending | sent | failed | recorded
    error: str | None
    actor: str
    created_at: datetime
    sent_at: datetime | None
    items: tuple[FollowUpItemView, ...]

    @property
    def invoice_ids(self) -> tuple[str, ...]:
        return tuple(i.invoice_id for i in self.items)


def _text(value: str | None, what: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise LedgerError(f"{what} is empty")
    if len(cleaned) > MAX_TEXT:
        raise LedgerError(f"{what} is longer than {MAX_TEXT} characters")
    return cleaned


def _customer(session: Session, customer_id: str) -> LedgerCustomer:
    found = session.get(LedgerCustomer, customer_id)
    if found is None:
        raise NotFound(f"no customer {customer_id!r} in the ledger")
    return found


def add_note(session: Session, customer_id: str, text: str, *, actor: str, invoice_id: str | None = None) -> int:
    """A note about the customer, or about one of its invoices (by ERP number). Returns the note's id."""
    _customer(session, customer_id)
    body = _text(text, "the note")
    inv_pk = None
    if invoice_id:
        inv = posting.invoice_by_number(session, invoice_id.strip())
        if inv.customer_id != customer_id:
            raise LedgerError(f"invoice {inv.invoice_id} is not an invoice of {customer_id} but of {inv.customer_id}")
        inv_pk = inv.id
    when = audit.now()
    note_id = session.execute(
        insert(DeskNote).returning(DeskNote.id),
        [
            {
                "customer_id": customer_id,
                "invoice_id": inv_pk,
                "text": body,
                "author": actor,
                "created_at": when,
            }
        ],
    ).scalar_one()
    audit.record(
        session,
        actor=actor,
        action="note added",
        entity="customer",
        entity_id=customer_id,
        evidence={"note_id": note_id, "invoice_id": invoice_id.strip() if invoice_id else None},
        after={"text": body},
        at=when,
    )
    return int(note_id)


def open_dispute(session: Session, invoice_id: str, reason: str, *, actor: str) -> int:
    """The customer disputes an invoice (by ERP number): its follow-up stops until the dispute is resolved.
    One open dispute per invoice. Returns the dispute's id."""
    why = _text(reason, "the reason of the dispute")
    posting.lock_ledger(session)  # two clerks opening a dispute on the same invoice at once: one wins
    inv = posting.invoice_by_number(session, invoice_id.strip())
    if inv.amount < 0:
        raise LedgerError(f"{inv.invoice_id} is a credit note: there is nothing to dispute")
    already = session.scalar(
        select(DeskDispute.id).where(DeskDispute.invoice_id == inv.id, DeskDispute.status == "open")
    )
    if already is not None:
        raise LedgerError(f"invoice {inv.invoice_id} is already disputed (dispute #{already} is open)")
    when = audit.now()
    dispute_id = session.execute(
        insert(DeskDispute).returning(DeskDispute.id),
        [
            {
                "invoice_id": inv.id,
                "customer_id": inv.customer_id,
                "reason": why,
                "status": "open",
                "opened_by": actor,
                "opened_at": when,
            }
        ],
    ).scalar_one()
    audit.record(
        session,
        actor=actor,
        action="dispute opened",
        entity="invoice",
        entity_id=inv.invoice_id,
        evidence={
            "dispute_id": dispute_id,
            "customer_id": inv.customer_id,
            "open_amount": as_text(inv.open_amount),
            "currency": inv.currency,
        },
        after={"status": "open", "reason": why},
        at=when,
    )
    return int(dispute_id)


def resolve_dispute(session: Session, dispute_id: int, resolution: str, *, actor: str) -> None:
    """Close a dispute with what was agreed (a credit note, the customer pays, ...); follow-up resumes."""
    outcome = _text(resolution, "the resolution")
    posting.lock_ledger(session)
    dispute = session.get(DeskDispute, dispute_id)
    if dispute is None:
        raise NotFound(f"no dispute #{dispute_id}")
    if dispute.status != "open":
        raise LedgerError(f"dispute #{dispute_id} was already resolved by {dispute.resolved_by}")
    inv = session.get_one(LedgerInvoice, dispute.invoice_id)
    when = audit.now()
    dispute.status, dispute.resolved_by, dispute.resolved_at, dispute.resolution = "resolved", actor, when, outcome
    audit.record(
        session,
        actor=actor,
        action="dispute resolved",
        entity="invoice",
        entity_id=inv.invoice_id,
        evidence={"dispute_id": dispute_id, "customer_id": dispute.customer_id},
        before={"status": "open", "reason": dispute.reason},
        after={"status": "resolved", "resolution": outcome},
        at=when,
    )


def customer_notes(session: Session, customer_id: str) -> list[NoteView]:
    """The customer's notes, newest first."""
    rows = session.execute(
        select(DeskNote, LedgerInvoice.invoice_id)
        .outerjoin(LedgerInvoice, LedgerInvoice.id == DeskNote.invoice_id)
        .where(DeskNote.customer_id == customer_id)
        .order_by(DeskNote.created_at.desc(), DeskNote.id.desc())
    )
    return [NoteView(n.id, n.customer_id, number, n.text, n.author, n.created_at) for n, number in rows]


def customer_disputes(session: Session, customer_id: str) -> list[DisputeView]:
    """The customer's disputes: open ones first, then newest first."""
    rows = session.execute(
        select(DeskDispute, LedgerInvoice)
        .join(LedgerInvoice, LedgerInvoice.id == DeskDispute.invoice_id)
        .where(DeskDispute.customer_id == customer_id)
        .order_by(case((DeskDispute.status == "open", 0), else_=1), DeskDispute.opened_at.desc(), DeskDispute.id.desc())
    )
    return [
        DisputeView(
            d.id,
            inv.invoice_id,
            d.customer_id,
            inv.currency,
            inv.open_amount,
            inv.due_date,
            d.reason,
            d.status,
            d.opened_by,
            d.opened_at,
            d.resolved_by,
            d.resolved_at,
            d.resolution,
        )
        for d, inv in rows
    ]


def open_disputes(session: Session, customer_id: str) -> list[DisputeView]:
    return [d for d in customer_disputes(session, customer_id) if d.status == "open"]


def follow_up_history(session: Session, customer_id: str) -> list[FollowUpView]:
    """Every reminder of the customer (sent, recorded, failed, or unconfirmed ``sending``), newest first."""
    steps = session.scalars(
        select(DeskFollowUp)
        .where(DeskFollowUp.customer_id == customer_id)
        .order_by(DeskFollowUp.created_at.desc(), DeskFollowUp.id.desc())
    ).all()
    items: dict[int, list[FollowUpItemView]] = {}
    if steps:
        rows = session.execute(
            select(DeskFollowUpItem, LedgerInvoice.invoice_id)
            .join(LedgerInvoice, LedgerInvoice.id == DeskFollowUpItem.invoice_id)
            .join(DeskFollowUp, DeskFollowUp.id == DeskFollowUpItem.follow_up_id)
            .where(DeskFollowUp.customer_id == customer_id)
            .order_by(DeskFollowUpItem.follow_up_id, DeskFollowUpItem.id)  # as the reminder listed them
        )
        for item, number in rows:
            items.setdefault(item.follow_up_id, []).append(
                FollowUpItemView(number, item.level, item.open_amount, item.days_overdue, item.fee, item.interest)
            )
    return [
        FollowUpView(
            s.id,
            s.customer_id,
            s.run_date,
            s.level,
            s.level_name,
            s.channel,
            s.currency,
            s.total_overdue,
            s.fee,
            s.interest,
            s.recipient,
            s.subject,
            s.body,
            s.status,
            s.error,
            s.actor,
            s.created_at,
            s.sent_at,
            tuple(items.get(s.id, ())),
        )
        for s in steps
    ]


__all__ = [
    "DisputeView",
    "FollowUpItemView",
    "FollowUpView",
    "NoteView",
    "add_note",
    "customer_disputes",
    "customer_notes",
    "follow_up_history",
    "open_dispute",
    "open_disputes",
    "resolve_dispute",
]
