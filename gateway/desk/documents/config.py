"""Our company's letterhead on every document: name, address, VAT number, bank account and whom to contact,
loaded from ``config/documents.toml``. Changing the bank account printed on statements is a config change."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from gateway.settings import load_toml_model


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Company(_Frozen):
    name: str = Field(min_length=1)
    address: tuple[str, ...] = ()
    vat_number: str | None = None
    registration: str | None = None


class BankAccount(_Frozen):
    name: str | None = None
    iban: str
    bic: str | None = None

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        try:
            return IBAN(value).formatted
        except SchwiftyException as exc:
            raise ValueError(f"not a valid IBAN {value!r}: {exc}") from None

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(BIC(value))
        except SchwiftyException as exc:
            raise ValueError(f"not a valid BIC {value!r}: {exc}") from None


class Contact(_Frozen):
    department: str | None = None
    email: str | None = None
    phone: str | None = None


class StatementTexts(_Frozen):
    payment_instruction: str | None = None


class Letterhead(_Frozen):
    company: Company
    bank: BankAccount
    contact: Contact = Contact()
    statement: StatementTexts = StatementTexts()


def load_letterhead(path: Path | None = None) -> Letterhead:
    """``path``, else ``documents.toml`` in the config folder (``$GATEWAY_CONFIG_DIR`` or ``./config``).
    A document without our letterhead is not sent: a missing file is an error, not a blank header."""
    return load_toml_model(Letterhead, path, "documents.toml", "letterhead for documents")


__all__ = ["BankAccount", "Company", "Contact", "Letterhead", "StatementTexts", "load_letterhead"]
