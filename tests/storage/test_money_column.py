"""Money columns keep the exact Decimal, on SQLite (as text) and on PostgreSQL (as NUMERIC)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import StatementError

from gateway.storage.tables import BalanceRow, ImportFile, StatementRow
from gateway.storage.types import canonical, fits

AMOUNTS = [
    "0",
    "0.00",
    "-0.00",
    "10.10",
    "1234567.891",
    "-99999999.99",
    "0.000001",
    "123456789012345678.1234567890",
    "-995.4190396554627",
    "1E+2",
    "-5",
    "0.881834215",
]


def _statement(engine: Engine) -> int:
    with engine.begin() as conn:
        file_id = conn.execute(
            insert(ImportFile).returning(ImportFile.id),
            [
                {
                    "sha256": "0" * 64,
                    "name": "n",
                    "path": "n",
                    "format": "f",
                    "size": 1,
                    "imported_at": datetime.now(UTC),
                    "status": "imported",
                }
            ],
        ).scalar_one()
        return conn.execute(
            insert(StatementRow).returning(StatementRow.id),
            [
                {
                    "import_file_id": file_id,
                    "location": "l",
                    "position": 1,
                    "account_key": "A",
                    "warnings": [],
                    "identity_key": "i",
                }
            ],
        ).scalar_one()


def test_amounts_round_trip_exactly_on_both_databases(engine: Engine) -> None:
    statement_id = _statement(engine)
    values = [Decimal(a) for a in AMOUNTS]
    with engine.begin() as conn:
        conn.execute(
            insert(BalanceRow),
            [
                {
                    "statement_row_id": statement_id,
                    "position": i,
                    "type": "OPBD",
                    "amount": v,
                    "currency": "EUR",
                }
                for i, v in enumerate(values)
            ],
        )
    with engine.connect() as conn:
        back = conn.execute(select(BalanceRow.amount).order_by(BalanceRow.position)).scalars().all()
    assert back == values
    # The scale the bank wrote survives too ("10.10" is not "10.1"), except that -0.00 is 0.00.
    assert [canonical(b) for b in back] == [canonical(v) for v in values]
    assert all(isinstance(b, Decimal) for b in back)


def test_amounts_sum_exactly_in_sql(engine: Engine) -> None:
    """On PostgreSQL NUMERIC adds exactly; on SQLite the text is summed in Python (never as REAL)."""
    statement_id = _statement(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(BalanceRow),
            [
                {
                    "statement_row_id": statement_id,
                    "position": i,
                    "type": "X",
                    "amount": Decimal("0.10"),
                    "currency": "EUR",
                }
                for i in range(10)
            ],
        )
    with engine.connect() as conn:
        total = sum(conn.execute(select(BalanceRow.amount)).scalars().all(), Decimal(0))
    assert total == Decimal("1.00")


def test_a_float_is_refused_before_it_reaches_the_database(engine: Engine) -> None:
    statement_id = _statement(engine)
    with pytest.raises(StatementError, match="take Decimal, not float"), engine.begin() as conn:
        conn.execute(
            insert(BalanceRow),
            [
                {
                    "statement_row_id": statement_id,
                    "position": 1,
                    "type": "X",
                    "amount": 0.1,
                    "currency": "EUR",
                }
            ],
        )


def test_an_amount_beyond_the_column_range_is_refused_not_rounded(engine: Engine) -> None:
    statement_id = _statement(engine)
    for too_much in ("1" * 19, "0." + "0" * 20 + "1"):
        with pytest.raises(StatementError, match="integer digits or"), engine.begin() as conn:
            conn.execute(
                insert(BalanceRow),
                [
                    {
                        "statement_row_id": statement_id,
                        "position": 1,
                        "type": "X",
                        "amount": Decimal(too_much),
                        "currency": "EUR",
                    }
                ],
            )


@settings(max_examples=300, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**17), max_value=10**17))
def test_canonical_text_reads_back_as_the_same_decimal(value: Decimal) -> None:
    assert fits(value)
    text = canonical(value)
    assert "E" not in text and Decimal(text) == value
    assert Decimal(text).as_tuple().exponent == value.as_tuple().exponent or value == 0
