"""Queries the import needs, in one place: files by hash, statements by fingerprint, transactions by key.

All functions take the caller's session and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Table, any_, func, insert, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from gateway.storage.tables import BankTransaction, ImportEvent, ImportFile, StatementRow

TRANSACTIONS: Table = BankTransaction.__table__  # type: ignore[assignment]  # a mapped class's Table

# Keys per IN (...) list: far below SQLite's host-parameter limit, small enough for PostgreSQL's planner.
IN_CHUNK = 500


def file_by_sha256(session: Session, sha256: str) -> ImportFile | None:
    return session.scalars(select(ImportFile).where(ImportFile.sha256 == sha256)).one_or_none()


@dataclass(frozen=True, slots=True)
class KnownStatement:
    id: int
    statement_id: str | None
    file_name: str
    imported_at: datetime
    location: str


def statement_by_fingerprint(session: Session, account_key: str, fingerprint: str) -> KnownStatement | None:
    row = session.execute(
        select(
            StatementRow.id,
            StatementRow.statement_id,
            ImportFile.name,
            ImportFile.imported_at,
            StatementRow.location,
        )
        .join(ImportFile, ImportFile.id == StatementRow.import_file_id)
        .where(StatementRow.account_key == account_key, StatementRow.fingerprint == fingerprint)
    ).first()
    return None if row is None else KnownStatement(*row)


@dataclass(slots=True)
class KnownTransaction:
    """A stored transaction that shares a match key with an incoming one."""

    id: int | None  # None while it is still waiting in the current batch
    match_key: str
    content_hash: str
    statement_row_id: int
    identity_key: str
    statement_id: str | None
    file_name: str
    imported_at: datetime | None
    location: str
    amount: Decimal
    currency: str
    booking_date: date | None
    canonical: bool  # holds the dedup key (not itself a flagged possible duplicate)


def transactions_by_match_key(
    session: Session, account_key: str, match_keys: Iterable[str]
) -> dict[str, list[KnownTransaction]]:
    """Stored transactions of the account with one of these keys, oldest first.

    The query filters on the key alone and drops other accounts here: inside a long import transaction
    the planner's statistics do not know the rows just inserted, and given an ``account_key = ...``
    condition it walks every row of the account for each batch (quadratic on a large file). By key
    alone the only sensible plan is the match_key index. PostgreSQL gets one array parameter
    (``= ANY``) instead of hundreds of IN parameters, which plan far more slowly.
    """
    found: dict[str, list[KnownTransaction]] = {}
    keys = sorted(set(match_keys))
    postgres = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(keys), IN_CHUNK):
        chunk = keys[start : start + IN_CHUNK]
        condition = (
            BankTransaction.match_key == any_(literal(chunk, ARRAY(String())))
            if postgres
            else BankTransaction.match_key.in_(chunk)
        )
        rows = session.execute(
            select(
                BankTransaction.account_key,
                BankTransaction.id,
                BankTransaction.match_key,
                BankTransaction.content_hash,
                BankTransaction.statement_row_id,
                StatementRow.identity_key,
                StatementRow.statement_id,
                ImportFile.name.label("file_name"),
                ImportFile.imported_at,
                BankTransaction.location,
                BankTransaction.amount,
                BankTransaction.currency,
                BankTransaction.booking_date,
                BankTransaction.dedup_key.is_not(None).label("canonical"),
            )
            .join(StatementRow, StatementRow.id == BankTransaction.statement_row_id)
            .join(ImportFile, ImportFile.id == BankTransaction.import_file_id)
            .where(condition)
            .order_by(BankTransaction.id)
        )
        for row in rows:
            values = row._asdict()
            if values.pop("account_key") != account_key:
                continue
            known = KnownTransaction(**values)
            found.setdefault(known.match_key, []).append(known)
    return found


def transaction_id_by_dedup_key(session: Session, account_key: str, dedup_key: str) -> int:
    return session.execute(
        select(BankTransaction.id).where(
            BankTransaction.account_key == account_key, BankTransaction.dedup_key == dedup_key
        )
    ).scalar_one()


def insert_transactions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany on the Core table (SQLAlchemy batches it into multi-row INSERTs on both backends;
    the ORM bulk path adds per-row bookkeeping that the import does not need)."""
    if rows:
        session.connection().execute(TRANSACTIONS.insert(), list(rows))


def record_event(session: Session, **values: Any) -> None:
    session.execute(insert(ImportEvent), [values])


def counts(session: Session) -> dict[str, int]:
    """Row counts of the data tables (for `gateway db current` and tests)."""
    return {
        "import_files": session.scalar(select(func.count()).select_from(ImportFile)) or 0,
        "statements": session.scalar(select(func.count()).select_from(StatementRow)) or 0,
        "bank_transactions": session.scalar(select(func.count()).select_from(BankTransaction)) or 0,
        "import_events": session.scalar(select(func.count()).select_from(ImportEvent)) or 0,
    }
