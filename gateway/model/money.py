"""Money: a Decimal amount with its currency. Never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from gateway.errors import InputError

# ISO 4217 minor units that differ from 2; everything else has 2.
_MINOR_UNITS: dict[str, int] = {
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}


def minor_units(currency: str) -> int:
    """Number of decimals a currency is quoted in (ISO 4217)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def parse_decimal(text: str, *, decimal_comma: bool = False) -> Decimal:
    """Read a decimal amount exactly as written; raises InputError on anything that is not one.

    ``decimal_comma`` accepts ``1.234,56`` / ``1234,56`` (MT940, some OFX banks).
    """
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if decimal_comma or ("," in s and "." not in s):
        s = s.replace(".", "").replace(",", ".") if decimal_comma else s.replace(",", ".")
    if s.endswith("."):
        s += "0"
    if s.startswith("."):
        s = "0" + s
    if s.startswith(("-.", "+.")):
        s = s[0] + "0" + s[1:]
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise InputError(f"not a decimal amount: {text!r}") from None
    if not value.is_finite():
        raise InputError(f"not a decimal amount: {text!r}")
    return value


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be Decimal, not {type(self.amount).__name__}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def quantized(self) -> Money:
        """Rounded to the currency's minor unit (only for display; stored amounts keep their scale)."""
        exp = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exp), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
