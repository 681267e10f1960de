"""Statements and transactions built in code, as an adapter would yield them (no file format involved)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from gateway.model import Account, Balance, Source, Statement, Transaction
from gateway.statements import Event

IBAN = "DE89370400440532013000"


def payment(
    amount: str,
    *,
    booked: date = date(2024, 3, 4),
    ref: str | None = None,
    text: str = "Invoice 4711",
    counterparty: str | None = "NL91ABNA0417164300",
    entry: int = 1,
) -> Transaction:
    value = Decimal(amount)
    return Transaction(
        amount=value,
        currency="EUR",
        entry=entry,
        entry_amount=value,
        location=f"line {entry * 2 + 10}",
        bank_ref=ref,
        booking_date=booked,
        value_date=booked,
        counterparty_name="ACME BV",
        counterparty_iban=counterparty,
        remittance_text=text,
    )


def statement(
    transactions: Sequence[Transaction],
    *,
    statement_id: str = "STMT-1",
    opening: str = "100.00",
    start: date = date(2024, 3, 1),
    end: date = date(2024, 3, 31),
    iban: str = IBAN,
) -> list[Event]:
    """A statement followed by its transactions, entries numbered in order; the closing balance adds up."""
    txs = [replace(t, entry=i, location=f"line {10 + 2 * i}") for i, t in enumerate(transactions, 1)]
    open_amount = Decimal(opening)
    close_amount = open_amount + sum((t.amount for t in txs), Decimal(0))
    st = Statement(
        source=Source(path="synthetic", format="synthetic", version="1", encoding="utf-8"),
        account=Account(iban=iban, currency="EUR"),
        location="line 1",
        statement_id=statement_id,
        created_at=datetime(end.year, end.month, end.day, 23, 0),
        period_start=start,
        period_end=end,
        opening_balance=Balance("OPBD", open_amount, "EUR", start),
        closing_balance=Balance("CLBD", close_amount, "EUR", end),
        transaction_count=len(txs),
        balances_reconcile=True,
    )
    st.balances = [st.opening_balance, st.closing_balance]  # type: ignore[list-item]
    return [st, *txs]


def sha_of(events: Sequence[Event], salt: str = "") -> str:
    """A stand-in file hash: different events (or salts) make different "files"."""
    return hashlib.sha256((repr(events) + salt).encode()).hexdigest()
