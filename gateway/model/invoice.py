"""Receivables as the ERP knows them: open invoices (and credit notes) and the customers who owe them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class Invoice:
    """One receivable. A negative ``amount`` is a credit note; ``open_amount`` has the same sign and is
    what is still unpaid (zero: paid in full — kept so that a second payment for it can be recognised)."""

    invoice_id: str
    customer_id: str
    customer_name: str
    currency: str
    amount: Decimal
    open_amount: Decimal
    issue_date: date
    due_date: date
    reference: str | None = None  # the structured creditor reference printed on the invoice, if any

    @property
    def is_credit_note(self) -> bool:
        return self.amount < 0


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer and the bank accounts (IBANs, compact form) it is known to pay from."""

    customer_id: str
    name: str
    ibans: tuple[str, ...] = ()
