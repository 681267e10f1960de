"""ISO 20022 camt.053 / camt.052 / camt.054, read the way a user reads them: through
``gateway.statements.read`` (so the balance check, the counts and the error wrapping with the file name
all apply)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pytest
from lxml import etree

from adapters.statements import camt
from adapters.statements._xml import iterparse as hardened_iterparse
from adapters.statements.camt import CAMT052, CAMT053, CAMT054
from gateway.errors import InputError, UnsafeInputError
from gateway.model import Source, Statement, Transaction, TxStatus
from gateway.model.references import CH_QRR, RF
from gateway.statements import ParsedFile, choose_parser, read

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements" / "camt"
BAD = FIXTURES / "bad"
NS053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def _read(name: str) -> ParsedFile:
    return read(FIXTURES / name)


def _only(name: str) -> Statement:
    parsed = _read(name)
    assert len(parsed.statements) == 1
    return parsed.statements[0]


def _entry(
    amount: str = "10.00", indicator: str = "CRDT", booked: str = "2026-01-05", details: str = ""
) -> str:
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>{booked}</Dt></BookgDt>{details}</Ntry>"
    )


def _camt053(*statements: list[str], namespace: str = NS053) -> bytes:
    """A small camt.053 with one Stmt per list of entries."""
    body = "".join(
        f"<Stmt><Id>S{i}</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(entries)
        + "</Stmt>"
        for i, entries in enumerate(statements, 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{namespace}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-01-05T10:00:00</CreDtTm></GrpHdr>{body}"
        "</BkToCstmrStmt></Document>"
    ).encode()


def _read_bytes(tmp_path: Path, content: bytes, fmt: str = "auto") -> ParsedFile:
    path = tmp_path / "statement.xml"
    path.write_bytes(content)
    return read(path, fmt)


def _error(tmp_path: Path, content: bytes) -> InputError:
    path = tmp_path / "statement.xml"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read(path)
    assert str(path) in str(err.value), "the error names the file"
    return err.value


# -- detection -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("camt053_v02_collection_return_rf_fx.xml", "camt053"),
        ("camt053_v08_two_accounts.xml", "camt053"),
        ("camt053_v13.xml", "camt053"),
        ("camt053_v01_bbban_versioned.xml", "camt053"),
        ("camt053_no_namespace.xml", "camt053"),
        ("camt052_v08_intraday_pending.xml", "camt052"),
        ("camt054_v04_notification.xml", "camt054"),
    ],
)
def test_each_message_kind_is_recognised_by_its_content(name: str, fmt: str) -> None:
    head = (FIXTURES / name).read_bytes()[:65536]
    assert choose_parser(head).name == fmt
    assert [p.name for p in (CAMT052, CAMT053, CAMT054) if p.detect(head)] == [fmt]


def test_the_message_element_wins_over_a_wrong_namespace() -> None:
    head = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrAcctRpt><GrpHdr>'
    assert CAMT052.detect(head) and not CAMT053.detect(head)


def test_an_empty_document_is_recognised_by_its_namespace_alone() -> None:
    head = b'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>'
    assert CAMT054.detect(head) and not CAMT053.detect(head)


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">'
        b"<CstmrCdtTrfInitn><GrpHdr><MsgId>P1</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>",
        b'<?xml version="1.0"?><invoice><number>BkToCstmrStmt</number></invoice>',
        b"BkToCstmrStmt urn:iso:std:iso:20022:tech:xsd:camt.053.001.02 in plain text",
        b"",
    ],
)
def test_xml_that_is_not_camt_is_not_taken_for_camt(head: bytes) -> None:
    assert not any(p.detect(head) for p in (CAMT052, CAMT053, CAMT054))


def test_a_payment_order_is_refused_as_not_a_statement(tmp_path: Path) -> None:
    content = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">'
        b"<CstmrCdtTrfInitn><GrpHdr><MsgId>P1</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>"
    )
    assert "not a recognised bank statement" in str(_error(tmp_path, content))


# -- the statement header ----------------------------------------------------------------------------------


def test_the_source_says_what_was_read() -> None:
    parsed = _read("camt053_v02_collection_return_rf_fx.xml")
    assert parsed.source.format == "camt053"
    assert parsed.source.version == "camt.053.001.02"
    assert parsed.source.dialect == "iso20022"
    assert parsed.source.encoding == "utf-8"


def test_the_header_gives_account_identification_and_period() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    assert st.message_id == "STMT-20260131-0001"
    assert st.statement_id == "2026-01-31-DE89"
    assert st.electronic_sequence_number == "31"
    assert st.sequence_number == "12"
    assert st.created_at == datetime(2026, 2, 1, 6, 15, tzinfo=timezone(timedelta(hours=1)))
    assert (st.period_start, st.period_end) == (date(2026, 1, 31), date(2026, 1, 31))
    assert st.account.iban == "DE89370400440532013000"
    assert st.account.currency == "EUR"
    assert st.account.owner_name == "Lindenhof Fitness GmbH"
    assert st.account.servicer_bic == "COBADEFFXXX"
    assert st.location == "/Document/BkToCstmrStmt/Stmt[1]"


def test_opening_is_opbd_even_after_prcd_and_every_balance_is_kept_in_file_order() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    assert [(b.type, b.amount, b.date) for b in st.balances] == [
        ("PRCD", Decimal("1000.00"), date(2026, 1, 30)),
        ("OPBD", Decimal("1000.00"), date(2026, 1, 31)),
        ("CLBD", Decimal("1232.50"), date(2026, 1, 31)),
    ]
    assert st.opening_balance is not None and st.opening_balance.type == "OPBD"
    assert st.closing_balance is not None and st.closing_balance.amount == Decimal("1232.50")
    assert st.balances_reconcile is True


def test_a_debit_balance_is_negative_and_a_proprietary_balance_keeps_its_code() -> None:
    st = _read("camt053_v08_two_accounts.xml").statements[0]
    assert st.opening_balance is not None and st.opening_balance.amount == Decimal("-120.40")
    assert [b.type for b in st.balances] == ["OPBD", "CLBD", "BLOCKED"]
    assert st.balances_reconcile is True


def test_without_opbd_the_previously_closed_balance_opens_and_a_datetime_gives_the_date() -> None:
    st = _read("camt053_v08_two_accounts.xml").statements[1]
    assert st.opening_balance is not None
    assert (st.opening_balance.type, st.opening_balance.amount) == ("PRCD", Decimal("500.00"))
    assert st.opening_balance.date == date(2026, 3, 1)
    assert st.balances_reconcile is True


def test_several_statements_for_several_accounts_in_one_file() -> None:
    parsed = _read("camt053_v08_two_accounts.xml")
    first, second = parsed.statements
    assert first.account.iban == "CH9300762011623852957" and first.currency == "CHF"
    assert second.account.iban is None and second.account.number == "0762-4410.77.3"
    assert second.currency == "EUR"
    assert [len(first.transactions), len(second.transactions)] == [5, 1]
    assert second.location == "/Document/BkToCstmrStmt/Stmt[2]"
    assert second.transactions[0].location == "/Document/BkToCstmrStmt/Stmt[2]/Ntry[1]"
    assert first.message_id == second.message_id == "CH-EOD-20260302-77"


# -- entries and their transaction details -------------------------------------------------------------


def test_a_collection_of_three_direct_debits_becomes_three_transactions_of_one_entry() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    batch = [t for t in st.transactions if t.entry == 1]
    assert [t.amount for t in batch] == [Decimal("50.00"), Decimal("70.00"), Decimal("30.00")]
    assert [t.batch_index for t in batch] == [1, 2, 3]
    assert {t.batch_size for t in batch} == {3}
    assert {t.entry_amount for t in batch} == {Decimal("150.00")}
    assert [t.counterparty_name for t in batch] == ["Jana Becker", "Tobias Wendt", "Aylin Kaya"]
    assert [t.mandate_id for t in batch] == ["MANDATE-0042", "MANDATE-0043", "MANDATE-0044"]
    assert batch[0].creditor_id == "DE98ZZZ09999999999"
    assert batch[0].counterparty_iban == "DE02120300000000202051"
    assert batch[0].counterparty_bic == "BYLADEM1001"
    assert batch[0].location == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/NtryDtls[1]/TxDtls[1]"
    assert batch[1].extra["ultimate_debtor"] == "Wendt Familie"
    assert str(batch[0].bank_tx_code) == "PMNT/IDDT/BBDD"
    assert batch[0].bank_tx_code is not None and batch[0].bank_tx_code.proprietary == "NDDT+171"
    assert batch[0].entry_ref == "COLL-2026-01"


def test_several_unstructured_remittance_lines_are_joined_with_a_space() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    assert st.transactions[0].remittance_text == "Membership January 2026 member 0042"


def test_bank_reference_is_the_details_then_the_entrys_servicer_reference_then_the_entry_reference() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    by_entry = {t.entry: t for t in st.transactions}
    assert st.transactions[0].bank_ref == "2026013100017-1"
    assert st.transactions[2].bank_ref == "2026013100017"
    assert by_entry[5].bank_ref == "FEE-2026-01"


def test_notprovided_is_no_end_to_end_id() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    assert st.transactions[0].end_to_end_id == "MEMBER-0042-2026-01"
    assert st.transactions[2].end_to_end_id is None


def test_without_remittance_in_the_details_the_entrys_additional_information_is_used() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    assert st.transactions[2].remittance_text == "SEPA Lastschrift Sammler"
    fee = [t for t in st.transactions if t.entry == 5][0]
    assert fee.remittance_text == "Kontofuehrungsentgelt Januar"
    assert fee.batch_index is None and fee.batch_size == 1
    assert fee.location == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[5]"


def test_a_returned_direct_debit_is_a_reversal_booked_as_a_debit_with_its_reason() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    (ret,) = [t for t in st.transactions if t.entry == 2]
    assert ret.is_reversal
    assert ret.amount == Decimal("-70.00") and ret.entry_amount == Decimal("-70.00")
    assert ret.return_reason == "MD06"
    assert ret.extra["return_info"] == "Refund request by the debtor"
    # the counterparty stays the member whose debit came back, not ourselves
    assert ret.counterparty_name == "Tobias Wendt"
    assert ret.counterparty_iban == "DE75512108001245126199"


def test_an_rf_creditor_reference_is_recognised_and_checked() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    (paid,) = [t for t in st.transactions if t.entry == 3]
    assert paid.structured_reference is not None
    assert paid.structured_reference.type == RF and paid.structured_reference.valid is True
    assert paid.structured_reference.value == "RF18539007547034"


def test_a_usd_payment_booked_in_eur_keeps_the_instructed_amount_and_the_rate() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    (fx,) = [t for t in st.transactions if t.entry == 4]
    assert (fx.amount, fx.currency) == (Decimal("-92.50"), "EUR")
    assert (fx.original_amount, fx.original_currency) == (Decimal("-100.00"), "USD")
    assert fx.exchange_rate == Decimal("0.925")
    assert fx.counterparty_name == "Summit Gear Inc."
    assert fx.counterparty_account == "026009593-4471190" and fx.counterparty_iban is None
    assert fx.counterparty_bic == "BOFAUS3N"
    assert fx.value_date == date(2026, 2, 2)
    assert fx.extra["instruction_id"] == "PAY-7781"


def test_amounts_in_the_booked_currency_have_no_original_amount() -> None:
    st = _only("camt053_v02_collection_return_rf_fx.xml")
    assert all(t.original_amount is None for t in st.transactions if t.entry != 4)


def test_newer_versions_read_status_codes_nested_party_names_and_bicfi() -> None:
    st = _read("camt053_v08_two_accounts.xml").statements[0]
    qr = st.transactions[0]
    assert qr.status is TxStatus.BOOKED
    assert qr.counterparty_name == "Familie Gerber"
    assert qr.counterparty_bic == "CRESCHZZ80A"
    assert qr.extra["uetr"] == "4f1c2b9a-77d1-4e0c-9c1e-2b6f3a9d1e55"


def test_a_swiss_qr_reference_keeps_its_declared_type() -> None:
    st = _read("camt053_v08_two_accounts.xml").statements[0]
    ref = st.transactions[0].structured_reference
    assert ref is not None and ref.type == CH_QRR and ref.valid is True


def test_one_detail_without_amount_in_a_batch_gets_the_remainder() -> None:
    st = _read("camt053_v08_two_accounts.xml").statements[0]
    batch = [t for t in st.transactions if t.entry == 2]
    assert [t.amount for t in batch] == [Decimal("-100.00"), Decimal("-120.00"), Decimal("-80.00")]
    assert batch[2].extra["amount_source"] == "remainder of the entry amount"
    assert batch[2].remittance_text == "Kurs Woche 9"  # AddtlTxInf stands in for missing remittance
    names = [t.counterparty_name for t in batch]
    assert names == ["Bergbahn Taxi GmbH", "Hotel Edelweiss", "Skischule Arosa"]


def test_a_batch_whose_details_carry_no_amounts_stays_one_transaction() -> None:
    st = _read("camt053_v08_two_accounts.xml").statements[0]
    (merged,) = [t for t in st.transactions if t.entry == 3]
    assert merged.amount == merged.entry_amount == Decimal("-45.00")
    assert merged.batch_size == 1 and merged.batch_index is None
    assert merged.counterparty_name is None  # two different shops: naming one would be wrong
    assert merged.extra["counterparty_name_all"] == "Bahnhofkiosk; Bergbeizli"
    assert merged.extra["end_to_end_id_all"] == "CARD-1; CARD-2"
    assert merged.remittance_text == "Kiosk 01.03.; Restaurant 01.03."
    assert "merged_tx_details" in merged.extra
    assert merged.location == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]"


def test_a_booking_date_time_gives_the_booking_date() -> None:
    st = _read("camt053_v08_two_accounts.xml").statements[1]
    assert st.transactions[0].booking_date == date(2026, 3, 2)
    assert st.transactions[0].remittance_text == "Zinsgutschrift Februar"


# -- camt.052 intraday, camt.054 notifications ------------------------------------------------------------


def test_an_intraday_report_has_pending_and_information_entries() -> None:
    st = _only("camt052_v08_intraday_pending.xml")
    assert [t.status for t in st.transactions] == [
        TxStatus.BOOKED, TxStatus.PENDING, TxStatus.PENDING, TxStatus.INFO,
    ]
    assert [t.amount for t in st.transactions] == [
        Decimal("400.00"), Decimal("-89.99"), Decimal("-1250.00"), Decimal("0.00"),
    ]
    assert st.transactions[2].counterparty_name == "M. Jansen"
    assert st.transactions[2].counterparty_bic == "INGBNL2A"
    assert [b.type for b in st.balances] == ["ITBD"]
    assert st.opening_balance is None and st.closing_balance is None
    assert st.balances_reconcile is None
    assert st.location == "/Document/BkToCstmrAcctRpt/Rpt[1]"


def test_a_returned_outgoing_transfer_in_a_notification() -> None:
    parsed = _read("camt054_v04_notification.xml")
    assert (parsed.source.format, parsed.source.version) == ("camt054", "camt.054.001.04")
    (ret,) = parsed.statements[0].transactions
    assert ret.is_reversal and ret.amount == Decimal("1200.00")
    assert ret.return_reason == "AM04"
    assert ret.extra["return_info"] == "Insufficient funds at the creditor side"
    # reversal of our own transfer: the counterparty is the creditor we had paid
    assert ret.counterparty_name == "Transports Lefebvre"
    assert ret.counterparty_iban == "FR7630006000011234567890189"
    assert ret.counterparty_bic == "AGRIFRPP"
    # the detail's bank transaction code replaces the entry's
    assert ret.bank_tx_code is not None and ret.bank_tx_code.proprietary == "RJCT-AM04"
    assert ret.remittance_text == "RETOUR VIREMENT FACT-2026-118"
    assert ret.extra["transaction_id"] == "TX-99881"
    assert ret.location == "/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[1]"


# -- old, new and namespace-less files --------------------------------------------------------------------


def test_a_file_without_namespace_is_read_with_a_warning_and_its_declared_encoding() -> None:
    parsed = _read("camt053_no_namespace.xml")
    assert parsed.source.version is None
    assert parsed.source.encoding == "iso-8859-1"
    st = parsed.statements[0]
    assert any("no camt namespace" in w for w in st.warnings)
    assert st.transactions[0].counterparty_name == "Bäckerei Grünwald"
    assert st.transactions[0].remittance_text == "Frühstück Team Juni"
    assert st.balances_reconcile is True


def test_an_old_v01_file_with_versioned_message_bban_and_details_directly_under_the_entry() -> None:
    parsed = _read("camt053_v01_bbban_versioned.xml")
    assert parsed.source.version == "camt.053.001.01"
    st = parsed.statements[0]
    assert st.account.iban is None and st.account.number == "50000012345"
    assert st.location == "/Document/BkToCstmrStmtV01/Stmt[1]"
    (tx,) = st.transactions
    assert tx.amount == Decimal("2500")  # the scale as written
    assert tx.counterparty_name == "Lundqvist Bygg"
    assert tx.counterparty_account == "83279123456789"
    assert tx.end_to_end_id == "OCR 4471190"
    assert st.sequence_number == "211"


def test_a_v13_file_reads_like_the_others() -> None:
    parsed = _read("camt053_v13.xml")
    assert parsed.source.version == "camt.053.001.13"
    st = parsed.statements[0]
    assert st.account.owner_name == "Harbour Lane Ltd"
    assert st.closing_balance is not None and st.closing_balance.amount == Decimal("-15.25")
    (tx,) = st.transactions
    assert tx.counterparty_name == "Northern Water plc"
    assert tx.extra["ultimate_creditor"] == "Northern Water Billing"
    assert tx.mandate_id == "DDI-558812"
    assert str(tx.bank_tx_code) == "DDR" and tx.bank_tx_code is not None and tx.bank_tx_code.issuer == "NWBK"
    assert st.balances_reconcile is True


def test_a_statement_without_entries_is_still_a_statement(tmp_path: Path) -> None:
    parsed = _read_bytes(tmp_path, _camt053([], [_entry()]))
    assert [len(s.transactions) for s in parsed.statements] == [0, 1]
    assert parsed.statements[0].statement_id == "S1"


# -- streaming -------------------------------------------------------------------------------------------


def test_the_statement_comes_before_its_transactions_and_is_not_filled_by_the_adapter() -> None:
    with (FIXTURES / "camt053_v08_two_accounts.xml").open("rb") as f:
        events = list(CAMT053.parse(f, Source(path="x")))
    kinds = ["S" if isinstance(e, Statement) else "T" for e in events]
    assert kinds == ["S", "T", "T", "T", "T", "T", "S", "T"]
    assert all(isinstance(e, Transaction) or e.transactions == [] for e in events)


class _CountingStream(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(b), 16384))
        b[: len(chunk)] = chunk
        self.consumed += len(chunk)
        return len(chunk)


def test_a_large_file_is_streamed_not_read_whole() -> None:
    content = _camt053([_entry(f"{i}.00") for i in range(1, 20001)])
    stream = _CountingStream(content)
    events = CAMT053.parse(io.BufferedReader(stream, 16384), Source(path="big.xml"))
    first = [next(events) for _ in range(3)]
    assert isinstance(first[0], Statement) and isinstance(first[2], Transaction)
    assert stream.consumed < len(content) // 4
    assert sum(1 for _ in events) == 19998


# -- bad input --------------------------------------------------------------------------------------------


def test_an_entry_without_amount_is_refused_with_its_element_path(tmp_path: Path) -> None:
    broken = "<Ntry><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>"
    err = _error(tmp_path, _camt053([_entry()], [_entry()] * 6 + [broken]))
    assert err.where == "/Document/BkToCstmrStmt/Stmt[2]/Ntry[7]/Amt"
    assert "no amount" in err.message


@pytest.mark.parametrize(
    ("entry", "where", "message"),
    [
        (_entry(amount="12,50"), "Ntry[1]/Amt", "not an amount: '12,50'"),
        (_entry(amount="-12.50"), "Ntry[1]/Amt", "negative amount"),
        (_entry(amount=""), "Ntry[1]/Amt", "empty"),
        (_entry(indicator="CREDIT"), "Ntry[1]/CdtDbtInd", "CRDT or DBIT, not 'CREDIT'"),
        (_entry(booked="2026-02-30"), "Ntry[1]/BookgDt/Dt", "not a date: '2026-02-30'"),
        (
            _entry(details='<NtryDtls><TxDtls/><TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">1.x</Amt></TxAmt>'
                   "</AmtDtls></TxDtls></NtryDtls>"),
            "Ntry[1]/NtryDtls[1]/TxDtls[2]/AmtDtls/TxAmt/Amt",
            "not an amount",
        ),
        (
            _entry(details="<NtryDtls><TxDtls><CdtDbtInd>X</CdtDbtInd></TxDtls></NtryDtls>"),
            "Ntry[1]/NtryDtls[1]/TxDtls[1]/CdtDbtInd",
            "CRDT or DBIT",
        ),
    ],
)
def test_a_bad_value_in_an_entry_names_its_element(
    tmp_path: Path, entry: str, where: str, message: str
) -> None:
    err = _error(tmp_path, _camt053([entry]))
    assert err.where == f"/Document/BkToCstmrStmt/Stmt[1]/{where}"
    assert message in err.message


def test_a_bad_balance_names_its_element(tmp_path: Path) -> None:
    balance = '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">abc</Amt></Bal>'
    content = _camt053([]).replace(b"<Ccy>EUR</Ccy></Acct>", b"<Ccy>EUR</Ccy></Acct>" + balance.encode())
    err = _error(tmp_path, content)
    assert err.where == "/Document/BkToCstmrStmt/Stmt[1]/Bal[1]/Amt"


def test_a_truncated_file_is_refused_with_the_line() -> None:
    path = BAD / "camt053_truncated.xml"
    with pytest.raises(InputError) as err:
        read(path)
    assert str(path) in str(err.value)
    assert err.value.where is not None and err.value.where.startswith("line ")
    assert "malformed XML" in err.value.message


@pytest.mark.parametrize("name", ["camt053_billion_laughs.xml", "camt053_xxe.xml"])
def test_entity_tricks_are_refused_as_unsafe(name: str) -> None:
    with pytest.raises(UnsafeInputError) as err:
        read(BAD / name)
    assert name in str(err.value)


def test_the_xxe_file_never_shows_what_it_points_at() -> None:
    with pytest.raises(UnsafeInputError) as err:
        read(BAD / "camt053_xxe.xml")
    assert "root:" not in str(err.value)


def test_a_document_without_the_message_element_is_refused(tmp_path: Path) -> None:
    err = _error(tmp_path, f'<?xml version="1.0"?>\n<Document xmlns="{NS053}">\n</Document>\n'.encode())
    assert err.where == "/Document"
    assert "no BkToCstmrStmt message" in err.message


def test_a_message_without_statements_is_refused(tmp_path: Path) -> None:
    content = _camt053()
    err = _error(tmp_path, content)
    assert err.where == "/Document/BkToCstmrStmt"
    assert "has no Stmt" in err.message


def test_an_account_report_without_reports_is_refused(tmp_path: Path) -> None:
    content = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt">'
        b"<BkToCstmrAcctRpt>\n</BkToCstmrAcctRpt></Document>"
    )
    err = _error(tmp_path, content)
    assert err.where == "/Document/BkToCstmrAcctRpt" and "has no Rpt" in err.message


def test_forcing_the_wrong_camt_kind_says_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "statement.xml"
    path.write_bytes(_camt053([_entry()]))
    with pytest.raises(InputError, match="no BkToCstmrAcctRpt message"):
        read(path, "camt052")


def test_an_empty_stream_is_an_input_error() -> None:
    with pytest.raises(InputError):
        list(CAMT053.parse(io.BytesIO(b""), Source(path="empty.xml")))


def _python_tag_filter(
    stream: BinaryIO, events: tuple[str, ...] = ("end",), tag: tuple[str, ...] | None = None
) -> Iterator[tuple[str, etree._Element]]:
    """The hardened reader with lxml's ``tag`` filter done in Python: the same events, for the test."""
    wanted = {t.rpartition("}")[2] for t in tag or ()}
    for event, elem in hardened_iterparse(stream, events=events):
        if tag is None or (isinstance(elem.tag, str) and elem.tag.rpartition("}")[2] in wanted):
            yield event, elem


@pytest.mark.parametrize("name", sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("**/*.xml")))
def test_reading_only_the_elements_that_matter_gives_the_same_result(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the shared reader filters tags in lxml, the camt reader sees only entries, statements,
    group and message headers; what it makes of them must not change."""
    try:
        unfiltered = _read(name)
    except InputError as exc:
        unfiltered_error: str | None = str(exc)
    else:
        unfiltered_error = None
    monkeypatch.setattr(camt, "iterparse", _python_tag_filter)
    for parser in (CAMT052, CAMT053, CAMT054):
        tags = ("{*}Ntry", "{*}" + parser.statement, "{*}GrpHdr", "{*}" + parser.message)
        monkeypatch.setattr(parser, "event_filter", {"tag": tags})
    if unfiltered_error is not None:
        with pytest.raises(InputError) as err:
            _read(name)
        assert str(err.value) == unfiltered_error
        return
    filtered = _read(name)
    assert filtered.source == unfiltered.source
    assert filtered.statements == unfiltered.statements
