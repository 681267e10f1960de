"""What the engine decided for one transaction, with everything a clerk or an auditor needs to see why."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from gateway.model.statement import Transaction


class Status(StrEnum):
    MATCHED = "matched"  # allocations applied automatically
    SUGGESTED = "suggested"  # ranked candidates for a person
    UNMATCHED = "unmatched"  # nothing plausible
    IGNORED = "ignored"  # not a customer payment (outgoing payment, fees, interest)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of the payment applied to one invoice. ``write_off`` closes the rest of the invoice (bank
    charges, discount). A negative amount gives back what a returned collection had paid."""

    invoice_id: str
    amount: Decimal
    write_off: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Suggestion:
    invoice_ids: tuple[str, ...]
    score: float
    explanation: str


@dataclass(slots=True)
class Decision:
    transaction: Transaction
    status: Status
    explanation: str
    reason: str | None = None  # short cause: "outgoing payment", "bank charges", "already paid", "tie", ...
    allocations: tuple[Allocation, ...] = ()
    confidence: float = 0.0
    suggestions: tuple[Suggestion, ...] = ()
    customer_id: str | None = None
    difference: Decimal | None = None  # written off in total (short payment closed within tolerance)
    difference_reason: str | None = None  # "bank charges" or "early-payment discount"
    customer_credit: Decimal | None = None  # overpayment left as credit of customer_id
    already_paid: tuple[str, ...] = ()  # invoices this payment names that were paid already
    is_return: bool = False  # a returned or reversed collection
    return_reason: str | None = None
    linked_bank_ref: str | None = None  # the collection a return undoes
    linked_invoice_ids: tuple[str, ...] = ()  # the invoices to reopen
