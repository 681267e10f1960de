"""Value objects and records shared by adapters and cores."""

from gateway.model.money import Money, minor_units, parse_decimal
from gateway.model.references import CreditorReference
from gateway.model.statement import (
    Account,
    Balance,
    BalanceType,
    BankTxCode,
    Source,
    Statement,
    Transaction,
    TxStatus,
)

__all__ = [
    "Account",
    "Balance",
    "BalanceType",
    "BankTxCode",
    "CreditorReference",
    "Money",
    "Source",
    "Statement",
    "Transaction",
    "TxStatus",
    "minor_units",
    "parse_decimal",
]
