"""What a customer owes right now, per currency: the credit check's view of the ledger."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.ledger.money import ZERO
from gateway.storage.ledger_tables import LedgerInvoice, LedgerPayment

# Payments assigned to a customer whose unapplied rest is the customer's credit (an overpayment, a payment
# allocated in part). Unmatched payments are nobody's credit yet.
CREDIT_STATUSES = ("matched", "allocated")


def open_items_by_currency(session: Session, customer_id: str) -> dict[str, Decimal]:
    """Open amounts of the customer's invoices (credit notes count negative) minus unapplied customer
    credits, per currency. Currencies that net to zero are kept (the customer has history there)."""
    totals: dict[str, Decimal] = {}
    rows = session.execute(
        select(LedgerInvoice.currency, LedgerInvoice.open_amount).where(
            LedgerInvoice.customer_id == customer_id, LedgerInvoice.is_open.is_(True)
        )
    )
    # Summed in Python: SQLite stores exact decimals as text, and a customer has few open items.
    for currency, amount in rows:
        totals[currency] = totals.get(currency, ZERO) + amount
    credits = session.execute(
        select(LedgerPayment.currency, LedgerPayment.unapplied).where(
            LedgerPayment.customer_id == customer_id, LedgerPayment.status.in_(CREDIT_STATUSES)
        )
    )
    for currency, unapplied in credits:
        if unapplied > 0:
            totals[currency] = totals.get(currency, ZERO) - unapplied
    return totals
