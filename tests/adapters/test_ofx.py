"""OFX statements as users meet them: OFX 1.x SGML and 2.x XML files from real banks, with their quirks.

Every test reads a hand-written fixture (or a small variant of one) through ``gateway.statements.read``,
the way the rest of the gateway does.
"""

from __future__ import annotations

import io
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.statements import _ofx_body
from adapters.statements._ofx_header import read_header
from adapters.statements.ofx import OFX
from gateway.errors import InputError, UnsafeInputError
from gateway.model import Source, Statement
from gateway.statements import iter_events, read

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements" / "ofx"


def _one(name: str) -> Statement:
    parsed = read(FIXTURES / name)
    assert parsed.source.format == "ofx"
    assert len(parsed.statements) == 1
    return parsed.statements[0]


def _variant(tmp_path: Path, fixture: str, old: bytes, new: bytes) -> Path:
    data = (FIXTURES / fixture).read_bytes()
    assert old in data
    path = tmp_path / f"variant-{fixture}"
    path.write_bytes(data.replace(old, new, 1))
    return path


# --- a plain OFX 1.02 checking statement -------------------------------------------------------------


def test_a_checking_statement_names_its_account_period_and_balances() -> None:
    parsed = read(FIXTURES / "checking_102_usascii.ofx")
    assert (parsed.source.version, parsed.source.dialect, parsed.source.encoding) == ("102", "sgml", "ascii")
    st = parsed.statements[0]
    assert (st.account.number, st.account.bank_id, st.account.kind) == ("4417-0092", "121000248", "checking")
    assert st.currency == "USD"
    assert (st.period_start, st.period_end) == (date(2024, 1, 1), date(2024, 1, 31))
    assert st.created_at == datetime(2024, 1, 31, 12, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert st.opening_balance is None  # OFX has none
    assert st.closing_balance is not None
    assert (st.closing_balance.type, st.closing_balance.amount) == ("CLBD", Decimal("3983.95"))
    assert [(b.type, b.amount, b.date) for b in st.balances] == [
        ("CLBD", Decimal("3983.95"), date(2024, 1, 31)),
        ("CLAV", Decimal("3883.95"), date(2024, 1, 31)),
    ]
    assert st.statement_id is None
    assert st.balances_reconcile is None  # no opening balance to check against


def test_each_stmttrn_is_one_transaction_signed_as_written() -> None:
    st = _one("checking_102_usascii.ofx")
    assert [t.amount for t in st.transactions] == [
        Decimal("2500.00"), Decimal("-120.5"), Decimal("-300.00"), Decimal("-45.00"), Decimal("-50.55"),
    ]
    assert str(st.transactions[1].amount) == "-120.5"  # the scale the bank wrote
    assert [t.entry for t in st.transactions] == [1, 2, 3, 4, 5]
    assert all(t.entry_amount == t.amount for t in st.transactions)
    assert st.transactions[0].location == "line 43"


def test_a_salary_credit_carries_its_ofx_fields() -> None:
    salary = _one("checking_102_usascii.ofx").transactions[0]
    assert salary.bank_ref == "202401020001"  # FITID
    assert salary.booking_date == date(2024, 1, 2)  # DTPOSTED
    assert salary.value_date == date(2023, 12, 29)  # DTUSER
    assert salary.counterparty_name == "ACME PAYROLL"
    assert salary.remittance_text == "Salary December"
    assert salary.bank_tx_code is not None
    assert (salary.bank_tx_code.proprietary, salary.bank_tx_code.issuer) == ("DIRECTDEP", "OFX")


def test_a_check_keeps_its_number_payee_and_audit_fields() -> None:
    check = _one("checking_102_usascii.ofx").transactions[1]
    assert check.entry_ref == "1043"  # CHECKNUM
    assert check.counterparty_name == "Green Grocers"  # PAYEE/NAME when there is no NAME
    assert check.value_date is None  # no DTUSER: not guessed from DTPOSTED
    assert check.extra == {"DTAVAIL": "20240106", "REFNUM": "88-1043", "SIC": "5411"}


def test_a_correction_is_kept_for_audit_not_turned_into_a_reversal() -> None:
    transfer = _one("checking_102_usascii.ofx").transactions[2]
    assert transfer.extra["CORRECTFITID"] == "202401100001"
    assert transfer.extra["CORRECTACTION"] == "REPLACE"
    assert transfer.is_reversal is False
    assert transfer.counterparty_account == "4417-0100"  # BANKACCTTO/ACCTID
    assert transfer.extra["BANKACCTTO/BANKID"] == "121000248"


def test_a_foreign_currency_amount_and_a_converted_one() -> None:
    st = _one("checking_102_usascii.ofx")
    in_chf, from_eur = st.transactions[3], st.transactions[4]
    # CURRENCY: the amount itself is in CHF.
    assert (in_chf.amount, in_chf.currency) == (Decimal("-45.00"), "CHF")
    assert in_chf.exchange_rate == Decimal("1.1234")
    # ORIGCURRENCY: the amount is in the statement currency, converted from EUR.
    assert (from_eur.currency, from_eur.original_currency) == ("USD", "EUR")
    assert from_eur.exchange_rate == Decimal("1.0950")


# --- what real banks send ----------------------------------------------------------------------------


def test_charset_1252_names_keep_their_accents() -> None:
    parsed = read(FIXTURES / "charset_1252_accents.ofx")
    assert parsed.source.encoding == "cp1252"
    tx = parsed.statements[0].transactions[0]
    assert tx.counterparty_name == "Virement Interac à: Zoë Müller"
    assert tx.remittance_text == "Café crème"


def test_utf8_text_under_a_charset_1252_header_is_not_turned_into_mojibake(tmp_path: Path) -> None:
    data = (FIXTURES / "charset_1252_accents.ofx").read_bytes().decode("cp1252").encode("utf-8")
    path = tmp_path / "utf8-under-1252.ofx"
    path.write_bytes(data)
    parsed = read(path)
    assert parsed.statements[0].transactions[0].counterparty_name == "Virement Interac à: Zoë Müller"
    assert parsed.source.encoding == "utf-8"


def test_a_file_without_any_header_is_read() -> None:
    parsed = read(FIXTURES / "no_header.ofx")
    assert (parsed.source.version, parsed.source.dialect) == ("none", "sgml")
    st = parsed.statements[0]
    assert (st.account.number, st.currency) == ("00012345678", "EUR")
    assert [t.amount for t in st.transactions] == [Decimal("-19.99")]


def test_a_byte_order_mark_before_the_header_is_skipped() -> None:
    st = _one("bom.ofx")
    assert st.account.number == "5550001111"
    assert [t.amount for t in st.transactions] == [Decimal("0.42")]


def test_comma_decimals_are_accepted_in_amounts_and_balances() -> None:
    st = _one("comma_decimals.ofx")
    assert [t.amount for t in st.transactions] == [Decimal("1500.00"), Decimal("-12.34")]
    assert st.closing_balance is not None and st.closing_balance.amount == Decimal("1487.66")


def test_an_unescaped_ampersand_stays_and_an_escaped_one_is_decoded() -> None:
    tx = _one("unescaped_ampersand.ofx").transactions[0]
    assert tx.counterparty_name == "K&L Wines"
    assert tx.remittance_text == "Wine & cheese & more"


def test_a_time_zone_never_moves_a_booking_to_another_day() -> None:
    # 23:30 EST is already the next day in UTC; the bank's date is what was written.
    st = _one("timezone_est.ofx")
    tx = st.transactions[0]
    assert tx.booking_date == date(2024, 7, 5)
    assert tx.value_date == date(2024, 7, 4)
    assert (st.period_start, st.period_end) == (date(2024, 7, 1), date(2024, 7, 31))


def test_a_credit_card_statement_has_a_creditcard_account() -> None:
    st = _one("creditcard.ofx")
    assert (st.account.kind, st.account.number) == ("creditcard", "4111111111111111")
    assert st.account.bank_id is None
    assert [t.amount for t in st.transactions] == [Decimal("-89.99"), Decimal("250.00")]
    assert [(b.type, str(b.amount)) for b in st.balances] == [("CLBD", "-412.37"), ("CLAV", "4587.63")]


def test_a_bank_and_a_credit_card_statement_in_one_file_are_two_statements() -> None:
    parsed = read(FIXTURES / "bank_and_creditcard.ofx")
    bank, card = parsed.statements
    assert (bank.account.kind, bank.account.number) == ("savings", "123456")
    assert (card.account.kind, card.account.number) == ("creditcard", "4111111111111111")
    assert [t.amount for t in bank.transactions] == [Decimal("-80.00")]
    assert [t.entry for t in card.transactions] == [1, 2]  # numbered per statement
    assert bank.transaction_count == 1 and card.transaction_count == 2


def test_an_ofx_2_xml_file_is_read_with_entities_and_empty_elements() -> None:
    parsed = read(FIXTURES / "xml_211.ofx")
    assert (parsed.source.version, parsed.source.dialect, parsed.source.encoding) == ("211", "xml", "utf-8")
    st = parsed.statements[0]
    assert st.created_at == datetime(2024, 9, 15, 8, 30, tzinfo=timezone(timedelta(hours=2)))
    first, second = st.transactions
    assert first.counterparty_name == "Stadtwerke München & Co"
    assert second.counterparty_name == "Jürgen Weiß"
    assert second.remittance_text is None  # <MEMO/>


def test_leaf_end_tags_nested_like_aggregates_are_tolerated(tmp_path: Path) -> None:
    # Some exports close leaves in reverse, as if each leaf held the next:
    # <CODE>0 <SEVERITY>INFO </SEVERITY></CODE>.
    path = _variant(
        tmp_path, "no_header.ofx",
        b"<NAME>Librairie du Port\n",
        b"<NAME>Librairie du Port\n<MEMO>Livres\n</MEMO>\n</NAME>\n</FITID>\n</TRNAMT>\n",
    )
    tx = read(path).statements[0].transactions[0]
    assert (tx.counterparty_name, tx.remittance_text) == ("Librairie du Port", "Livres")


def test_everything_on_one_line_is_fine(tmp_path: Path) -> None:
    data = (FIXTURES / "creditcard.ofx").read_bytes().replace(b"\n", b"")
    path = tmp_path / "oneline.ofx"
    path.write_bytes(data)
    st = read(path).statements[0]
    assert [t.amount for t in st.transactions] == [Decimal("-89.99"), Decimal("250.00")]
    assert st.transactions[1].location == "line 1"


def test_an_empty_balance_is_no_balance_and_says_so(tmp_path: Path) -> None:
    path = _variant(tmp_path, "creditcard.ofx", b"<BALAMT>4587.63", b"<BALAMT>")
    st = read(path).statements[0]
    assert [b.type for b in st.balances] == ["CLBD"]
    assert any("AVAILBAL/BALAMT is empty" in w for w in st.warnings)


# --- detection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\n",
        b"\xef\xbb\xbf\r\nOFXHEADER:100DATA:OFXSGMLVERSION:102",
        b'<?xml version="1.0"?>\n<?OFX OFXHEADER="200" VERSION="211"?>\n<OFX>',
        b"  \n<OFX>\n<SIGNONMSGSRSV1>",
    ],
)
def test_ofx_is_recognised_by_content(head: bytes) -> None:
    assert OFX.detect(head)


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">',
        b":20:STARTUMSE\r\n:25:10020030/1234567\r\n",
        b"date;amount;name\r\n",
        b"",
    ],
)
def test_other_content_is_not_taken_for_ofx(head: bytes) -> None:
    assert not OFX.detect(head)


