"""Promises to pay and payment plans: the rules of recording one, and tracking against real payments (kept,
broken after the grace days, plans paid in parts, promises about named invoices), cancelling, the audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from gateway.desk.promises import add_promise, cancel_promise, customer_promises, track_promises
from gateway.ledger.errors import LedgerError, NotFound
from gateway.storage.desk_tables import DeskPromise
from gateway.storage.ledger_tables import LedgerAudit
from tests.desk.test_follow_up import DeskWorld, open_desk

D = Decimal


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> DeskWorld:
    return open_desk(engine, tmp_path)


def _add(world: DeskWorld, customer: str, *instalments: tuple[date, str], **kwargs: object) -> int:
    with world.sessions() as session, session.begin():
        return add_promise(
            session,
            customer,
            str(kwargs.pop("currency", "EUR")),
            [(day, D(amount)) for day, amount in instalments],
            actor="credit.manager",
            **kwargs,  # type: ignore[arg-type]
        )


def _track(world: DeskWorld, as_of: date) -> list[tuple[int, int | None, str, str]]:
    with world.sessions() as session, session.begin():
        return [(c.promise_id, c.seq, c.before, c.after) for c in track_promises(session, as_of)]


def _promise(world: DeskWorld, customer: str, promise_id: int):  # type: ignore[no-untyped-def]
    with world.sessions() as session:
        return next(p for p in customer_promises(session, customer) if p.id == promise_id)


def test_rules_of_a_promise(desk: DeskWorld) -> None:
    may = date(2026, 5, 1)
    with desk.sessions() as session, session.begin():
        with pytest.raises(NotFound, match="no customer 'K-9999'"):
            add_promise(session, "K-9999", "EUR", [(may, D("10"))], actor="cm")
        with pytest.raises(LedgerError, match="must be positive"):
            add_promise(session, "K-1001", "EUR", [(may, D("0"))], actor="cm")
        with pytest.raises(LedgerError, match="not after instalment 1"):
            add_promise(session, "K-1001", "EUR", [(may, D("10")), (may, D("10"))], actor="cm")
        with pytest.raises(LedgerError, match="currency"):
            add_promise(session, "K-1001", "EURO", [(may, D("10"))], actor="cm")
        with pytest.raises(LedgerError, match="at least one instalment"):
            add_promise(session, "K-1001", "EUR", [], actor="cm")
        with pytest.raises(LedgerError, match="not an invoice of K-1001 but of K-1002"):
            add_promise(session, "K-1001", "EUR", [(may, D("10"))], actor="cm", invoice_ids=["AR-2026-0503"])
        with pytest.raises(LedgerError, match="more than two decimals"):
            add_promise(session, "K-1001", "EUR", [(may, D("10.005"))], actor="cm")
    first = _add(desk, "K-1001", (may, "100.00"), currency="eur", note="phoned Ms Vogel")
    with desk.sessions() as session, session.begin(), pytest.raises(LedgerError, match="already has an open promise"):
        add_promise(session, "K-1001", "EUR", [(may, D("10"))], actor="cm")
    view = _promise(desk, "K-1001", first)
    assert (view.kind, view.currency, view.total, view.status, view.grace_days) == (
        "promise",
        "EUR",
        D("100.00"),
        "open",
        3,
    )
    assert view.note == "phoned Ms Vogel" and view.invoice_ids == ()


def test_a_promise_kept_on_time(desk: DeskWorld) -> None:
    promise = _add(desk, "K-1001", (date(2026, 4, 1), "2856.00"), starts_on=date(2026, 3, 20))
    desk.pay(date(2026, 3, 30), "2856.00", ("AR-2026-0501", "2380.00"), ("AR-2026-0502", "476.00"))
    assert _track(desk, date(2026, 3, 29)) == []  # not booked yet on that day
    assert _track(desk, date(2026, 3, 31)) == [(promise, 1, "open", "kept"), (promise, None, "open", "kept")]
    view = _promise(desk, "K-1001", promise)
    assert (
        view.status == "kept"
        and view.paid == D("2856.00")
        and view.closed_reason == "all 1 instalments paid (2856.00 EUR)"
    )
    assert view.instalments[0].settled_on == date(2026, 3, 30)
    assert _track(desk, date(2026, 4, 30)) == []  # closed promises are left alone


def test_a_promise_is_broken_after_the_grace_days(desk: DeskWorld) -> None:
    promise = _add(desk, "K-1002", (date(2026, 4, 1), "1000.00"), starts_on=date(2026, 3, 20))
    assert _track(desk, date(2026, 4, 4)) == []  # 1 April + 3 grace days: still open
    assert _track(desk, date(2026, 4, 5)) == [(promise, 1, "open", "broken"), (promise, None, "open", "broken")]
    view = _promise(desk, "K-1002", promise)
    assert view.status == "broken" and "instalment 1 of 1000.00 EUR due 2026-04-01" in (view.closed_reason or "")


def test_a_late_payment_does_not_keep_a_promise(desk: DeskWorld) -> None:
    promise = _add(desk, "K-1002", (date(2026, 4, 1), "1000.00"), starts_on=date(2026, 3, 20))
    desk.pay(date(2026, 4, 10), "1000.00", ("AR-2026-0503", "1000.00"))
    assert _track(desk, date(2026, 4, 12))[-1] == (promise, None, "open", "broken")
    assert _promise(desk, "K-1002", promise).instalments[0].paid == D("1000.00")


def test_a_payment_plan_paid_in_parts(desk: DeskWorld) -> None:
    plan = _add(
        desk,
        "K-1004",
        (date(2026, 4, 1), "500.00"),
        (date(2026, 5, 1), "500.00"),
        (date(2026, 6, 1), "500.00"),
        starts_on=date(2026, 3, 25),
        invoice_ids=["AR-2026-0510"],
    )
    assert _promise(desk, "K-1004", plan).kind == "plan"
    desk.pay(date(2026, 3, 20), "100.00", ("AR-2026-0510", "100.00"))  # before the plan: does not count
    desk.pay(date(2026, 3, 30), "300.00", ("AR-2026-0510", "300.00"))
    desk.pay(date(2026, 4, 2), "200.00", ("AR-2026-0510", "200.00"))
    desk.pay(date(2026, 4, 3), "990.00", ("AR-2026-0507", "990.00"))  # another invoice: does not count
    assert _track(desk, date(2026, 4, 3)) == [(plan, 1, "open", "kept")]
    desk.pay(date(2026, 4, 28), "600.00", ("AR-2026-0510", "600.00"))
    assert _track(desk, date(2026, 4, 28)) == [(plan, 2, "open", "kept")]
    view = _promise(desk, "K-1004", plan)
    assert [(i.paid, i.status, i.settled_on) for i in view.instalments] == [
        (D("500.00"), "kept", date(2026, 4, 2)),
        (D("500.00"), "kept", date(2026, 4, 28)),
        (D("100.00"), "open", None),
    ]
    assert view.status == "open" and view.paid == D("1100.00")
    assert _track(desk, date(2026, 6, 5)) == [(plan, 3, "open", "broken"), (plan, None, "open", "broken")]
    with desk.sessions() as session:
        audit = session.scalars(
            select(LedgerAudit.action).where(LedgerAudit.entity == "promise", LedgerAudit.entity_id == str(plan))
        ).all()
    assert audit == ["promise added", "promise tracked", "promise tracked", "promise broken"]


def test_a_promise_over_the_whole_balance_counts_every_payment_of_the_customer(desk: DeskWorld) -> None:
    plan = _add(
        desk, "K-1003", (date(2026, 4, 1), "300.00"), (date(2026, 4, 15), "462.40"), starts_on=date(2026, 3, 25)
    )
    pay = desk.pay(date(2026, 3, 31), "762.40", ("AR-2026-0505", "612.40"), ("AR-2026-0506", "150.00"))
    assert pay
    assert _track(desk, date(2026, 4, 1))[-1] == (plan, None, "open", "kept")
    assert [i.settled_on for i in _promise(desk, "K-1003", plan).instalments] == [date(2026, 3, 31)] * 2


def test_cancelling_a_promise(desk: DeskWorld) -> None:
    promise = _add(desk, "K-1001", (date(2026, 4, 1), "100.00"), (date(2026, 5, 1), "100.00"))
    with desk.sessions() as session, session.begin():
        with pytest.raises(LedgerError, match="say why"):
            cancel_promise(session, promise, actor="cm", reason=" ")
        with pytest.raises(NotFound):
            cancel_promise(session, 999, actor="cm", reason="x")
        cancel_promise(session, promise, actor="cm", reason="renegotiated")
    with desk.sessions() as session, session.begin(), pytest.raises(LedgerError, match="cancelled already"):
        cancel_promise(session, promise, actor="cm", reason="again")
    view = _promise(desk, "K-1001", promise)
    assert view.status == "cancelled" and view.closed_reason == "renegotiated"
    assert {i.status for i in view.instalments} == {"cancelled"}
    assert _track(desk, date(2026, 6, 1)) == []
    newer = _add(desk, "K-1001", (date(2026, 6, 1), "50.00"))  # a new promise may follow
    with desk.sessions() as session:
        assert [p.id for p in customer_promises(session, "K-1001")] == [newer, promise]  # newest first
        assert session.get_one(DeskPromise, promise).closed_at is not None
