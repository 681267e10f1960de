"""SWIFT MT940 statements, read the way a user reads them: through ``gateway.statements.read``."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.statements.mt940 import MT940
from gateway.errors import InputError
from gateway.model import Source, Statement, Transaction
from gateway.model.references import RF
from gateway.statements import ParsedFile, read

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements" / "mt940"


def _read(name: str) -> ParsedFile:
    return read(FIXTURES / name)


def _only(name: str) -> Statement:
    parsed = _read(name)
    assert len(parsed.statements) == 1
    return parsed.statements[0]


# -- detection -------------------------------------------------------------------------------------------


def test_a_swift_envelope_is_recognised_by_content() -> None:
    assert MT940.detect(b"{1:F01COBADEFFAXXX0000000000}{2:I940COBADEFFXXXXN}{4:\r\n:20:X\r\n")


def test_a_file_starting_with_a_bank_header_line_is_recognised() -> None:
    assert MT940.detect(b"ABNANL2A\n940\nABNANL2A\n:20:ABN AMRO BANK NV\n:25:517852257\n:28:19321/1\n")


def test_rabobank_940_header_and_cr_only_endings_are_recognised() -> None:
    assert MT940.detect(b":940:\r:20:940S130403\r:25:NL50RABO0123456789\r")


def test_other_text_is_not_mt940() -> None:
    assert not MT940.detect(b"OFXHEADER:100\nDATA:OFXSGML\n<OFX>")
    assert not MT940.detect(
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
    )
    assert not MT940.detect(b"Date;Text;Amount\n2025-01-01;x;1,00\n")


# -- statements and accounts -----------------------------------------------------------------------------


def test_a_swift_envelope_with_two_messages_gives_two_statements_for_two_accounts() -> None:
    parsed = _read("swift_envelope_two_accounts.sta")
    assert parsed.source.format == "mt940"
    assert parsed.source.version == "MT940"
    assert parsed.source.dialect is not None and parsed.source.dialect.startswith("swift-envelope")
    first, second = parsed.statements
    assert first.statement_id == "STMT20250301A"
    assert first.account.number == "DE89370400440532013000"
    assert first.account.iban == "DE89370400440532013000"
    assert first.sequence_number == "00055/001"
    assert [t.amount for t in first.transactions] == [Decimal("-250.00"), Decimal("1200.50")]
    assert second.account.number == "37040044/0532013001"
    assert second.account.bank_id == "37040044"
    assert second.account.iban is None
    assert second.sequence_number == "1"
    assert second.opening_balance is not None and second.opening_balance.amount == Decimal("-40.00")


def test_balances_keep_their_types_in_file_order() -> None:
    first, second = _read("swift_envelope_two_accounts.sta").statements
    assert [(b.type, b.amount, b.date) for b in first.balances] == [
        ("OPBD", Decimal("1000.00"), date(2025, 2, 28)),
        ("CLBD", Decimal("1950.50"), date(2025, 3, 1)),
        ("CLAV", Decimal("1950.50"), date(2025, 3, 1)),
    ]
    assert [b.type for b in second.balances] == ["OPBD", "CLBD", "FWAV"]
    assert first.currency == "EUR"
    assert first.balances_reconcile is True


def test_the_customer_reference_and_bank_reference_of_a_statement_line() -> None:
    first = _read("swift_envelope_two_accounts.sta").statements[0]
    nonref, invoice = first.transactions
    assert nonref.entry_ref is None  # NONREF means "no reference"
    assert nonref.bank_ref == "BK0301001"
    assert invoice.entry_ref == "INV-2025-17"
    assert invoice.bank_tx_code is not None and invoice.bank_tx_code.proprietary == "NTRF"
    assert invoice.bank_tx_code.issuer == "SWIFT"
    assert [t.entry for t in first.transactions] == [1, 2]
    assert invoice.location == "line 8"
    assert invoice.currency == "EUR"


# -- amounts, signs, dates -------------------------------------------------------------------------------


def test_an_rc_line_is_a_debit_and_an_rd_line_a_credit() -> None:
    st = _only("reversals.sta")
    assert [(t.amount, t.is_reversal) for t in st.transactions] == [
        (Decimal("30.00"), False),
        (Decimal("-30.00"), True),
        (Decimal("-12.50"), False),
        (Decimal("12.50"), True),
    ]
    assert st.balances_reconcile is True


def test_amounts_without_decimals_or_with_a_point_keep_their_scale() -> None:
    st = _only("amount_formats.sta")
    assert [str(t.amount) for t in st.transactions] == ["500", "-0.50", "-0.25"]
    assert st.opening_balance is not None and str(st.opening_balance.amount) == "1000.50"
    assert st.sequence_number == "00001/001"  # the old :28: tag
    assert st.balances_reconcile is True


def test_an_entry_date_in_january_after_a_december_value_date_is_in_the_next_year() -> None:
    late, early = _only("year_rollover.sta").transactions
    assert late.value_date == date(2025, 12, 31)
    assert late.booking_date == date(2026, 1, 2)
    assert early.value_date == date(2026, 1, 2)
    assert early.booking_date == date(2025, 12, 31)


def test_cr_only_line_endings_are_lines() -> None:
    st = _only("cr_only_line_endings.sta")
    (tx,) = st.transactions
    assert tx.location == "line 5"
    assert tx.remittance_text == "Old Mac export with CR line endings"
    assert st.sequence_number == "3"


def test_a_statement_that_does_not_balance_is_flagged_not_rejected() -> None:
    st = _only("does_not_balance.sta")
    assert st.balances_reconcile is False
    assert st.warnings and "do not add up" in st.warnings[0]


# -- field 86 --------------------------------------------------------------------------------------------


def test_german_structured_86_with_sepa_identifiers_and_cp1252_umlauts() -> None:
    parsed = _read("german_86_cp1252.sta")
    assert parsed.source.encoding == "cp1252"
    assert parsed.source.dialect == "german-86"
    debit, credit = parsed.statements[0].transactions
    assert debit.amount == Decimal("-89.90")  # "DR": debit with funds code R
    assert debit.bank_tx_code is not None and debit.bank_tx_code.proprietary == "105"
    assert debit.extra["swift_transaction_type"] == "NMSC"
    assert debit.extra["booking_text"] == "SEPA-BASISLASTSCHRIFT"
    assert debit.end_to_end_id == "ABO-2025-03-4711"
    assert debit.mandate_id == "M-0815"
    assert debit.creditor_id == "DE98ZZZ09999999999"
    assert debit.remittance_text == "Abo März Zeitschrift Günstiger Leben"
    assert debit.counterparty_name == "MÜLLER & SÖHNE Verlagsgesellschaft mbH"
    assert debit.counterparty_iban == "DE02120300000000202051"
    assert debit.counterparty_bic == "GENODEF1S04"
    assert credit.counterparty_name == "Jürgen Weiß"
    assert credit.end_to_end_id is None  # NOTPROVIDED
    assert credit.remittance_text == "Honorar Projekt Straßenbau Nachtrag Februar"  # ?2x and ?60


def test_dutch_structured_86_with_an_rf_reference_and_a_return() -> None:
    parsed = _read("dutch_ing_structured.sta")
    assert parsed.source.dialect == "swift-envelope+dutch-86"
    st = parsed.statements[0]
    assert st.account.number == "NL20INGB0001234567EUR"
    assert st.account.iban == "NL20INGB0001234567"
    paid, refund, returned = st.transactions
    assert paid.end_to_end_id == "FACT-2025-0042"
    assert paid.counterparty_name == "J. de Vries"
    assert paid.counterparty_iban == "NL91ABNA0417164300"
    assert paid.counterparty_bic == "ABNANL2A"
    assert paid.structured_reference is not None and paid.structured_reference.type == RF
    assert paid.structured_reference.valid is True
    assert paid.extra["supplementary_details"] == "/TRCD/00100/"
    assert refund.remittance_text == "Terugbetaling borg kratten"
    assert refund.counterparty_name == "Bakkerij Jansen B.V."
    assert returned.is_reversal and returned.amount == Decimal("-75.25")
    assert returned.return_reason == "AC04"
    assert returned.counterparty_iban == "NL91ABNA0417164300"  # wrapped mid-IBAN at 65 characters


def test_an_mt942_interim_report_is_read_by_the_same_adapter() -> None:
    parsed = _read("mt942_interim.sta")
    assert parsed.source.version == "MT942"
    st = parsed.statements[0]
    assert st.opening_balance is None and st.balances_reconcile is None
    (tx,) = st.transactions
    assert tx.amount == Decimal("-19.99") and tx.currency == "EUR"


# -- streaming contract ----------------------------------------------------------------------------------


def test_the_adapter_yields_each_statement_before_its_transactions() -> None:
    data = (FIXTURES / "swift_envelope_two_accounts.sta").read_bytes()
    events = list(MT940.parse(io.BytesIO(data), Source(path="memory")))
    kinds = ["S" if isinstance(e, Statement) else "T" for e in events]
    assert kinds == ["S", "T", "T", "S", "T"]
    assert all(not e.transactions for e in events if isinstance(e, Statement))
    assert all(isinstance(e, Transaction) for e in events[1:3])


# -- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "where", "says"),
    [
        ("malformed_61.sta", "line 5", "does not start with a value date"),
        ("malformed_balance.sta", "line 4", "does not read as"),
        ("invalid_date.sta", "line 5", "not a valid date"),
        ("transaction_before_statement.sta", "line 1", "before the start of a statement"),
        ("missing_account.sta", "line 4", "no account identification"),
        ("truncated_envelope.sta", "line 7", "truncated"),
        ("envelope_not_closed.sta", "line 6", "a new SWIFT message starts before"),
        ("tags_without_statement.sta", None, "no statement"),
        ("not_mt940.txt", None, "not a bank statement"),
    ],
)
def test_bad_input_is_an_input_error_that_says_where_and_what(
    name: str, where: str | None, says: str
) -> None:
    path = FIXTURES / "bad" / name
    with pytest.raises(InputError) as err:
        read(path)
    assert err.value.file == str(path)
    assert err.value.where == where
    assert says in err.value.message


def test_forcing_mt940_on_text_without_tags_says_it_is_not_mt940() -> None:
    with pytest.raises(InputError) as err:
        read(FIXTURES / "bad" / "not_mt940.txt", fmt="mt940")
    assert "not an MT940 file" in err.value.message
