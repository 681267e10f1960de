"""How importing keeps each payment once, told as stories, on SQLite and PostgreSQL.

The events are built in code, as an adapter yields them, so these stories do not depend on a format.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.importing import FileReport, Importer, Status
from gateway.statements import Event
from gateway.storage.repositories import counts
from gateway.storage.tables import BankTransaction, ImportEvent, ImportFile, StatementRow
from tests.importing.synthetic import payment, sha_of, statement


def run(importer: Importer, events: Sequence[Event], name: str, salt: str = "") -> FileReport:
    return importer.import_events(events, path=f"in/{name}", sha256=sha_of(events, salt), size=100)


def stored(sessions: sessionmaker[Session]) -> list[BankTransaction]:
    with sessions() as s:
        return list(s.scalars(select(BankTransaction).order_by(BankTransaction.id)))


def test_a_statement_is_stored_with_every_transaction(sessions: sessionmaker[Session]) -> None:
    events = statement([payment("12.50", ref="R1"), payment("-3.10", ref="R2", text="Card")])
    report = run(Importer(sessions), events, "march.sta")
    assert (report.status, report.statements_new, report.transactions_added) == (Status.IMPORTED, 1, 2)
    rows = stored(sessions)
    assert [r.amount for r in rows] == [Decimal("12.50"), Decimal("-3.10")]
    assert [r.position for r in rows] == [1, 2]
    assert all(r.dedup_key and r.possible_duplicate_of_id is None for r in rows)
    with sessions() as s:
        st = s.scalars(select(StatementRow)).one()
        assert (st.statement_id, st.closing_amount, st.transactions_added) == ("STMT-1", Decimal("109.40"), 2)
        assert s.scalars(select(ImportFile)).one().status == Status.IMPORTED
        assert s.scalars(select(ImportEvent.outcome)).all() == [Status.IMPORTED]


def test_the_same_file_again_adds_nothing_and_says_when_it_was_imported(
    sessions: sessionmaker[Session],
) -> None:
    events = statement([payment("12.50", ref="R1")])
    importer = Importer(sessions)
    run(importer, events, "march.sta")
    again = run(importer, events, "copy-of-march.sta")
    assert again.status == Status.ALREADY_IMPORTED
    assert again.notes and again.notes[0].startswith("already imported (on ")
    with sessions() as s:
        assert counts(s) | {"import_events": 0} == {
            "import_files": 1,
            "statements": 1,
            "bank_transactions": 1,
            "import_events": 0,
        }
        assert s.scalars(select(ImportEvent.outcome).order_by(ImportEvent.id)).all() == [
            Status.IMPORTED,
            Status.ALREADY_IMPORTED,
        ]


def test_a_re_delivered_statement_adds_nothing(sessions: sessionmaker[Session]) -> None:
    """The bank sends the same statement again in a new file (another download, another hash)."""
    events = statement([payment("12.50", ref="R1"), payment("7.00")])
    importer = Importer(sessions)
    run(importer, events, "download-1.xml")
    report = run(importer, events, "download-2.xml", salt="other bytes")
    assert report.status == Status.NOTHING_NEW
    assert (report.statements_new, report.statements_known, report.transactions_added) == (0, 1, 0)
    assert report.duplicates_skipped == 2
    assert "already imported from download-1.xml" in report.notes[0]
    assert len(stored(sessions)) == 2


def test_an_overlapping_download_stores_only_the_new_transactions(sessions: sessionmaker[Session]) -> None:
    """Days 1-15, then days 10-20: what the bank references twice is skipped, the rest is added."""
    first = statement(
        [
            payment("10.00", ref="A", booked=date(2024, 3, 5)),
            payment("20.00", ref="B", booked=date(2024, 3, 12)),
        ],
        statement_id="DL-1",
        end=date(2024, 3, 15),
    )
    second = statement(
        [
            payment("20.00", ref="B", booked=date(2024, 3, 12)),
            payment("30.00", ref="C", booked=date(2024, 3, 18)),
        ],
        statement_id="DL-2",
        start=date(2024, 3, 10),
        end=date(2024, 3, 20),
        opening="110.00",
    )
    importer = Importer(sessions)
    run(importer, first, "first.xml")
    report = run(importer, second, "second.xml")
    assert (report.statements_new, report.transactions_added, report.duplicates_skipped) == (1, 1, 1)
    assert report.possible_duplicates == []
    assert [(r.bank_ref, r.amount) for r in stored(sessions)] == [
        ("A", Decimal("10.00")),
        ("B", Decimal("20.00")),
        ("C", Decimal("30.00")),
    ]


def test_two_identical_payments_on_one_day_are_both_kept(sessions: sessionmaker[Session]) -> None:
    """No bank reference, same everything: the occurrence within the statement tells them apart."""
    events = statement([payment("5.00", text="Coffee"), payment("5.00", text="Coffee")])
    report = run(Importer(sessions), events, "coffee.sta")
    assert (report.transactions_added, report.duplicates_skipped, report.possible_duplicates) == (2, 0, [])
    rows = stored(sessions)
    assert [r.match_key.rsplit("#", 1)[1] for r in rows] == ["1", "2"]


def test_the_same_statement_id_next_year_is_a_new_statement(sessions: sessionmaker[Session]) -> None:
    """MT940 statement numbers restart every year; the period keeps the two statements apart."""
    importer = Importer(sessions)
    this_year = statement([payment("1.00", ref="X1")], statement_id="1/1")
    next_year = statement(
        [payment("1.00", ref="Y1", booked=date(2025, 3, 4))],
        statement_id="1/1",
        start=date(2025, 3, 1),
        end=date(2025, 3, 31),
    )
    run(importer, this_year, "2024.sta")
    report = run(importer, next_year, "2025.sta")
    assert (report.statements_new, report.statements_known, report.transactions_added) == (1, 0, 1)


def test_a_bank_reference_reused_with_other_content_is_kept_and_flagged(
    sessions: sessionmaker[Session],
) -> None:
    importer = Importer(sessions)
    run(importer, statement([payment("10.00", ref="REF-9")], statement_id="S1"), "one.xml")
    report = run(
        importer,
        statement([payment("99.00", ref="REF-9")], statement_id="S2", start=date(2024, 4, 1), end=date(2024, 4, 30)),
        "two.xml",
    )
    assert report.transactions_added == 1
    [flag] = report.possible_duplicates
    assert "bank reference 'REF-9'" in flag.evidence and "one.xml" in flag.evidence
    assert "then 10.00 EUR" in flag.evidence and "now 99.00 EUR" in flag.evidence
    first, second = stored(sessions)
    assert second.possible_duplicate_of_id == first.id
    assert second.dedup_key is None and second.duplicate_evidence == flag.evidence


def test_the_same_payment_without_reference_in_another_statement_is_kept_and_flagged(
    sessions: sessionmaker[Session],
) -> None:
    """Without a bank reference nobody can tell a re-sent payment from a second one: store it, flag it."""
    importer = Importer(sessions)
    run(importer, statement([payment("42.00")], statement_id="A"), "a.sta")
    report = run(importer, statement([payment("42.00")], statement_id="B", opening="142.00"), "b.sta")
    assert report.transactions_added == 1
    [flag] = report.possible_duplicates
    assert "no bank reference" in flag.evidence and "a.sta" in flag.evidence and "line 12" in flag.evidence
    first, second = stored(sessions)
    assert second.possible_duplicate_of_id == first.id


def test_a_corrected_statement_adds_only_what_is_new(sessions: sessionmaker[Session]) -> None:
    """Same statement id and period, one more entry: the known payments are skipped, not flagged."""
    importer = Importer(sessions)
    run(importer, statement([payment("1.00"), payment("2.00", text="other")]), "v1.sta")
    report = run(importer, statement([payment("1.00"), payment("2.00", text="other"), payment("3.00")]), "v2.sta")
    assert (report.statements_new, report.transactions_added, report.duplicates_skipped) == (1, 1, 2)
    assert report.possible_duplicates == []


def test_a_reference_twice_in_one_statement_keeps_both_and_flags_the_second(
    sessions: sessionmaker[Session],
) -> None:
    events = statement([payment("8.00", ref="SAME"), payment("8.00", ref="SAME")])
    report = run(Importer(sessions, batch_size=1000), events, "twice.xml")
    assert report.transactions_added == 2
    [flag] = report.possible_duplicates
    assert "appears twice in one statement" in flag.evidence
    first, second = stored(sessions)
    assert second.possible_duplicate_of_id == first.id


def test_batches_do_not_change_the_outcome(sessions: sessionmaker[Session]) -> None:
    """Small batches: keys are checked against the rows already written by this same file."""
    txs = [payment(f"{i}.00", ref=f"R{i % 7}", text=f"t{i}") for i in range(1, 30)]
    report = run(Importer(sessions, batch_size=4), statement(txs), "many.xml")
    assert report.transactions_added == 29
    assert len(report.possible_duplicates) == 29 - 7
    rows = stored(sessions)
    by_id = {r.id: r for r in rows}
    for r in rows:
        if r.possible_duplicate_of_id is not None:
            assert by_id[r.possible_duplicate_of_id].bank_ref == r.bank_ref
            assert by_id[r.possible_duplicate_of_id].dedup_key is not None


def test_every_transaction_field_is_stored(sessions: sessionmaker[Session]) -> None:
    from dataclasses import replace

    from gateway.model import BankTxCode, CreditorReference, TxStatus

    tx = replace(
        payment("-1234.5678", ref="FULL"),
        status=TxStatus.PENDING,
        counterparty_account="12345678",
        counterparty_bic="ABNANL2A",
        structured_reference=CreditorReference.parse("RF18539007547034"),
        end_to_end_id="E2E-1",
        mandate_id="M-1",
        creditor_id="DE98ZZZ09999999999",
        bank_tx_code=BankTxCode("PMNT", "RDDT", "ESDD", "NDDT+105", "DK"),
        is_reversal=True,
        return_reason="AC04",
        original_amount=Decimal("1400.00"),
        original_currency="USD",
        exchange_rate=Decimal("0.881834215"),
        batch_index=2,
        batch_size=3,
        entry_ref="NTRY-7",
        extra={"gvc": "105", "prima nota": "9201"},
    )
    run(Importer(sessions), statement([tx]), "full.xml")
    [row] = stored(sessions)
    assert (row.status, row.counterparty_account, row.counterparty_bic) == ("pending", "12345678", "ABNANL2A")
    assert (row.structured_reference, row.structured_reference_type, row.structured_reference_valid) == (
        "RF18539007547034",
        "ISO11649",
        True,
    )
    assert (row.bank_tx_domain, row.bank_tx_family, row.bank_tx_subfamily) == ("PMNT", "RDDT", "ESDD")
    assert (row.bank_tx_proprietary, row.bank_tx_issuer) == ("NDDT+105", "DK")
    assert (row.is_reversal, row.return_reason, row.entry_ref) == (True, "AC04", "NTRY-7")
    assert (row.amount, row.original_amount, row.exchange_rate) == (
        Decimal("-1234.5678"),
        Decimal("1400.00"),
        Decimal("0.881834215"),
    )
    assert (row.batch_index, row.batch_size, row.match_key) == (2, 3, "ref:FULL#2")
    assert row.extra == {"gvc": "105", "prima nota": "9201"}
