"""The tables, as typed SQLAlchemy 2 declarative models. Their schema is owned by the Alembic migrations
in ``migrations/versions``; the test "migrations match the models" keeps the two in step.

    import_files ─┬─< statements ─┬─< balances
                  │               └─< bank_transactions >─ possible_duplicate_of (bank_transactions)
                  └─< bank_transactions
    import_events   (append-only audit of every import attempt, also of rejected files)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gateway.storage.types import ExactDecimal

# Stable constraint names, so migrations can address them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-numbers an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")

CURRENCY = 3
SHORT = 70  # ISO 20022 Max35Text ids, references, codes (twice: not every bank keeps to 35)
LONG = 255  # OFX FITID, names, account numbers as written
KEY = 320  # dedup keys: a prefix plus a reference of up to LONG characters


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: ExactDecimal(),
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class ImportFile(Base):
    """One file that was imported (successfully: a rejected file leaves only an import_events row)."""

    __tablename__ = "import_files"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(LONG))  # the file name, without folders
    path: Mapped[str] = mapped_column(Text)  # as given on the command line
    format: Mapped[str] = mapped_column(String(20))
    version: Mapped[str | None] = mapped_column(String(40))
    dialect: Mapped[str | None] = mapped_column(String(40))
    encoding: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    imported_at: Mapped[datetime]
    statements_new: Mapped[int] = mapped_column(Integer, default=0)
    statements_known: Mapped[int] = mapped_column(Integer, default=0)
    transactions_added: Mapped[int] = mapped_column(Integer, default=0)
    duplicates_skipped: Mapped[int] = mapped_column(Integer, default=0)
    possible_duplicates: Mapped[int] = mapped_column(Integer, default=0)
    balance_warnings: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))  # imported | nothing new


class StatementRow(Base):
    """One statement (camt Stmt/Rpt/Ntfctn, MT940 message, OFX STMTRS) of an account."""

    __tablename__ = "statements"
    __table_args__ = (
        # The same statement delivered again (in another file) is recognised by this fingerprint.
        UniqueConstraint("account_key", "fingerprint"),
        Index(None, "account_key", "identity_key"),
        Index(None, "account_key", "period_start"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    import_file_id: Mapped[int] = mapped_column(ForeignKey("import_files.id"), index=True)
    location: Mapped[str] = mapped_column(Text)
    position: Mapped[int]  # 1-based, within its file
    account_key: Mapped[str] = mapped_column(String(LONG))
    iban: Mapped[str | None] = mapped_column(String(SHORT))
    account_number: Mapped[str | None] = mapped_column(String(LONG))
    currency: Mapped[str | None] = mapped_column(String(CURRENCY))
    servicer_bic: Mapped[str | None] = mapped_column(String(SHORT))
    bank_id: Mapped[str | None] = mapped_column(String(LONG))
    owner_name: Mapped[str | None] = mapped_column(String(LONG))
    account_kind: Mapped[str | None] = mapped_column(String(SHORT))
    statement_id: Mapped[str | None] = mapped_column(String(LONG))
    message_id: Mapped[str | None] = mapped_column(String(LONG))
    sequence_number: Mapped[str | None] = mapped_column(String(SHORT))
    electronic_sequence_number: Mapped[str | None] = mapped_column(String(SHORT))
    created_at: Mapped[datetime | None]
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    opening_amount: Mapped[Decimal | None]
    closing_amount: Mapped[Decimal | None]
    transaction_count: Mapped[int] = mapped_column(Integer, default=0)
    transactions_added: Mapped[int] = mapped_column(Integer, default=0)
    balances_reconcile: Mapped[bool | None] = mapped_column(Boolean)
    warnings: Mapped[list[str]]
    # account + statement id + period start (or creation day): "the same statement", whatever its content
    identity_key: Mapped[str] = mapped_column(String(64))
    # identity + period end + opening/closing balance + transaction count: "the same statement, same content"
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # filled in when the statement is complete


class BalanceRow(Base):
    __tablename__ = "balances"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    statement_row_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(SHORT))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    date: Mapped[date | None] = mapped_column(Date)


class BankTransaction(Base):
    """One transaction of a statement: every field of ``gateway.model.Transaction``, and how it was
    deduplicated."""

    __tablename__ = "bank_transactions"
    __table_args__ = (
        # The first-seen transaction of a key holds the key; a flagged possible duplicate has none.
        UniqueConstraint("account_key", "dedup_key"),
        # Looked up by key alone (see repositories.transactions_by_match_key), then by account.
        Index(None, "match_key", "account_key"),
        Index(None, "account_key", "booking_date"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    statement_row_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    import_file_id: Mapped[int] = mapped_column(ForeignKey("import_files.id"), index=True)
    account_key: Mapped[str] = mapped_column(String(LONG))
    position: Mapped[int]  # 1-based, within its statement
    location: Mapped[str] = mapped_column(Text)
    entry: Mapped[int]
    entry_amount: Mapped[Decimal]
    batch_index: Mapped[int | None]
    batch_size: Mapped[int] = mapped_column(Integer, default=1)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    bank_ref: Mapped[str | None] = mapped_column(String(LONG), index=True)
    booking_date: Mapped[date | None] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    counterparty_name: Mapped[str | None] = mapped_column(Text)
    counterparty_iban: Mapped[str | None] = mapped_column(String(SHORT))
    counterparty_account: Mapped[str | None] = mapped_column(String(LONG))
    counterparty_bic: Mapped[str | None] = mapped_column(String(SHORT))
    remittance_text: Mapped[str | None] = mapped_column(Text)
    structured_reference: Mapped[str | None] = mapped_column(String(LONG))
    structured_reference_type: Mapped[str | None] = mapped_column(String(SHORT))
    structured_reference_valid: Mapped[bool | None] = mapped_column(Boolean)
    end_to_end_id: Mapped[str | None] = mapped_column(String(LONG), index=True)
    mandate_id: Mapped[str | None] = mapped_column(String(LONG))
    creditor_id: Mapped[str | None] = mapped_column(String(LONG))
    bank_tx_domain: Mapped[str | None] = mapped_column(String(SHORT))
    bank_tx_family: Mapped[str | None] = mapped_column(String(SHORT))
    bank_tx_subfamily: Mapped[str | None] = mapped_column(String(SHORT))
    bank_tx_proprietary: Mapped[str | None] = mapped_column(String(LONG))
    bank_tx_issuer: Mapped[str | None] = mapped_column(String(SHORT))
    is_reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    return_reason: Mapped[str | None] = mapped_column(String(SHORT))
    original_amount: Mapped[Decimal | None]
    original_currency: Mapped[str | None] = mapped_column(String(CURRENCY))
    exchange_rate: Mapped[Decimal | None]
    entry_ref: Mapped[str | None] = mapped_column(String(LONG))
    extra: Mapped[dict[str, Any]]
    # Dedup: match_key is the layered key (bank reference, else content + occurrence); dedup_key repeats
    # it for the first transaction seen with that key and stays empty on a flagged possible duplicate.
    match_key: Mapped[str] = mapped_column(String(KEY))
    dedup_key: Mapped[str | None] = mapped_column(String(KEY))
    content_hash: Mapped[str] = mapped_column(String(64))
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("bank_transactions.id"), index=True)
    duplicate_evidence: Mapped[str | None] = mapped_column(Text)


class ImportEvent(Base):
    """Append-only audit: what each import attempt did (imported, nothing new, already imported, rejected)."""

    __tablename__ = "import_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    import_file_id: Mapped[int | None] = mapped_column(ForeignKey("import_files.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
