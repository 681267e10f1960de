"""What the bank books, before any file format: one ``Booking`` per transaction on one of our accounts,
with the label the scorer checks the engine's decision against."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

# Transaction kinds, each rendered with its own bank transaction codes by the writers.
TRANSFER_IN = "transfer-in"  # a customer's (or anyone's) SEPA credit transfer to us
COLLECTION = "dd-collection"  # our SEPA direct debit collected from a customer
RETURN = "dd-return"  # that collection returned or refunded (R-transaction), a debit
TRANSFER_OUT = "transfer-out"  # we pay a supplier
FEE = "fee"  # the bank's charges
INTEREST = "interest"  # interest credited (or charged)


@dataclass(frozen=True, slots=True)
class OurAccount:
    """One of our bank accounts and the statement format its bank sends."""

    key: str
    iban: str
    bic: str
    currency: str
    format: str  # camt053.001.08, camt053.001.02, mt940-dutch, mt940-german, ofx102
    bank: str


@dataclass(slots=True)
class Booking:
    account: str  # OurAccount.key
    bank_ref: str  # unique across the world's statements: the scorer's key
    booking_date: date
    amount: Decimal  # signed: credits positive
    currency: str
    kind: str
    name: str | None = None  # counterparty as the bank writes it
    iban: str | None = None
    bic: str | None = None
    text: str | None = None  # unstructured remittance information
    reference: str | None = None  # structured creditor reference (camt Strd, Dutch /REMI/STRD/)
    reference_issuer: str | None = None  # camt CdtrRefInf/Tp/Issr: ISO (RF), BBA (Belgian), CUR (Dutch)
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    creditor_id: str | None = None
    return_reason: str | None = None
    batch: str | None = None  # bookings sharing a batch key are one camt entry (a collection run)
    label: dict[str, Any] = field(default_factory=dict)
