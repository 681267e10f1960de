"""Customers and invoices from the ERP into the ledger: idempotent upserts inside the caller's transaction.

The readers in ``adapters.erp.invoices_csv`` check every row (file, line, column); this module only knows
the ledger, so a later ERP connector yields the same ``Invoice``/``Customer`` objects and reuses it.
On first sight an invoice's ``amount - open_amount`` is what the ERP had settled before the ledger took
over (``settled_before``); afterwards the ledger's own allocations decide what is open, and a re-import
only updates what the ERP owns (customer, dates, reference, amount).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gateway.ledger import audit, posting
from gateway.ledger.errors import LedgerError
from gateway.ledger.money import as_text, milli
from gateway.model.invoice import Customer, Invoice
from gateway.storage.ledger_tables import LedgerCustomer, LedgerCustomerAccount, LedgerInvoice

BATCH = 500


@dataclass(slots=True)
class UpsertCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    accounts_added: int = 0


def _batches(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def import_customers(session: Session, customers: Iterable[Customer], *, actor: str) -> UpsertCounts:
    posting.lock_ledger(session)  # the matcher's cached ledger must see the change (apply.LedgerCache)
    counts = UpsertCounts()
    when = audit.now()
    for chunk in _batches(customers):
        ids = [c.customer_id for c in chunk]
        known = {
            c.customer_id: c for c in session.scalars(select(LedgerCustomer).where(LedgerCustomer.customer_id.in_(ids)))
        }
        accounts = {
            (cid, iban)
            for cid, iban in session.execute(
                select(LedgerCustomerAccount.customer_id, LedgerCustomerAccount.iban).where(
                    LedgerCustomerAccount.customer_id.in_(ids)
                )
            )
        }
        for c in chunk:
            row = known.get(c.customer_id)
            if row is None:
                session.add(LedgerCustomer(customer_id=c.customer_id, name=c.name, created_at=when, updated_at=when))
                counts.added += 1
                audit.record(
                    session,
                    actor=actor,
                    action="customer added",
                    entity="customer",
                    entity_id=c.customer_id,
                    after={"name": c.name, "ibans": list(c.ibans)},
                    at=when,
                )
            elif c.name and row.name != c.name:
                audit.record(
                    session,
                    actor=actor,
                    action="customer updated",
                    entity="customer",
                    entity_id=c.customer_id,
                    before={"name": row.name},
                    after={"name": c.name},
                    at=when,
                )
                row.name, row.updated_at = c.name, when
                counts.updated += 1
            else:
                counts.unchanged += 1
        session.flush()
        new_accounts = [
            {"customer_id": c.customer_id, "iban": iban, "source": "import", "created_by": actor, "created_at": when}
            for c in chunk
            for iban in dict.fromkeys(c.ibans)
            if (c.customer_id, iban) not in accounts
        ]
        if new_accounts:
            session.execute(insert(LedgerCustomerAccount), new_accounts)
            counts.accounts_added += len(new_accounts)
    return counts


def _ensure_customers(session: Session, invoices: list[Invoice], when: Any, actor: str) -> None:
    """Invoices may name customers not in customers.csv yet: they are added with the invoice's name."""
    ids = {inv.customer_id: inv.customer_name for inv in invoices}
    known = set(session.scalars(select(LedgerCustomer.customer_id).where(LedgerCustomer.customer_id.in_(list(ids)))))
    missing = [
        {"customer_id": cid, "name": name or cid, "created_at": when, "updated_at": when}
        for cid, name in ids.items()
        if cid not in known
    ]
    if missing:
        session.execute(insert(LedgerCustomer), missing)
        for row in missing:
            audit.record(
                session,
                actor=actor,
                action="customer added",
                entity="customer",
                entity_id=row["customer_id"],
                evidence={"from": "invoices"},
                after={"name": row["name"]},
                at=when,
            )


def _descriptive(inv: LedgerInvoice | Invoice) -> dict[str, Any]:
    return {
        "customer_id": inv.customer_id,
        "currency": inv.currency,
        "amount": as_text(inv.amount),
        "issue_date": inv.issue_date.isoformat(),
        "due_date": inv.due_date.isoformat(),
        "reference": inv.reference,
    }


def import_invoices(session: Session, invoices: Iterable[Invoice], *, actor: str) -> UpsertCounts:
    posting.lock_ledger(session)  # the matcher's cached ledger must see the change (apply.LedgerCache)
    counts = UpsertCounts()
    when = audit.now()
    for chunk in _batches(invoices):
        _ensure_customers(session, chunk, when, actor)
        known = {
            row.invoice_id: row
            for row in session.scalars(
                select(LedgerInvoice).where(LedgerInvoice.invoice_id.in_([i.invoice_id for i in chunk]))
            )
        }
        new_rows = []
        for inv in chunk:
            row = known.get(inv.invoice_id)
            if row is None:
                new_rows.append(
                    {
                        "invoice_id": inv.invoice_id,
                        "customer_id": inv.customer_id,
                        "currency": inv.currency,
                        "amount": inv.amount,
                        "settled_before": inv.amount - inv.open_amount,
                        "issue_date": inv.issue_date,
                        "due_date": inv.due_date,
                        "reference": inv.reference,
                        "open_amount": inv.open_amount,
                        "open_milli": milli(inv.open_amount),
                        "is_open": inv.open_amount != 0,
                        "imported_at": when,
                        "updated_at": when,
                    }
                )
                continue
            before, after = _descriptive(row), _descriptive(inv)
            if before == after:
                counts.unchanged += 1
                continue
            if row.currency != inv.currency and row.open_amount != row.amount - row.settled_before:
                raise LedgerError(
                    f"invoice {inv.invoice_id} changes currency from {row.currency} to {inv.currency} but has "
                    "allocations or write-offs: undo them first"
                )
            row.customer_id, row.currency, row.amount = inv.customer_id, inv.currency, inv.amount
            row.issue_date, row.due_date, row.reference = inv.issue_date, inv.due_date, inv.reference
            session.flush()
            posting.set_open(row, posting.derived_open_amount(session, row.id), when)
            audit.record(
                session,
                actor=actor,
                action="invoice updated",
                entity="invoice",
                entity_id=inv.invoice_id,
                before=before,
                after=after | {"open_amount": as_text(row.open_amount)},
                at=when,
            )
            counts.updated += 1
        if new_rows:
            session.execute(insert(LedgerInvoice), new_rows)
            counts.added += len(new_rows)
            audit.record(
                session,
                actor=actor,
                action="invoices added",
                entity="invoice_batch",
                entity_id=f"{new_rows[0]['invoice_id']}..{new_rows[-1]['invoice_id']}",
                evidence={"invoice_ids": [r["invoice_id"] for r in new_rows]},
                at=when,
            )
    return counts
