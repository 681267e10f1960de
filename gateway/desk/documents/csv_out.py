"""The documents as CSV: one row per printed line (statement) or per event (history), amounts as the exact
decimals of the ledger, never floats. The document id printed on the HTML and PDF is the start of the
SHA-256 of this CSV, so a printed copy is matched to its data by hashing the CSV."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from gateway.ledger.money import as_text

if TYPE_CHECKING:
    from gateway.desk.documents.history import PaymentHistory
    from gateway.desk.documents.statement import StatementOfAccount

STATEMENT_COLUMNS = (
    "customer_id",
    "as_of",
    "section",  # open_item | ageing | open_total | payment_on_account | total_due | payment
    "currency",
    "invoice_id",
    "kind",
    "issue_date",
    "due_date",
    "booking_date",
    "bank_ref",
    "amount",
    "open_amount",
    "applied",
    "days_overdue",
    "bucket",
    "detail",
)

HISTORY_COLUMNS = (
    "customer_id",
    "as_of",
    "date",
    "event",
    "currency",
    "invoice_id",
    "amount",
    "balance",
    "bank_ref",
    "end_to_end_id",
    "statement_id",
    "statement_account",
    "statement_period",
    "file_name",
    "file_sha256",
    "reference",
    "actor",
    "detail",
)

Cell = str | int | Decimal | date | None


# A text cell starting like a formula is opened as one by spreadsheets: such text gets a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return as_text(value) or ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


def _write(columns: Sequence[str], rows: Iterable[dict[str, Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        unknown = row.keys() - set(columns)
        assert not unknown, unknown
        writer.writerow([_text(row.get(c)) for c in columns])
    return out.getvalue()


def fingerprint(csv_text: str) -> str:
    """The document id: the first 16 hex digits of the SHA-256 of the CSV (UTF-8)."""
    return hashlib.sha256(csv_text.encode("utf-8")).hexdigest()[:16]


def _statement_rows(doc: StatementOfAccount) -> Iterable[dict[str, Cell]]:
    head: dict[str, Cell] = {"customer_id": doc.customer.customer_id, "as_of": doc.as_of}
    for s in doc.sections:
        for item in s.items:
            yield head | {
                "section": "open_item",
                "currency": s.currency,
                "invoice_id": item.invoice_id,
                "kind": item.kind,
                "issue_date": item.issue_date,
                "due_date": item.due_date,
                "amount": item.amount,
                "open_amount": item.open_amount,
                "days_overdue": item.days_overdue,
                "bucket": item.bucket,
                "detail": "disputed" if item.disputed else None,
            }
        for bucket, amount in s.ageing.items():
            yield head | {"section": "ageing", "currency": s.currency, "bucket": bucket, "open_amount": amount}
        yield head | {"section": "open_total", "currency": s.currency, "open_amount": s.open_total}
        for c in s.on_account:
            yield head | {
                "section": "payment_on_account",
                "currency": s.currency,
                "booking_date": c.booking_date,
                "bank_ref": c.bank_ref,
                "amount": c.amount,
                "open_amount": -c.unapplied,
                "detail": "payment on account",
            }
        yield head | {"section": "total_due", "currency": s.currency, "open_amount": s.total_due}
    for p in doc.payments:
        base = head | {
            "section": "payment",
            "currency": p.currency,
            "booking_date": p.booking_date,
            "bank_ref": p.bank_ref,
            "amount": p.amount,
            "detail": "direct debit returned" if p.returned else None,
        }
        if not p.applied:
            yield base | {"detail": base["detail"] or "on account"}
        for invoice_id, applied in p.applied:
            yield base | {"invoice_id": invoice_id, "applied": applied}


def statement_csv(doc: StatementOfAccount) -> str:
    return _write(STATEMENT_COLUMNS, _statement_rows(doc))


def _history_rows(doc: PaymentHistory) -> Iterable[dict[str, Cell]]:
    for e in doc.events:
        yield {
            "customer_id": doc.customer.customer_id,
            "as_of": doc.as_of,
            "date": e.day,
            "event": e.event,
            "currency": e.currency,
            "invoice_id": e.invoice_id,
            "amount": e.amount,
            "balance": e.balance,
            "bank_ref": e.bank_ref,
            "end_to_end_id": e.end_to_end_id,
            "statement_id": e.statement_id,
            "statement_account": e.statement_account,
            "statement_period": e.statement_period,
            "file_name": e.file_name,
            "file_sha256": e.file_sha256,
            "reference": e.reference,
            "actor": e.actor,
            "detail": e.detail,
        }


def history_csv(doc: PaymentHistory) -> str:
    return _write(HISTORY_COLUMNS, _history_rows(doc))


__all__ = ["HISTORY_COLUMNS", "STATEMENT_COLUMNS", "fingerprint", "history_csv", "statement_csv"]
