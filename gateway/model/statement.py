"""The normalized bank statement: what every statement adapter produces, whatever the format.

Signs: credits positive, debits negative. Amounts keep the scale the bank wrote. Dates are dates.
A transaction is one TxDtls of a camt entry (a batch entry gives several transactions sharing
``entry`` and ``entry_amount``), one MT940 ``:61:`` line, or one OFX ``STMTTRN``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from gateway.model.money import Money
from gateway.model.references import CreditorReference


class TxStatus(StrEnum):
    BOOKED = "booked"
    PENDING = "pending"
    INFO = "info"


class BalanceType(StrEnum):
    """ISO 20022 balance type codes (ExternalBalanceType1Code); banks may also send their own."""

    OPENING_BOOKED = "OPBD"
    CLOSING_BOOKED = "CLBD"
    PREVIOUSLY_CLOSED_BOOKED = "PRCD"
    INTERIM_BOOKED = "ITBD"
    OPENING_AVAILABLE = "OPAV"
    CLOSING_AVAILABLE = "CLAV"
    INTERIM_AVAILABLE = "ITAV"
    FORWARD_AVAILABLE = "FWAV"
    EXPECTED = "XPCD"
    INFORMATION = "INFO"


@dataclass(slots=True)
class Source:
    """The file (or stream) statements were read from, and what was detected in it."""

    path: str
    format: str | None = None  # camt053, camt052, camt054, ofx, mt940
    version: str | None = None  # camt.053.001.08, OFX 102, OFX 211, MT940
    dialect: str | None = None  # e.g. "sgml", "xml", "swift-envelope", "german-86", "dutch-86"
    encoding: str | None = None
    sha256: str | None = None


@dataclass(slots=True)
class Account:
    iban: str | None = None
    number: str | None = None  # Othr/Id, BBAN, OFX ACCTID, MT940 :25: as written
    currency: str | None = None
    servicer_bic: str | None = None
    bank_id: str | None = None  # OFX BANKID, MT940 bank code part of :25:
    owner_name: str | None = None
    kind: str | None = None  # checking, savings, creditcard, ...

    @property
    def key(self) -> str:
        """What identifies the account across files: the IBAN, else the number (with bank id)."""
        if self.iban:
            return self.iban
        if self.bank_id and self.number:
            return f"{self.bank_id}/{self.number}"
        return self.number or ""


@dataclass(slots=True)
class Balance:
    type: str  # a BalanceType code or the bank's proprietary code
    amount: Decimal  # signed
    currency: str
    date: date | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


@dataclass(slots=True)
class BankTxCode:
    """ISO 20022 bank transaction code (domain/family/subfamily) and/or the bank's proprietary code."""

    domain: str | None = None
    family: str | None = None
    subfamily: str | None = None
    proprietary: str | None = None
    issuer: str | None = None

    def __str__(self) -> str:
        iso = "/".join(p for p in (self.domain, self.family, self.subfamily) if p)
        return iso or self.proprietary or ""


@dataclass(slots=True)
class Transaction:
    amount: Decimal  # signed: credits positive, debits negative
    currency: str
    entry: int  # 1-based position of the bank entry (Ntry, :61:, STMTTRN) in its statement
    entry_amount: Decimal  # that entry's signed amount (shared by the transactions of a batch)
    location: str  # where in the file: element path or "line N"
    bank_ref: str | None = None
    booking_date: date | None = None
    value_date: date | None = None
    status: TxStatus = TxStatus.BOOKED
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_account: str | None = None  # non-IBAN account id of the counterparty
    counterparty_bic: str | None = None
    remittance_text: str | None = None
    structured_reference: CreditorReference | None = None
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    creditor_id: str | None = None
    bank_tx_code: BankTxCode | None = None
    is_reversal: bool = False
    return_reason: str | None = None
    original_amount: Decimal | None = None  # before FX conversion, in original_currency
    original_currency: str | None = None
    exchange_rate: Decimal | None = None
    batch_index: int | None = None  # 1-based position within a batch entry's TxDtls
    batch_size: int = 1
    entry_ref: str | None = None  # camt NtryRef, MT940 customer reference, OFX CHECKNUM
    entry_currency: str | None = None  # the entry's currency when it differs from this transaction's (camt)
    extra: dict[str, str] = field(default_factory=dict)  # format-specific facts kept for audit

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


@dataclass(slots=True)
class Statement:
    """One account statement (or report/notification). Adapters fill header fields and balances;
    transactions are streamed separately and gathered here only by ``gateway.statements.read``."""

    source: Source
    account: Account
    location: str  # where the statement starts in the file
    statement_id: str | None = None
    message_id: str | None = None
    sequence_number: str | None = None  # camt LglSeqNb / MT940 :28C: / OFX none
    electronic_sequence_number: str | None = None
    created_at: datetime | None = None
    period_start: date | None = None
    period_end: date | None = None
    opening_balance: Balance | None = None
    closing_balance: Balance | None = None
    balances: list[Balance] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # format-specific facts kept for audit (e.g. MT940 :21:)
    transaction_count: int = 0
    balances_reconcile: bool | None = None  # opening + booked entries == closing; None if a balance is missing

    @property
    def currency(self) -> str | None:
        if self.account.currency:
            return self.account.currency
        for b in self.balances:
            return b.currency
        for t in self.transactions:
            return t.entry_currency or t.currency  # what was booked on the account
        return None
