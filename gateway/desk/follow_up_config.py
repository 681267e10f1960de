"""How overdue accounts are followed up, as a typed model loaded from ``config/follow_up.toml``: the dunning
levels (when, how, with which template, fee and interest), the minimum worth chasing, promises' grace days
and the creditor details printed on every reminder. Changing a step is a config change."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.settings import load_toml_model

_CURRENCY = re.compile(r"[A-Z]{3}").fullmatch
ZERO = Decimal(0)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _money_map(values: dict[str, Decimal], what: str) -> dict[str, Decimal]:
    for currency, amount in values.items():
        if not _CURRENCY(currency):
            raise ValueError(f"{what}: {currency!r} is not a currency code (3 capital letters)")
        if amount < 0:
            raise ValueError(f"{what}: {amount} {currency} is negative")
    return values


class Level(_Frozen):
    """One dunning step."""

    number: int = Field(ge=1)
    name: str = Field(min_length=1)
    # The step is due this many days after an invoice's due date ...
    days_after_due: int = Field(ge=0)
    # ... and at least this many days after the previous step to the customer (in that currency).
    min_days_since_previous: int = Field(default=0, ge=0)
    channel: Literal["email", "letter"] = "email"
    # templates/follow_up/<template>.txt (subject on the first line)
    template: str = Field(pattern=r"^[a-z0-9_]+$")
    # Fixed compensation per overdue invoice, charged once per invoice (at the first step that sets it).
    fee_per_invoice: dict[str, Decimal] = Field(default_factory=dict)
    # Late-payment interest (rate: FollowUpConfig.interest_rate) is claimed from this step on.
    claim_interest: bool = False

    @field_validator("fee_per_invoice")
    @classmethod
    def _fees(cls, values: dict[str, Decimal]) -> dict[str, Decimal]:
        return _money_map(values, "fee_per_invoice")

    def fee_for(self, currency: str) -> Decimal:
        return self.fee_per_invoice.get(currency, ZERO)


class BankAccount(_Frozen):
    """Where the customer should pay; ``currency`` None: for every currency without an account of its own."""

    currency: str | None = None
    holder: str = Field(min_length=1)
    iban: str = Field(min_length=1)
    bic: str | None = None
    bank: str | None = None


class Creditor(_Frozen):
    """Who writes: printed in every reminder."""

    name: str = Field(min_length=1)
    address: tuple[str, ...] = ()
    email: str | None = None
    phone: str | None = None
    signature: str = "Credit management"
    bank_accounts: tuple[BankAccount, ...] = ()

    def bank_for(self, currency: str) -> BankAccount | None:
        exact = next((b for b in self.bank_accounts if b.currency == currency), None)
        return exact or next((b for b in self.bank_accounts if b.currency is None), None)


class FollowUpConfig(_Frozen):
    levels: tuple[Level, ...] = Field(min_length=1)
    # Annual late-payment interest in percent (simple interest on the open amount from the due date),
    # per currency in interest_rates, else interest_rate.
    interest_rate: Decimal = Field(default=ZERO, ge=0)
    interest_rates: dict[str, Decimal] = Field(default_factory=dict)
    # Customers whose overdue amount in a currency is below this are not chased (currencies not listed: 0).
    min_overdue_amount: dict[str, Decimal] = Field(default_factory=dict)
    # Days after an instalment's due date before a promise counts as broken (default of new promises).
    grace_days: int = Field(default=3, ge=0)
    # An open promise to pay holds the follow-up of the invoices (or the currency) it covers.
    promise_holds_follow_up: bool = True
    # Templates other than the bundled ones (a folder with <template>.txt files).
    templates_dir: Path | None = None
    creditor: Creditor

    @field_validator("interest_rates")
    @classmethod
    def _rates(cls, values: dict[str, Decimal]) -> dict[str, Decimal]:
        return _money_map(values, "interest_rates")

    @field_validator("min_overdue_amount")
    @classmethod
    def _minimums(cls, values: dict[str, Decimal]) -> dict[str, Decimal]:
        return _money_map(values, "min_overdue_amount")

    @model_validator(mode="after")
    def _levels_in_order(self) -> FollowUpConfig:
        numbers = [lv.number for lv in self.levels]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"levels must be numbered 1, 2, 3 ... in order; found {numbers}")
        days = [lv.days_after_due for lv in self.levels]
        if any(later <= earlier for earlier, later in zip(days, days[1:], strict=False)):
            raise ValueError(f"days_after_due must grow from level to level; found {days}")
        return self

    def level(self, number: int) -> Level:
        return self.levels[number - 1]

    def next_level(self, after: int) -> Level | None:
        """The step after level ``after`` (0: the first), None when every step was taken."""
        return self.levels[after] if 0 <= after < len(self.levels) else None

    def rate_for(self, currency: str) -> Decimal:
        return self.interest_rates.get(currency, self.interest_rate)

    def minimum_for(self, currency: str) -> Decimal:
        return self.min_overdue_amount.get(currency, ZERO)


def load_follow_up_config(path: Path | None = None) -> FollowUpConfig:
    """``path``, else ``follow_up.toml`` in the config folder (``$GATEWAY_CONFIG_DIR`` or ``./config``)."""
    return load_toml_model(FollowUpConfig, path, "follow_up.toml", "follow-up configuration")