# --- bad input ---------------------------------------------------------------------------------------


def _error(path: Path, fmt: str = "auto") -> InputError:
    with pytest.raises(InputError) as caught:
        read(path, fmt)
    assert str(path) in str(caught.value), "the error names the file"
    return caught.value


def test_a_truncated_file_says_which_element_was_left_open() -> None:
    err = _error(FIXTURES / "bad" / "truncated.ofx")
    assert "truncated" in err.message and "<STMTTRN>" in err.message
    assert err.where is not None and err.where.startswith("line ")


def test_an_empty_file_is_an_input_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.ofx"
    empty.write_bytes(b"")
    assert "empty" in _error(empty).message


def test_a_header_without_a_body_is_an_input_error() -> None:
    err = _error(FIXTURES / "bad" / "header_without_body.ofx")
    assert "no" in err.message.lower() or "not followed" in err.message


def test_a_transaction_without_an_amount_is_refused(tmp_path: Path) -> None:
    err = _error(_variant(tmp_path, "creditcard.ofx", b"<TRNAMT>-89.99\n", b""))
    assert "TRNAMT" in err.message and err.where == "line 27"


def test_an_amount_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    err = _error(_variant(tmp_path, "creditcard.ofx", b"<TRNAMT>250.00", b"<TRNAMT>25O.00"))
    assert "not a number" in err.message and "25O.00" in err.message and err.where == "line 34"


