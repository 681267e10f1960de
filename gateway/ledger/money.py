"""Small exact helpers: integer sort keys and the zero of a sum."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

ZERO = Decimal(0)
_THOUSAND = Decimal(1000)


def milli(amount: Decimal) -> int:
    """The amount in thousandths, as an integer sort and filter key (exact for up to 3 decimals)."""
    return int((amount * _THOUSAND).to_integral_value(rounding=ROUND_HALF_EVEN))


def as_text(amount: Decimal | None) -> str | None:
    """Money in audit JSON and CSV: the exact decimal as written, never a float."""
    return None if amount is None else format(amount, "f")
