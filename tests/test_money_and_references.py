"""Money is exact and carries its currency; references are recognised and their check digits checked."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import InputError
from gateway.model import CreditorReference, Money, minor_units, parse_decimal
from gateway.model import references as refs


def test_amounts_are_read_exactly_with_their_scale() -> None:
    assert parse_decimal("18.150") == Decimal("18.150")
    assert str(parse_decimal("18.150")) == "18.150"
    assert parse_decimal("1234,56") == Decimal("1234.56")
    assert parse_decimal("1.234,56", decimal_comma=True) == Decimal("1234.56")
    assert parse_decimal("500,") == Decimal("500.0")
    assert parse_decimal("-.5") == Decimal("-0.5")


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "NaN", "Infinity", "12 EUR"])
def test_what_is_not_an_amount_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="not a decimal amount"):
        parse_decimal(text)


def test_money_refuses_floats_and_mixed_currencies() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="EUR and USD"):
        Money(Decimal("1"), "EUR") + Money(Decimal("1"), "USD")
    assert Money(Decimal("1.10"), "EUR") + Money(Decimal("2.205"), "EUR") == Money(Decimal("3.305"), "EUR")


def test_minor_units_follow_iso_4217() -> None:
    assert minor_units("EUR") == 2
    assert minor_units("JPY") == 0
    assert minor_units("KWD") == 3
    assert Money(Decimal("10.005"), "JPY").quantized().amount == Decimal("10")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**12, max_value=10**12))
def test_decimal_text_round_trips(value: Decimal) -> None:
    assert parse_decimal(str(value)) == value


def test_iso11649_reference_is_recognised_and_checked() -> None:
    good = CreditorReference.parse("RF18 5390 0754 7034")
    assert good.type == refs.RF and good.valid is True
    bad = CreditorReference.parse("RF19 5390 0754 7034")
    assert bad.type == refs.RF and bad.valid is False
    assert refs.is_valid_rf("RF18539007547034")


def test_belgian_structured_communication() -> None:
    ref = CreditorReference.parse("+++010/8068/17183+++")
    assert ref.type == refs.BE_OGM and ref.valid is True
    assert CreditorReference.parse("+++010/8068/17180+++").valid is False


def test_dutch_betalingskenmerk() -> None:
    # 16 digits; the first is the weighted mod-11 check over the other 15.
    body = "123456789012345"
    for check in range(10):
        candidate = f"{check}{body}"
        if refs._nl_is_valid(candidate):
            break
    ref = CreditorReference.parse(candidate)
    assert ref.type == refs.NL_BETALINGSKENMERK and ref.valid is True


def test_a_declared_type_is_kept_when_the_text_says_nothing() -> None:
    ref = CreditorReference.of("INV-2026-0042", "SCOR")
    assert ref.type == "SCOR" and ref.valid is None
    assert CreditorReference.of("RF18539007547034", "SCOR").type == refs.RF
