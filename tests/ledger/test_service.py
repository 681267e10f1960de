"""What a clerk does with the queue: split a payment over invoices, undo, write off a small difference
(a large one only with a manager's approval), mark a payment as not a customer's, and teach the matcher
an account so that the next payment from it matches by itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.ledger import Payment, write_camt053
from gateway.ledger import service
from gateway.ledger.errors import ApprovalRequired, LedgerError
from gateway.ledger.exposure import open_items_by_currency
from gateway.ledger.queries import customer_view, dashboard, payment_detail, review_queue, search_open_invoices
from gateway.storage.ledger_tables import LedgerAllocation, LedgerAudit, LedgerWriteOff
from tests.ledger.conftest import SAMPLE_INBOX, LedgerWorld

D = Decimal


@pytest.fixture
def ran(world: LedgerWorld) -> LedgerWorld:
    world.deliver(*sorted(SAMPLE_INBOX.iterdir()))
    world.run()
    return world


def test_the_queue_shows_what_waits_with_ranked_suggestions(ran: LedgerWorld) -> None:
    with ran.sessions() as session:
        page = review_queue(session, sort="-amount", limit=10)
        assert [r.status for r in page.rows] and {r.status for r in page.rows} <= {"suggested", "unmatched"}
        assert page.total == len(page.rows)
        amounts = [r.amount for r in page.rows]
        assert amounts == sorted(amounts, reverse=True)
        morel = next(r for r in page.rows if r.counterparty_name == "J. Morel")
        assert morel.suggestions[0].invoice_ids == ("AR-2026-0505",)
        assert "612.40" in morel.suggestions[0].explanation
        assert review_queue(session, min_amount=D("600"), max_amount=D("700")).total == 1
        detail = payment_detail(session, morel.payment_id)
        assert detail.transaction["bank_ref"] == "HB0302-005"
        assert detail.suggested_invoices["AR-2026-0505"].open_amount == D("612.40")
        with pytest.raises(LedgerError, match="cannot sort"):
            review_queue(session, sort="colour")


def test_confirming_a_suggestion_pays_the_invoice_and_teaches_the_payer_account(ran: LedgerWorld) -> None:
    morel = ran.payment_by_ref("HB0302-005")
    with ran.sessions() as session, session.begin():
        service.confirm_suggestion(session, morel.id, 1, actor="clerk.anna")
    assert ran.invoice("AR-2026-0505").open_amount == 0
    with ran.sessions() as session:
        view = customer_view(session, "K-1003")
        assert ("FR7630004000030001234567897", "learned") in view.ibans
        assert morel.id in {p.id for p in view.payments}
    ran.assert_open_amounts_are_derived()


def test_a_payment_split_by_hand_over_two_invoices_and_undone(ran: LedgerWorld) -> None:
    stranger = ran.payment_by_ref("HB20260304003")  # 500.00 from an unknown sender
    with ran.sessions() as session, session.begin():
        ids = service.allocate(
            session, stranger.id, [("AR-2026-0508", D("245.00")), ("AR-2026-0510", D("255.00"))], actor="clerk.anna"
        )
    assert len(ids) == 2
    assert ran.invoice("AR-2026-0508").open_amount == 0
    assert ran.invoice("AR-2026-0510").open_amount == D("1245.00")
    assert ran.payment_by_ref("HB20260304003").status == "allocated"

    with ran.sessions() as session, session.begin():
        service.undo_allocation(session, ids[1], actor="clerk.ben", reason="wrong customer")
    assert ran.invoice("AR-2026-0510").open_amount == D("1500.00")
    with ran.sessions() as session, session.begin(), pytest.raises(LedgerError, match="already undone"):
        service.undo_allocation(session, ids[1], actor="clerk.ben", reason="again")
    with ran.sessions() as session:
        reversal = session.scalars(select(LedgerAllocation).where(LedgerAllocation.reverses_id == ids[1])).one()
        assert reversal.amount == D("-255.00") and reversal.actor == "clerk.ben"
        actions = session.scalars(select(LedgerAudit.action).where(LedgerAudit.entity_id == "AR-2026-0510")).all()
        assert "reverse allocation" in actions
    ran.assert_open_amounts_are_derived()


def test_rules_a_clerk_cannot_break(ran: LedgerWorld) -> None:
    stranger = ran.payment_by_ref("HB20260304003")
    with ran.sessions() as session, session.begin():
        with pytest.raises(LedgerError, match="only 500.00 EUR"):
            service.allocate(session, stranger.id, [("AR-2026-0510", D("600.00"))], actor="clerk")
        with pytest.raises(LedgerError, match="open"):
            service.allocate(session, stranger.id, [("AR-2026-0506", D("10.00"))], actor="clerk")  # paid
        with pytest.raises(LedgerError, match="no invoice"):
            service.allocate(session, stranger.id, [("AR-9999", D("10.00"))], actor="clerk")
        with pytest.raises(LedgerError, match="say why"):
            service.mark_not_customer_payment(session, stranger.id, actor="clerk", reason=" ")
    ran.assert_open_amounts_are_derived()


def test_not_a_customer_payment_leaves_the_queue(ran: LedgerWorld) -> None:
    stranger = ran.payment_by_ref("HB20260304003")
    with ran.sessions() as session, session.begin():
        service.mark_not_customer_payment(session, stranger.id, actor="clerk", reason="refund from our insurer")
    with ran.sessions() as session:
        assert stranger.id not in {r.payment_id for r in review_queue(session).rows}
        with pytest.raises(LedgerError, match="not customer"):
            service.allocate(session, stranger.id, [("AR-2026-0510", D("1"))], actor="clerk")


def test_write_offs_above_the_limit_need_a_managers_approval(ran: LedgerWorld) -> None:
    with ran.sessions() as session, session.begin():
        service.write_off(
            session, "AR-2026-0510", D("12.50"), "rounding", actor="clerk", approved_by=None, config=ran.config
        )
        with pytest.raises(ApprovalRequired, match="above the limit of 50.00 EUR"):
            service.write_off(
                session, "AR-2026-0510", D("80.00"), "goodwill", actor="clerk", approved_by=None, config=ran.config
            )
    with ran.sessions() as session, session.begin():
        service.write_off(
            session, "AR-2026-0510", D("80.00"), "goodwill", actor="clerk", approved_by="manager.mia", config=ran.config
        )
    assert ran.invoice("AR-2026-0510").open_amount == D("1407.50")
    with ran.sessions() as session:
        rows = session.execute(select(LedgerWriteOff.amount, LedgerWriteOff.approved_by).order_by(LedgerWriteOff.id))
        assert [tuple(r) for r in rows] == [(D("12.50"), None), (D("80.00"), "manager.mia")]
    ran.assert_open_amounts_are_derived()


def test_exposure_is_open_items_minus_unapplied_credits_per_currency(ran: LedgerWorld) -> None:
    with ran.sessions() as session:
        assert open_items_by_currency(session, "K-1002") == {"EUR": D("-80.50")}  # the credit note
        assert open_items_by_currency(session, "K-1004") == {"EUR": D("1500.00")}
        assert open_items_by_currency(session, "K-1005") == {"EUR": D("245.00")}  # the returned collection
        assert search_open_invoices(session, text="0510")[0].invoice_id == "AR-2026-0510"
        assert [i.invoice_id for i in search_open_invoices(session, customer="Harbour")] == ["AR-2026-0510"]
        assert [i.invoice_id for i in search_open_invoices(session, amount=D("1500"))] == ["AR-2026-0510"]
        board = dashboard(session, date.today())
        assert board.files_imported == 3 and board.waiting_count == 2 and board.auto_match_rate


def test_learning_an_iban_makes_the_next_payment_from_it_match_by_itself(world: LedgerWorld, tmp_path: Path) -> None:
    stranger_iban = "NL44RABO0123456789"  # Harbour Supplies pays from a new account

    def pay(name: str, ref: str, amount: str) -> None:
        write_camt053(
            world.config.inbox / name,
            name,
            date(2026, 3, 10),
            [Payment(D(amount), "H.S. Ltd", stranger_iban, "March", ref)],
        )

    pay("first.xml", "N-1", "1500.00")
    world.run()
    first = world.payment_by_ref("N-1")
    assert first.status != "matched"
    with world.sessions() as session, session.begin():
        service.allocate(session, first.id, [("AR-2026-0510", D("1500.00"))], actor="clerk")  # learns the IBAN

    pay("second.xml", "N-2", "990.00")
    world.run()
    second = world.payment_by_ref("N-2")
    assert second.status == "matched" and second.customer_id == "K-1004"
    assert world.invoice("AR-2026-0507").open_amount == 0
    world.assert_open_amounts_are_derived()
