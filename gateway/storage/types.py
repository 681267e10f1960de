"""Exact money in the database.

SQLite has no exact decimal type (its NUMERIC affinity turns ``10.10`` into the REAL 10.1), so amounts
are stored there as canonical decimal strings and keep the scale the bank wrote. PostgreSQL gets a real
``NUMERIC`` without a declared scale: exact, summable in SQL, and it keeps the scale of each value
(``10.10`` reads back as ``10.10``, where ``NUMERIC(p, s)`` would pad it to ``s`` places). Both backends
accept the same range, checked here: 18 integer digits and 20 decimals. Amounts have 0-3 decimals and
camt ``XchgRate`` up to 9, but some OFX producers write binary-float noise such as ``-995.4190396554627``;
that is what the file says, so it is kept exactly rather than rounded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

PRECISION = 38
SCALE = 20
# An amount in the canonical text form: sign, digits, optional fraction; no exponent.
_TEXT_LENGTH = PRECISION + 3


class ExactDecimal(TypeDecorator[Decimal]):
    """``Decimal`` in, the same ``Decimal`` out: NUMERIC where the database has it, text on SQLite."""

    impl = Numeric(asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(_TEXT_LENGTH))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            # A float here would already have lost the exact value: refuse rather than store it.
            raise TypeError(f"money columns take Decimal, not {type(value).__name__}")
        if not value.is_finite():
            raise ValueError(f"money columns take finite amounts, not {value}")
        if not fits(value):
            raise ValueError(f"amount {value} has more than {PRECISION - SCALE} integer digits or {SCALE} decimals")
        if value.as_tuple().exponent < -SCALE:  # type: ignore[operator]
            value = value.quantize(_QUANTUM)  # only trailing zeros go: fits() said so
        if dialect.name == "sqlite":
            return canonical(value)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value
        return Decimal(str(value))


def canonical(value: Decimal) -> str:
    """Plain notation, never an exponent, scale as given: ``Decimal('1E+2')`` -> ``'100'``."""
    text = format(value, "f")
    return text[1:] if value == 0 and text.startswith("-") else text


def fits(value: Decimal) -> bool:
    """True when ``value`` has at most PRECISION - SCALE integer digits and SCALE decimals."""
    if value == 0:
        return True
    if value.adjusted() >= PRECISION - SCALE:
        return False
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite values only reach here
    return exponent >= -SCALE or value == value.quantize(_QUANTUM)


_QUANTUM = Decimal(1).scaleb(-SCALE)
