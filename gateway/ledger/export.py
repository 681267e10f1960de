"""Allocations and write-offs of a period as CSV for the ERP / general ledger.

One row per allocation (reversals and returns included, with their sign) and per write-off, each traced to
its bank transaction (bank reference, statement, file) where it has one. Amounts are exact decimals.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.ledger.money import as_text
from gateway.storage.ledger_tables import LedgerAllocation, LedgerInvoice, LedgerPayment, LedgerWriteOff
from gateway.storage.tables import BankTransaction, ImportFile, StatementRow

COLUMNS = (
    "entry_type",
    "entry_id",
    "created_at",
    "invoice_id",
    "customer_id",
    "currency",
    "amount",
    "invoice_amount",
    "invoice_open_amount",
    "payment_id",
    "payment_amount",
    "bank_ref",
    "booking_date",
    "value_date",
    "statement_id",
    "account",
    "file",
    "kind",
    "reverses_entry_id",
    "actor",
    "approved_by",
    "reason",
)


def _window(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    return datetime.combine(date_from, time.min, tzinfo=UTC), datetime.combine(
        date_to + timedelta(days=1), time.min, tzinfo=UTC
    )


def export_rows(session: Session, date_from: date, date_to: date) -> Iterator[dict[str, str | None]]:
    start, end = _window(date_from, date_to)
    allocations = session.execute(
        select(
            LedgerAllocation, LedgerInvoice, LedgerPayment, BankTransaction, StatementRow.statement_id, ImportFile.name
        )
        .join(LedgerInvoice, LedgerInvoice.id == LedgerAllocation.invoice_id)
        .join(LedgerPayment, LedgerPayment.id == LedgerAllocation.payment_id)
        .join(BankTransaction, BankTransaction.id == LedgerPayment.bank_transaction_id)
        .join(StatementRow, StatementRow.id == BankTransaction.statement_row_id)
        .join(ImportFile, ImportFile.id == BankTransaction.import_file_id)
        .where(LedgerAllocation.created_at >= start, LedgerAllocation.created_at < end)
        .order_by(LedgerAllocation.id)
        .execution_options(yield_per=5000)
    )
    for a, inv, pay, tx, statement_id, file_name in allocations:
        yield {
            "entry_type": "allocation",
            "entry_id": f"A{a.id}",
            "created_at": a.created_at.astimezone(UTC).isoformat() if a.created_at.tzinfo else a.created_at.isoformat(),
            "invoice_id": inv.invoice_id,
            "customer_id": inv.customer_id,
            "currency": inv.currency,
            "amount": as_text(a.amount),
            "invoice_amount": as_text(inv.amount),
            "invoice_open_amount": as_text(inv.open_amount),
            "payment_id": str(pay.id),
            "payment_amount": as_text(pay.amount),
            "bank_ref": tx.bank_ref,
            "booking_date": tx.booking_date.isoformat() if tx.booking_date else None,
            "value_date": tx.value_date.isoformat() if tx.value_date else None,
            "statement_id": statement_id,
            "account": tx.account_key,
            "file": file_name,
            "kind": a.kind,
            "reverses_entry_id": f"A{a.reverses_id}" if a.reverses_id else None,
            "actor": a.actor,
            "approved_by": None,
            "reason": a.reason,
        }
    write_offs = session.execute(
        select(LedgerWriteOff, LedgerInvoice)
        .join(LedgerInvoice, LedgerInvoice.id == LedgerWriteOff.invoice_id)
        .where(LedgerWriteOff.created_at >= start, LedgerWriteOff.created_at < end)
        .order_by(LedgerWriteOff.id)
    )
    for w, inv in write_offs:
        yield {
            "entry_type": "write_off",
            "entry_id": f"W{w.id}",
            "created_at": w.created_at.astimezone(UTC).isoformat() if w.created_at.tzinfo else w.created_at.isoformat(),
            "invoice_id": inv.invoice_id,
            "customer_id": inv.customer_id,
            "currency": inv.currency,
            "amount": as_text(w.amount),
            "invoice_amount": as_text(inv.amount),
            "invoice_open_amount": as_text(inv.open_amount),
            "payment_id": str(w.payment_id) if w.payment_id else None,
            "payment_amount": None,
            "bank_ref": None,
            "booking_date": None,
            "value_date": None,
            "statement_id": None,
            "account": None,
            "file": None,
            "kind": "write_off",
            "reverses_entry_id": None,
            "actor": w.actor,
            "approved_by": w.approved_by,
            "reason": w.reason,
        }


def write_export(session: Session, date_from: date, date_to: date, out: TextIO) -> int:
    """Write the CSV; returns the number of rows."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in export_rows(session, date_from, date_to):
        writer.writerow(row)
        n += 1
    return n
