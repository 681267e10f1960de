"""The first tables: imported files, statements, balances, bank transactions, the import audit.

Revision ID: 0001
Revises:
Created: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.storage.types import ExactDecimal

# 64-bit ids on PostgreSQL; SQLite only auto-numbers an INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = ExactDecimal()

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "import_files",
        sa.Column("id", ID, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=True),
        sa.Column("dialect", sa.String(length=40), nullable=True),
        sa.Column("encoding", sa.String(length=40), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statements_new", sa.Integer(), nullable=False),
        sa.Column("statements_known", sa.Integer(), nullable=False),
        sa.Column("transactions_added", sa.Integer(), nullable=False),
        sa.Column("duplicates_skipped", sa.Integer(), nullable=False),
        sa.Column("possible_duplicates", sa.Integer(), nullable=False),
        sa.Column("balance_warnings", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_import_files_sha256")),
    )
    op.create_table(
        "import_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("import_file_id", ID, nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_file_id"], ["import_files.id"], name=op.f("fk_import_events_import_file_id_import_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_events")),
    )
    op.create_index(op.f("ix_import_events_import_file_id"), "import_events", ["import_file_id"])
    op.create_index(op.f("ix_import_events_sha256"), "import_events", ["sha256"])

    op.create_table(
        "statements",
        sa.Column("id", ID, nullable=False),
        sa.Column("import_file_id", ID, nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_key", sa.String(length=255), nullable=False),
        sa.Column("iban", sa.String(length=70), nullable=True),
        sa.Column("account_number", sa.String(length=255), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("servicer_bic", sa.String(length=70), nullable=True),
        sa.Column("bank_id", sa.String(length=255), nullable=True),
        sa.Column("owner_name", sa.String(length=255), nullable=True),
        sa.Column("account_kind", sa.String(length=70), nullable=True),
        sa.Column("statement_id", sa.String(length=255), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("sequence_number", sa.String(length=70), nullable=True),
        sa.Column("electronic_sequence_number", sa.String(length=70), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("opening_amount", MONEY, nullable=True),
        sa.Column("closing_amount", MONEY, nullable=True),
        sa.Column("transaction_count", sa.Integer(), nullable=False),
        sa.Column("transactions_added", sa.Integer(), nullable=False),
        sa.Column("balances_reconcile", sa.Boolean(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("identity_key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_file_id"], ["import_files.id"], name=op.f("fk_statements_import_file_id_import_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("account_key", "fingerprint", name=op.f("uq_statements_account_key_fingerprint")),
    )
    op.create_index(op.f("ix_statements_account_key_identity_key"), "statements", ["account_key", "identity_key"])
    op.create_index(op.f("ix_statements_account_key_period_start"), "statements", ["account_key", "period_start"])
    op.create_index(op.f("ix_statements_import_file_id"), "statements", ["import_file_id"])

    op.create_table(
        "balances",
        sa.Column("id", ID, nullable=False),
        sa.Column("statement_row_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=70), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["statement_row_id"],
            ["statements.id"],
            name=op.f("fk_balances_statement_row_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balances")),
    )
    op.create_index(op.f("ix_balances_statement_row_id"), "balances", ["statement_row_id"])

    op.create_table(
        "bank_transactions",
        sa.Column("id", ID, nullable=False),
        sa.Column("statement_row_id", ID, nullable=False),
        sa.Column("import_file_id", ID, nullable=False),
        sa.Column("account_key", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("entry_amount", MONEY, nullable=False),
        sa.Column("batch_index", sa.Integer(), nullable=True),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("bank_ref", sa.String(length=255), nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("counterparty_name", sa.Text(), nullable=True),
        sa.Column("counterparty_iban", sa.String(length=70), nullable=True),
        sa.Column("counterparty_account", sa.String(length=255), nullable=True),
        sa.Column("counterparty_bic", sa.String(length=70), nullable=True),
        sa.Column("remittance_text", sa.Text(), nullable=True),
        sa.Column("structured_reference", sa.String(length=255), nullable=True),
        sa.Column("structured_reference_type", sa.String(length=70), nullable=True),
        sa.Column("structured_reference_valid", sa.Boolean(), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=255), nullable=True),
        sa.Column("mandate_id", sa.String(length=255), nullable=True),
        sa.Column("creditor_id", sa.String(length=255), nullable=True),
        sa.Column("bank_tx_domain", sa.String(length=70), nullable=True),
        sa.Column("bank_tx_family", sa.String(length=70), nullable=True),
        sa.Column("bank_tx_subfamily", sa.String(length=70), nullable=True),
        sa.Column("bank_tx_proprietary", sa.String(length=255), nullable=True),
        sa.Column("bank_tx_issuer", sa.String(length=70), nullable=True),
        sa.Column("is_reversal", sa.Boolean(), nullable=False),
        sa.Column("return_reason", sa.String(length=70), nullable=True),
        sa.Column("original_amount", MONEY, nullable=True),
        sa.Column("original_currency", sa.String(length=3), nullable=True),
        sa.Column("exchange_rate", MONEY, nullable=True),
        sa.Column("entry_ref", sa.String(length=255), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("match_key", sa.String(length=320), nullable=False),
        sa.Column("dedup_key", sa.String(length=320), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("possible_duplicate_of_id", ID, nullable=True),
        sa.Column("duplicate_evidence", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_file_id"],
            ["import_files.id"],
            name=op.f("fk_bank_transactions_import_file_id_import_files"),
        ),
        sa.ForeignKeyConstraint(
            ["possible_duplicate_of_id"],
            ["bank_transactions.id"],
            name=op.f("fk_bank_transactions_possible_duplicate_of_id_bank_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_row_id"],
            ["statements.id"],
            name=op.f("fk_bank_transactions_statement_row_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_transactions")),
        sa.UniqueConstraint("account_key", "dedup_key", name=op.f("uq_bank_transactions_account_key_dedup_key")),
    )
    op.create_index(
        op.f("ix_bank_transactions_account_key_booking_date"),
        "bank_transactions",
        ["account_key", "booking_date"],
    )
    op.create_index(
        op.f("ix_bank_transactions_match_key_account_key"), "bank_transactions", ["match_key", "account_key"]
    )
    op.create_index(op.f("ix_bank_transactions_bank_ref"), "bank_transactions", ["bank_ref"])
    op.create_index(op.f("ix_bank_transactions_end_to_end_id"), "bank_transactions", ["end_to_end_id"])
    op.create_index(op.f("ix_bank_transactions_import_file_id"), "bank_transactions", ["import_file_id"])
    op.create_index(
        op.f("ix_bank_transactions_possible_duplicate_of_id"),
        "bank_transactions",
        ["possible_duplicate_of_id"],
    )
    op.create_index(op.f("ix_bank_transactions_statement_row_id"), "bank_transactions", ["statement_row_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes too.
    for table in ("bank_transactions", "balances", "statements", "import_events", "import_files"):
        op.drop_table(table)