def test_a_date_that_is_not_an_ofx_date_is_refused(tmp_path: Path) -> None:
    err = _error(_variant(tmp_path, "creditcard.ofx", b"<DTPOSTED>20240812", b"<DTPOSTED>12/08/2024"))
    assert "DTPOSTED" in err.message and err.where == "line 27"


def test_an_impossible_date_is_refused(tmp_path: Path) -> None:
    err = _error(_variant(tmp_path, "creditcard.ofx", b"<DTPOSTED>20240812", b"<DTPOSTED>20240231"))
    assert "DTPOSTED" in err.message


def test_a_transaction_without_a_booking_date_is_refused(tmp_path: Path) -> None:
    err = _error(_variant(tmp_path, "creditcard.ofx", b"<DTPOSTED>20240812\n", b""))
    assert "DTPOSTED" in err.message


def test_elements_that_do_not_nest_are_refused(tmp_path: Path) -> None:
    err = _error(_variant(tmp_path, "creditcard.ofx", b"</CCACCTFROM>", b"</BANKACCTFROM>"))
    assert "</BANKACCTFROM>" in err.message and err.where == "line 23"


def test_an_aggregate_closed_out_of_order_is_refused(tmp_path: Path) -> None:
    err = _error(_variant(tmp_path, "xml_211.ofx", b"</BANKTRANLIST>", b"</STMTRS>"))
    assert "do not nest" in err.message


