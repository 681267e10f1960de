"""Every threshold, tolerance and weight of the matching engine, with the defaults of config/matching.toml.

The caller loads the TOML file and passes the model in; the engine never reads files.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerances(_Section):
    # A payment short by at most this much (in the invoice currency) closes the invoice: bank charges.
    bank_charges_max: Decimal = Decimal("25.00")
    # ... and never more than this share of the amount due (keeps tiny invoices from being written off whole).
    bank_charges_max_share: Decimal = Decimal("0.05")
    # Early-payment discount: a payment short by at most this share, booked within discount_days of the
    # invoice date, closes the invoice with the difference recorded as discount.
    discount_max_share: Decimal = Decimal("0.03")
    discount_days: int = 30
    # Discount rates that are recognised exactly (payment == due * (1 - rate), to the cent) even without a
    # reference: such an amount is as specific as the exact one.
    discount_rates: tuple[Decimal, ...] = (Decimal("0.02"), Decimal("0.03"))


class Weights(_Section):
    """Contributions to a candidate's score (0..1, summed and capped at 1)."""

    structured_reference: float = 0.60
    reference_in_text: float = 0.55
    invoice_id: float = 0.55
    invoice_number: float = 0.50
    invoice_number_typo: float = 0.30
    end_to_end_id: float = 0.55
    payer_iban: float = 0.30
    payer_name: float = 0.20  # times the name similarity (0..1)
    amount_exact: float = 0.35
    amount_within_tolerance: float = 0.25
    amount_partial: float = 0.08
    amount_over: float = 0.10
    due_date_near: float = 0.03
    other_payer_penalty: float = 0.30


class Thresholds(_Section):
    # Name similarity (0..100, rapidfuzz) from which the payer name counts as that customer's.
    name_match: float = 88.0
    # ... from which it identifies the customer by itself (with a margin over the next best customer).
    name_identifies: float = 94.0
    name_margin: float = 4.0
    # Customers with more than this many open items are too big to enumerate combinations for.
    subset_max_open_items: int = 40
    subset_max_invoices: int = 6
    subset_node_budget: int = 5000
    # Invoices sharing a number token with this many others give no number evidence (e.g. a year).
    number_max_hits: int = 50
    # Amount-only lookups (no customer known) look at this many invoices at most.
    amount_only_max: int = 200
    # Scores below this are not shown as suggestions.
    suggestion_min_score: float = 0.15
    max_suggestions: int = 5
    # Name-based payer identification without a known IBAN may match automatically on an exact, unique
    # amount. Off by default: similar company names are common.
    name_only_auto_match: bool = False
    # Minimum digits of a number token in remittance text to be compared with invoice numbers.
    min_number_digits: int = 3
    # Typos (one digit changed or two swapped) are looked for in tokens with at least this many digits.
    typo_min_digits: int = 5
    # Days after the due date in which a payment still counts as "near" it.
    due_date_window_days: int = 60


class BankCodes(_Section):
    # ISO 20022 sub-family codes (or proprietary codes) of bank charges and interest: never customer payments.
    charges: tuple[str, ...] = ("CHRG", "COMM", "FEES", "COMI", "ACCC", "SUBS")
    interest: tuple[str, ...] = ("INTR", "ADJT")
    # MT940 transaction types and OFX TRNTYPEs of charges and interest.
    proprietary: tuple[str, ...] = ("NCHG", "NINT", "FCHG", "FINT", "NCOM", "FCOM", "INT", "FEE", "SRVCHG")
    # Sub-families of returned or reversed direct debits.
    returns: tuple[str, ...] = ("UPDD", "PRDD", "RPCR", "RRTN", "ARET")


class MatchingConfig(_Section):
    tolerances: Tolerances = Field(default_factory=Tolerances)
    weights: Weights = Field(default_factory=Weights)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    bank_codes: BankCodes = Field(default_factory=BankCodes)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> MatchingConfig:
        return cls.model_validate(data)
