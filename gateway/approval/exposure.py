"""Exposure: what a customer owes us (open items from the ledger) plus orders approved but not yet invoiced
(reservations, which lapse after a configured time so an order that never ships stops counting)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.approval.decide import Exposure
from gateway.ledger.exposure import open_items_by_currency
from gateway.storage.credit_tables import CreditReservation


def open_items(session: Session, customer_id: str) -> dict[str, Decimal]:
    """Open items by currency from the ledger."""
    return dict(open_items_by_currency(session, customer_id))


def reservations(session: Session, customer_id: str, now: dt.datetime) -> dict[str, Decimal]:
    """Amounts of approved checks still reserved (not invoiced, not expired), by currency."""
    rows = session.execute(
        select(CreditReservation.currency, CreditReservation.amount).where(
            CreditReservation.customer_id == customer_id,
            CreditReservation.released_at.is_(None),
            CreditReservation.expires_at > now,
        )
    )
    out: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in rows:  # summed here: SQLite keeps amounts as text, SUM() would go through floats
        out[currency] += amount
    return dict(out)


def current_exposure(session: Session, customer_id: str, currency: str, now: dt.datetime) -> Exposure:
    items = open_items(session, customer_id)
    held = reservations(session, customer_id, now)
    others: dict[str, Decimal] = defaultdict(Decimal)
    for source in (items, held):
        for cur, amount in source.items():
            if cur != currency and amount:
                others[cur] += amount
    return Exposure(
        currency=currency,
        open_items=items.get(currency, Decimal(0)),
        reserved=held.get(currency, Decimal(0)),
        other_currencies=dict(others),
    )