def test_a_stray_angle_bracket_is_refused(tmp_path: Path) -> None:
    err = _error(_variant(tmp_path, "creditcard.ofx", b"<NAME>Online Bookshop", b"<NAME>Online <<Bookshop"))
    assert "malformed tag" in err.message and err.where == "line 32"


def test_a_statement_without_a_currency_is_refused(tmp_path: Path) -> None:
    err = _error(_variant(tmp_path, "creditcard.ofx", b"<CURDEF>USD\n", b""))
    assert "CURDEF" in err.message


def test_an_error_answer_from_the_bank_is_reported_as_such(tmp_path: Path) -> None:
    data = (FIXTURES / "xml_211.ofx").read_bytes()
    start, end = data.index(b"<STMTRS>"), data.index(b"</STMTRS>") + len(b"</STMTRS>")
    data = data[:start] + data[end:]
    ok = b"<CODE>0</CODE>\n        <SEVERITY>INFO"
    data = data.replace(ok, b"<CODE>2000</CODE>\n        <SEVERITY>ERROR")
    path = tmp_path / "error.ofx"
    path.write_bytes(data)
    err = _error(path)
    assert "error instead of a statement" in err.message and "2000" in err.message


def test_a_file_with_no_statement_at_all_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "signon-only.ofx"
    path.write_bytes(b"<OFX>\n<SIGNONMSGSRSV1>\n<SONRS>\n<DTSERVER>20240101\n</SONRS>\n</SIGNONMSGSRSV1>\n</OFX>\n")
    assert "no bank (STMTRS) or credit-card (CCSTMTRS) statement" in _error(path).message


