"""Properties that hold for any payments against any open items."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.matching import MatchingConfig, Status, reconcile
from tests.matching.world import ACME_IBAN, ACNE_IBAN, CUSTOMERS, STRANGER_IBAN, invoice, payment

cents = st.integers(min_value=-5_000, max_value=200_000).filter(lambda c: c != 0)
invoice_rows = st.lists(
    st.tuples(
        st.integers(min_value=100, max_value=130),  # invoice number: few, so payments name them often
        st.integers(min_value=1, max_value=60_000),
        st.sampled_from(["C-ACME", "C-ACNE", "C-MUELLER"]),
        st.booleans(),  # partly paid
    ),
    max_size=12,
    unique_by=lambda r: r[0],
)
payment_rows = st.lists(
    st.tuples(
        cents,
        st.sampled_from([ACME_IBAN, ACNE_IBAN, STRANGER_IBAN, None]),
        st.one_of(st.none(), st.integers(min_value=95, max_value=135)),  # invoice number in the text
        st.integers(min_value=0, max_value=20),  # booking day
    ),
    max_size=10,
)


def _world(inv_rows, pay_rows):
    invs = [
        invoice(f"INV-{n}", f"{a / 100:.2f}", customer=c, open_amount=f"{(a // 2 if part else a) / 100:.2f}")
        for n, a, c, part in inv_rows
    ]
    txs = [
        payment(
            f"{a / 100:.2f}",
            iban=iban,
            text=f"INV-{num}" if num else None,
            booked=date(2026, 1, 5) + timedelta(days=day),
            bank_ref=f"B{k}",
        )
        for k, (a, iban, num, day) in enumerate(pay_rows)
    ]
    return invs, txs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoice_rows, payment_rows)
def test_allocations_never_exceed_the_payment_or_an_invoices_open_amount(inv_rows, pay_rows):
    invs, txs = _world(inv_rows, pay_rows)
    open_left = {i.invoice_id: i.open_amount for i in invs}
    decisions = reconcile(txs, invs, CUSTOMERS, MatchingConfig())
    assert len(decisions) == len(txs)
    for d in sorted(decisions, key=lambda d: (d.transaction.booking_date, d.transaction.amount < 0)):
        if d.status is not Status.MATCHED:
            assert d.allocations == ()
            continue
        applied = sum((a.amount for a in d.allocations), Decimal(0))
        assert all(isinstance(a.amount, Decimal) and isinstance(a.write_off, Decimal) for a in d.allocations)
        if d.is_return:
            assert applied == d.transaction.amount
            continue
        assert 0 < applied <= d.transaction.amount
        if d.customer_credit is not None:
            assert applied + d.customer_credit == d.transaction.amount
        for a in d.allocations:
            before = open_left[a.invoice_id]
            taken = a.amount + a.write_off
            assert abs(taken) <= abs(before) and (taken > 0) == (before > 0)
            open_left[a.invoice_id] = before - taken


@settings(max_examples=60, deadline=None)
@given(invoice_rows, payment_rows, st.integers(min_value=0, max_value=2**32))
def test_the_result_does_not_depend_on_the_order_of_the_input(inv_rows, pay_rows, seed):
    invs, txs = _world(inv_rows, pay_rows)
    shuffled = txs[:]
    random.Random(seed).shuffle(shuffled)

    def by_ref(decisions):
        return {d.transaction.bank_ref: (d.status, d.allocations, d.suggestions) for d in decisions}

    assert by_ref(reconcile(txs, invs, CUSTOMERS)) == by_ref(
        reconcile(shuffled, list(reversed(invs)), CUSTOMERS)
    )
