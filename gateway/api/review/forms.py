"""Reading what people type into forms: amounts as exact decimals, never floats."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation


class FormError(ValueError):
    """A field cannot be read; the message names it."""


def amount(text: str | None, field: str = "amount") -> Decimal | None:
    """ "1234.50", "1,234.50", "1 234,50" -> Decimal; empty -> None."""
    raw = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if not raw:
        return None
    if "," in raw and "." in raw:
        raw = raw.replace(",", "") if raw.rfind(".") > raw.rfind(",") else raw.replace(".", "").replace(",", ".")
    elif "," in raw:
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise FormError(f"{field}: {text!r} is not an amount") from None
    if not value.is_finite():
        raise FormError(f"{field}: {text!r} is not an amount")
    return value


def day(text: str | None, field: str) -> date | None:
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from None
