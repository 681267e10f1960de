"""The JSON shape of parsed statements (``gateway parse``): decimals as strings, dates ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from gateway.model import Balance, Source, Statement, Transaction


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _d(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def balance_json(b: Balance | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {"type": b.type, "amount": str(b.amount), "currency": b.currency, "date": _d(b.date)}


def transaction_json(t: Transaction) -> dict[str, Any]:
    ref = t.structured_reference
    code = t.bank_tx_code
    return {
        "bank_ref": t.bank_ref,
        "amount": str(t.amount),
        "currency": t.currency,
        "booking_date": _d(t.booking_date),
        "value_date": _d(t.value_date),
        "status": t.status.value,
        "counterparty_name": t.counterparty_name,
        "counterparty_iban": t.counterparty_iban,
        "counterparty_account": t.counterparty_account,
        "counterparty_bic": t.counterparty_bic,
        "remittance_text": t.remittance_text,
        "structured_reference": ref.value if ref else None,
        "structured_reference_type": ref.type if ref else None,
        "structured_reference_valid": ref.valid if ref else None,
        "end_to_end_id": t.end_to_end_id,
        "mandate_id": t.mandate_id,
        "creditor_id": t.creditor_id,
        "bank_tx_code": str(code) if code else None,
        "bank_tx_code_detail": (
            {
                "domain": code.domain,
                "family": code.family,
                "subfamily": code.subfamily,
                "proprietary": code.proprietary,
                "issuer": code.issuer,
            }
            if code
            else None
        ),
        "is_reversal": t.is_reversal,
        "return_reason": t.return_reason,
        "original_amount": _s(t.original_amount),
        "original_currency": t.original_currency,
        "exchange_rate": _s(t.exchange_rate),
        "entry": t.entry,
        "entry_amount": str(t.entry_amount),
        "entry_currency": t.entry_currency or t.currency,
        "entry_ref": t.entry_ref,
        "batch_index": t.batch_index,
        "batch_size": t.batch_size,
        "location": t.location,
        "extra": t.extra or None,
    }


def statement_json(st: Statement) -> dict[str, Any]:
    a = st.account
    return {
        "statement_id": st.statement_id,
        "message_id": st.message_id,
        "account": {
            "iban": a.iban,
            "number": a.number,
            "currency": a.currency,
            "servicer_bic": a.servicer_bic,
            "bank_id": a.bank_id,
            "owner_name": a.owner_name,
            "kind": a.kind,
        },
        "currency": st.currency,
        "sequence_number": st.sequence_number,
        "electronic_sequence_number": st.electronic_sequence_number,
        "created_at": _d(st.created_at),
        "period_start": _d(st.period_start),
        "period_end": _d(st.period_end),
        "opening_balance": _s(st.opening_balance.amount) if st.opening_balance else None,
        "closing_balance": _s(st.closing_balance.amount) if st.closing_balance else None,
        "balances": [balance_json(b) for b in st.balances],
        "balances_reconcile": st.balances_reconcile,
        "warnings": st.warnings,
        "extra": st.extra or None,
        "location": st.location,
        "transaction_count": st.transaction_count,
        "transactions": [transaction_json(t) for t in st.transactions],
    }


def source_json(source: Source) -> dict[str, Any]:
    return {
        "file": source.path,
        "format": source.format,
        "version": source.version,
        "dialect": source.dialect,
        "encoding": source.encoding,
        "sha256": source.sha256,
    }


def parsed_json(source: Source, statements: list[Statement]) -> dict[str, Any]:
    return {**source_json(source), "statements": [statement_json(s) for s in statements]}
