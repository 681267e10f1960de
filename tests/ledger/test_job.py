"""The nightly job on the sample inbox: files imported, matched, applied and moved; a broken file set aside
with its error; a file delivered twice adds nothing; a returned direct debit reopens its invoice."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from gateway.ledger.export import write_export
from gateway.ledger.job import Outcome
from gateway.storage.ledger_tables import LedgerAllocation, LedgerAudit, LedgerJobFile, LedgerPayment
from gateway.storage.tables import BankTransaction
from tests.ledger.conftest import SAMPLE_INBOX, LedgerWorld


def _counts(world: LedgerWorld) -> dict[str, int]:
    with world.sessions() as session:
        return {
            name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in {
                "transactions": BankTransaction,
                "payments": LedgerPayment,
                "allocations": LedgerAllocation,
            }.items()
        }


def test_the_sample_inbox_is_imported_matched_applied_and_moved(world: LedgerWorld) -> None:
    world.deliver(*sorted(SAMPLE_INBOX.iterdir()))
    summary = world.run()

    assert [f.outcome for f in summary.files] == [Outcome.DONE] * 3
    totals = summary.totals
    assert (totals.transactions, totals.ignored, totals.returns) == (11, 1, 1)
    assert totals.matched >= 6 and totals.matched + totals.suggested + totals.unmatched == 9
    assert not list(world.config.inbox.iterdir())
    assert sorted(p.name for p in world.config.processed.iterdir()) == sorted(p.name for p in SAMPLE_INBOX.iterdir())
    # The split payment paid both invoices it names; the structured reference paid its invoice.
    assert world.invoice("AR-2026-0503").open_amount == 0
    assert world.invoice("AR-2026-0504").open_amount == 0
    assert world.invoice("AR-2026-0501").open_amount == 0
    world.assert_open_amounts_are_derived()


def test_a_returned_direct_debit_reopens_the_invoice_it_had_paid(world: LedgerWorld) -> None:
    camt, mt940 = sorted(SAMPLE_INBOX.iterdir())[:2]
    world.deliver(camt)
    world.run()
    assert world.invoice("AR-2026-0508").open_amount == 0  # collected

    world.deliver(mt940)  # a day later: the collection comes back (RC, end-to-end id AR-2026-0508)
    world.run()

    assert world.invoice("AR-2026-0508").open_amount == Decimal("245.00")
    returned = world.payment_by_ref("SPK0303-03")
    assert returned.status == "return" and returned.amount == Decimal("-245.00")
    with world.sessions() as session:
        history = session.execute(
            select(LedgerAllocation.amount, LedgerAllocation.kind)
            .order_by(LedgerAllocation.id)
            .where(LedgerAllocation.invoice_id == world.invoice("AR-2026-0508").id)
        ).all()
        trail = session.scalars(
            select(LedgerAudit.action).where(LedgerAudit.entity == "invoice", LedgerAudit.entity_id == "AR-2026-0508")
        ).all()
    assert [(a, k) for a, k in history] == [(Decimal("245.00"), "auto"), (Decimal("-245.00"), "return")]
    assert "allocate (return)" in trail
    world.assert_open_amounts_are_derived()


def test_a_re_delivered_file_adds_nothing(world: LedgerWorld) -> None:
    camt = sorted(SAMPLE_INBOX.iterdir())[0]
    world.deliver(camt)
    world.run()
    before = _counts(world)

    world.deliver(camt)  # the same bytes again
    world.deliver(camt, rename="resent-" + camt.name)  # and under another name
    summary = world.run()

    assert [f.outcome for f in summary.files] == [Outcome.ALREADY, Outcome.ALREADY]
    assert _counts(world) == before
    assert not list(world.config.inbox.iterdir())
    assert len(list(world.config.processed.iterdir())) == 3


def test_the_same_statement_in_a_different_file_adds_nothing(world: LedgerWorld) -> None:
    camt = sorted(SAMPLE_INBOX.iterdir())[0]
    world.deliver(camt)
    world.run()
    before = _counts(world)
    copy = world.config.inbox / "download-again.xml"
    copy.write_text(camt.read_text(encoding="utf-8") + "\n<!-- downloaded again -->\n", encoding="utf-8")

    summary = world.run()

    assert summary.files[0].outcome == Outcome.DONE
    assert summary.files[0].counts.transactions == 0
    assert _counts(world) == before


def test_a_broken_file_is_rejected_with_its_error_beside_it_and_changes_nothing(world: LedgerWorld) -> None:
    before = _counts(world)
    broken = world.config.inbox / "truncated.camt053.xml"
    text = sorted(SAMPLE_INBOX.iterdir())[0].read_text(encoding="utf-8")
    broken.write_text(text[: len(text) // 2], encoding="utf-8")

    summary = world.run()

    assert summary.files[0].outcome == Outcome.REJECTED
    assert (world.config.rejected / "truncated.camt053.xml").exists()
    note = (world.config.rejected / "truncated.camt053.xml.error.txt").read_text(encoding="utf-8")
    assert "truncated.camt053.xml" in note
    assert _counts(world) == before
    with world.sessions() as session:
        assert session.scalar(select(LedgerJobFile.status)) == "rejected"

    # Delivered again (still broken): recognised, set aside again, nothing imported.
    broken.write_text(text[: len(text) // 2], encoding="utf-8")
    assert world.run().files[0].outcome == Outcome.ALREADY
    assert _counts(world) == before


def test_export_lists_the_allocations_of_the_period_traced_to_their_bank_transaction(world: LedgerWorld) -> None:
    world.deliver(*sorted(SAMPLE_INBOX.iterdir()))
    world.run()
    out = io.StringIO()
    today = date.today()
    with world.sessions() as session:
        rows = write_export(session, today - timedelta(days=1), today + timedelta(days=1), out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows == len(table) > 0
    split = [r for r in table if r["bank_ref"] == "HB0302-002"]
    assert sorted((r["invoice_id"], r["amount"]) for r in split) == [
        ("AR-2026-0503", "1250.00"),
        ("AR-2026-0504", "830.50"),
    ]
    assert {r["file"] for r in split} == {"2026-03-02_hausbank.camt053.xml"}
    with world.sessions() as session:
        assert write_export(session, today + timedelta(days=5), today + timedelta(days=9), io.StringIO()) == 0