@pytest.mark.parametrize(
    "declaration",
    [
        b'<!DOCTYPE OFX [<!ENTITY boom "boom">]>\n',
        b'<!ENTITY % remote SYSTEM "http://example.invalid/x">\n',
    ],
)
def test_an_ofx_2_file_with_a_dtd_or_entity_is_refused_as_unsafe(tmp_path: Path, declaration: bytes) -> None:
    path = _variant(tmp_path, "xml_211.ofx", b"<OFX>\n", declaration + b"<OFX>\n")
    with pytest.raises(UnsafeInputError):
        read(path)


def test_a_file_forced_to_ofx_that_is_not_ofx_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("date;amount;name\n2024-01-01;12.00;Shop\n")
    assert "not an OFX file" in _error(path, "ofx").message


# --- streaming ---------------------------------------------------------------------------------------


def _big_ofx(transactions: int) -> bytes:
    body = b"".join(
        b"<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>20240105\n<TRNAMT>-%d.%02d\n<FITID>%d\n"
        b"<NAME>Shop %d\n</STMTTRN>\n"
        % (i % 500, i % 100, i, i % 37)
        for i in range(transactions)
    )
    head = (FIXTURES / "creditcard.ofx").read_bytes()
    start, end = head.index(b"<STMTTRN>"), head.index(b"</BANKTRANLIST>")
    return head[:start] + body + head[end:]


def _peak_bytes(data: bytes) -> int:
    tracemalloc.start()
    try:
        for _ in OFX.parse(io.BufferedReader(io.BytesIO(data)), Source(path="big.ofx")):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_file_streams_one_transaction_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ofx_body, "CHUNK", 8 * 1024)  # so both files span many read chunks
    small, large = _big_ofx(2_000), _big_ofx(8_000)
    events = iter_events(io.BytesIO(small), Source(path="big.ofx"))
    count = sum(1 for e in events if not isinstance(e, Statement))
    assert count == 2_000
    # Four times the transactions, (nearly) the same memory: nothing is kept per transaction.
    assert _peak_bytes(large) < 1.3 * _peak_bytes(small)


def test_a_tag_split_across_read_chunks_is_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ofx_body, "CHUNK", 7)
    data = (FIXTURES / "xml_211.ofx").read_bytes()
    events = list(OFX.parse(io.BytesIO(data), Source(path="x")))
    assert [getattr(e, "amount", None) for e in events[1:]] == [Decimal("-42.00"), Decimal("1200.00")]


# --- agreement with ofxtools (the reference implementation of the OFX spec in Python) ----------------


def test_header_reading_agrees_with_ofxtools() -> None:
    from ofxtools.header import OFXHeaderV1

    for name in ("checking_102_usascii.ofx", "charset_1252_accents.ofx", "comma_decimals.ofx"):
        raw = (FIXTURES / name).read_bytes()
        parsed, _ = OFXHeaderV1.parse(raw.decode("ascii", "replace"))
        assert isinstance(parsed, OFXHeaderV1)
        theirs = parsed
        ours = read_header(raw)
        assert ours.version == str(theirs.version)
        if theirs.charset != "NONE":
            assert ours.encoding == theirs.codec.replace("_", "")


def test_our_aggregate_names_are_ofx_aggregates_in_ofxtools() -> None:
    from ofxtools.models.base import Aggregate

    def subclasses(cls: type) -> set[str]:
        out: set[str] = set()
        sub: type
        for sub in cls.__subclasses__():
            out |= {sub.__name__} | subclasses(sub)
        return out

    known = subclasses(Aggregate)
    assert {n.decode() for n in _ofx_body.AGGREGATES} <= known


def test_server_time_is_the_same_instant_ofxtools_reads() -> None:
    from ofxtools.Types import DateTime

    st = read(FIXTURES / "xml_211.ofx").statements[0]
    assert st.created_at == DateTime().convert("20240915083000.000[+2:CEST]")
