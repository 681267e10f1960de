"""Notes and disputes: who wrote what about which invoice, one open dispute per invoice, resolving it, the
views of the credit file (newest first, open disputes first, the reminders sent) and the audit trail."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from gateway.desk.notes import (
    add_note,
    customer_disputes,
    customer_notes,
    follow_up_history,
    open_dispute,
    resolve_dispute,
)
from gateway.ledger.errors import LedgerError, NotFound
from gateway.storage.ledger_tables import LedgerAudit
from tests.desk.test_follow_up import NORDWIND, DeskWorld, FakeMailer, open_desk


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> DeskWorld:
    return open_desk(engine, tmp_path)


def test_notes_about_a_customer_and_its_invoices(desk: DeskWorld) -> None:
    with desk.sessions() as session, session.begin():
        first = add_note(session, "K-1001", "  Called Ms Vogel: payment run on Friday. ", actor="clerk.anna")
        second = add_note(session, "K-1001", "Delivery note missing", actor="clerk.ben", invoice_id="AR-2026-0502")
        with pytest.raises(NotFound, match="no customer 'K-0000'"):
            add_note(session, "K-0000", "text", actor="clerk")
        with pytest.raises(LedgerError, match="empty"):
            add_note(session, "K-1001", "   ", actor="clerk")
        with pytest.raises(LedgerError, match="not an invoice of K-1001 but of K-1002"):
            add_note(session, "K-1001", "text", actor="clerk", invoice_id="AR-2026-0503")
        with pytest.raises(NotFound, match="no invoice"):
            add_note(session, "K-1001", "text", actor="clerk", invoice_id="AR-0000")
    with desk.sessions() as session:
        notes = customer_notes(session, "K-1001")
        assert [(n.id, n.invoice_id, n.author) for n in notes] == [
            (second, "AR-2026-0502", "clerk.ben"),
            (first, None, "clerk.anna"),
        ]
        assert notes[1].text == "Called Ms Vogel: payment run on Friday."
        assert customer_notes(session, "K-1002") == []
        audit = session.scalars(select(LedgerAudit).where(LedgerAudit.action == "note added")).all()
        assert [(a.entity_id, a.actor, a.evidence["invoice_id"]) for a in audit] == [
            ("K-1001", "clerk.anna", None),
            ("K-1001", "clerk.ben", "AR-2026-0502"),
        ]


def test_one_open_dispute_per_invoice(desk: DeskWorld) -> None:
    with desk.sessions() as session, session.begin():
        first = open_dispute(session, "AR-2026-0503", "goods damaged", actor="clerk")
        with pytest.raises(LedgerError, match=f"already disputed \\(dispute #{first} is open\\)"):
            open_dispute(session, "AR-2026-0503", "again", actor="clerk")
        with pytest.raises(LedgerError, match="credit note"):
            open_dispute(session, "CN-2026-0011", "why", actor="clerk")
        with pytest.raises(LedgerError, match="empty"):
            open_dispute(session, "AR-2026-0504", "", actor="clerk")
        other = open_dispute(session, "AR-2026-0504", "price", actor="clerk")
    with desk.sessions() as session, session.begin():
        resolve_dispute(session, first, "credit note CN-2026-0020 agreed", actor="manager")
        with pytest.raises(LedgerError, match="already resolved by manager"):
            resolve_dispute(session, first, "again", actor="manager")
        with pytest.raises(NotFound):
            resolve_dispute(session, 12345, "x", actor="manager")
        with pytest.raises(LedgerError, match="empty"):
            resolve_dispute(session, other, " ", actor="manager")
    with desk.sessions() as session, session.begin():
        third = open_dispute(session, "AR-2026-0503", "the credit note never came", actor="clerk")
    with desk.sessions() as session:
        disputes = customer_disputes(session, "K-1002")
        assert [(d.id, d.status) for d in disputes] == [(third, "open"), (other, "open"), (first, "resolved")]
        resolved = disputes[-1]
        assert (resolved.invoice_id, resolved.resolved_by, resolved.resolution) == (
            "AR-2026-0503",
            "manager",
            "credit note CN-2026-0020 agreed",
        )
        assert resolved.currency == "EUR" and str(resolved.open_amount) == "1250.00"
        actions = session.scalars(
            select(LedgerAudit.action).where(LedgerAudit.entity == "invoice", LedgerAudit.entity_id == "AR-2026-0503")
        ).all()
        assert [a for a in actions if "dispute" in a] == ["dispute opened", "dispute resolved", "dispute opened"]


def test_the_follow_up_history_of_a_customer(desk: DeskWorld) -> None:
    desk.run(date(2026, 3, 11), FakeMailer(fail=True))
    desk.run(date(2026, 3, 25), FakeMailer())
    with desk.sessions() as session:
        history = follow_up_history(session, "K-1001")
        assert follow_up_history(session, "K-1005") == []
    assert [(h.run_date, h.status, h.level, h.invoice_ids) for h in history] == [
        (date(2026, 3, 25), "sent", 1, ("AR-2026-0501", "AR-2026-0502")),
        (date(2026, 3, 11), "failed", 1, ("AR-2026-0501",)),
    ]
    latest = history[0]
    assert latest.recipient == NORDWIND and latest.sent_at is not None and latest.error is None
    assert "AR-2026-0502" in latest.body and latest.items[0].days_overdue == 21
    assert history[1].error and "Connection refused" in history[1].error
