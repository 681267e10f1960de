"""The open items ledger: customers and accounts, invoices, payments, allocations, write-offs, match
decisions, the append-only audit trail and the job's file table.

Revision ID: 0002_ledger
Revises: 0001
Created: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.storage.types import ExactDecimal

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = ExactDecimal()

revision: str = "0002_ledger"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_audit",
        sa.Column("id", ID, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=70), nullable=False),
        sa.Column("entity", sa.String(length=70), nullable=False),
        sa.Column("entity_id", sa.String(length=320), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_audit")),
    )
    op.create_index(op.f("ix_ledger_audit_at"), "ledger_audit", ["at"], unique=False)
    op.create_index(op.f("ix_ledger_audit_entity_entity_id"), "ledger_audit", ["entity", "entity_id"], unique=False)
    op.create_table(
        "ledger_customers",
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_ledger_customers")),
    )
    op.create_table(
        "ledger_customer_accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("iban", sa.String(length=70), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["ledger_customers.customer_id"],
            name=op.f("fk_ledger_customer_accounts_customer_id_ledger_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_customer_accounts")),
        sa.UniqueConstraint("customer_id", "iban", name=op.f("uq_ledger_customer_accounts_customer_id_iban")),
    )
    op.create_index(op.f("ix_ledger_customer_accounts_iban"), "ledger_customer_accounts", ["iban"], unique=False)
    op.create_table(
        "ledger_invoices",
        sa.Column("id", ID, nullable=False),
        sa.Column("invoice_id", sa.String(length=70), nullable=False),
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("settled_before", MONEY, nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("open_amount", MONEY, nullable=False),
        sa.Column("open_milli", sa.BigInteger(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["ledger_customers.customer_id"],
            name=op.f("fk_ledger_invoices_customer_id_ledger_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_invoices")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_ledger_invoices_invoice_id")),
    )
    op.create_index(
        op.f("ix_ledger_invoices_customer_id_currency_is_open"),
        "ledger_invoices",
        ["customer_id", "currency", "is_open"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ledger_invoices_is_open_currency_open_milli"),
        "ledger_invoices",
        ["is_open", "currency", "open_milli"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ledger_invoices_is_open_updated_at"), "ledger_invoices", ["is_open", "updated_at"], unique=False
    )
    op.create_index(op.f("ix_ledger_invoices_reference"), "ledger_invoices", ["reference"], unique=False)
    op.create_table(
        "ledger_job_files",
        sa.Column("id", ID, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("import_file_id", ID, nullable=True),
        sa.Column("worker", sa.String(length=255), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_file_id"], ["import_files.id"], name=op.f("fk_ledger_job_files_import_file_id_import_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_job_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_ledger_job_files_sha256")),
    )
    op.create_table(
        "ledger_payments",
        sa.Column("id", ID, nullable=False),
        sa.Column("bank_transaction_id", ID, nullable=False),
        sa.Column("import_file_id", ID, nullable=False),
        sa.Column("account_key", sa.String(length=255), nullable=False),
        sa.Column("bank_ref", sa.String(length=255), nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("amount_milli", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("counterparty_name", sa.Text(), nullable=True),
        sa.Column("counterparty_iban", sa.String(length=70), nullable=True),
        sa.Column("remittance_text", sa.Text(), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=70), nullable=True),
        sa.Column("unapplied", MONEY, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_transaction_id"],
            ["bank_transactions.id"],
            name=op.f("fk_ledger_payments_bank_transaction_id_bank_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["ledger_customers.customer_id"],
            name=op.f("fk_ledger_payments_customer_id_ledger_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["import_file_id"], ["import_files.id"], name=op.f("fk_ledger_payments_import_file_id_import_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_payments")),
        sa.UniqueConstraint("bank_transaction_id", name=op.f("uq_ledger_payments_bank_transaction_id")),
    )
    op.create_index(
        op.f("ix_ledger_payments_customer_id_status"), "ledger_payments", ["customer_id", "status"], unique=False
    )
    op.create_index(op.f("ix_ledger_payments_end_to_end_id"), "ledger_payments", ["end_to_end_id"], unique=False)
    op.create_index(op.f("ix_ledger_payments_import_file_id"), "ledger_payments", ["import_file_id"], unique=False)
    op.create_index(
        op.f("ix_ledger_payments_status_amount_milli_id"),
        "ledger_payments",
        ["status", "amount_milli", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ledger_payments_status_booking_date_id"),
        "ledger_payments",
        ["status", "booking_date", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ledger_payments_status_counterparty_iban_id"),
        "ledger_payments",
        ["status", "counterparty_iban", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ledger_payments_status_customer_id_id"),
        "ledger_payments",
        ["status", "customer_id", "id"],
        unique=False,
    )
    op.create_table(
        "ledger_decisions",
        sa.Column("id", ID, nullable=False),
        sa.Column("payment_id", ID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=70), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("suggestions", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["ledger_payments.id"], name=op.f("fk_ledger_decisions_payment_id_ledger_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_decisions")),
    )
    op.create_index(op.f("ix_ledger_decisions_payment_id"), "ledger_decisions", ["payment_id"], unique=False)
    op.create_table(
        "ledger_write_offs",
        sa.Column("id", ID, nullable=False),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("payment_id", ID, nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("approved_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["ledger_invoices.id"], name=op.f("fk_ledger_write_offs_invoice_id_ledger_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["ledger_payments.id"], name=op.f("fk_ledger_write_offs_payment_id_ledger_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_write_offs")),
    )
    op.create_index(op.f("ix_ledger_write_offs_created_at"), "ledger_write_offs", ["created_at"], unique=False)
    op.create_index(op.f("ix_ledger_write_offs_invoice_id"), "ledger_write_offs", ["invoice_id"], unique=False)
    op.create_index(op.f("ix_ledger_write_offs_payment_id"), "ledger_write_offs", ["payment_id"], unique=False)
    op.create_table(
        "ledger_allocations",
        sa.Column("id", ID, nullable=False),
        sa.Column("payment_id", ID, nullable=False),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reverses_id", ID, nullable=True),
        sa.Column("decision_id", ID, nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["ledger_decisions.id"], name=op.f("fk_ledger_allocations_decision_id_ledger_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["ledger_invoices.id"], name=op.f("fk_ledger_allocations_invoice_id_ledger_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["ledger_payments.id"], name=op.f("fk_ledger_allocations_payment_id_ledger_payments")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_allocations.id"],
            name=op.f("fk_ledger_allocations_reverses_id_ledger_allocations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_allocations")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_ledger_allocations_reverses_id")),
    )
    op.create_index(op.f("ix_ledger_allocations_created_at"), "ledger_allocations", ["created_at"], unique=False)
    op.create_index(op.f("ix_ledger_allocations_invoice_id"), "ledger_allocations", ["invoice_id"], unique=False)
    op.create_index(op.f("ix_ledger_allocations_payment_id"), "ledger_allocations", ["payment_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_allocations_payment_id"), table_name="ledger_allocations")
    op.drop_index(op.f("ix_ledger_allocations_invoice_id"), table_name="ledger_allocations")
    op.drop_index(op.f("ix_ledger_allocations_created_at"), table_name="ledger_allocations")
    op.drop_table("ledger_allocations")
    op.drop_index(op.f("ix_ledger_write_offs_payment_id"), table_name="ledger_write_offs")
    op.drop_index(op.f("ix_ledger_write_offs_invoice_id"), table_name="ledger_write_offs")
    op.drop_index(op.f("ix_ledger_write_offs_created_at"), table_name="ledger_write_offs")
    op.drop_table("ledger_write_offs")
    op.drop_index(op.f("ix_ledger_decisions_payment_id"), table_name="ledger_decisions")
    op.drop_table("ledger_decisions")
    op.drop_index(op.f("ix_ledger_payments_status_customer_id_id"), table_name="ledger_payments")
    op.drop_index(op.f("ix_ledger_payments_status_counterparty_iban_id"), table_name="ledger_payments")
    op.drop_index(op.f("ix_ledger_payments_status_booking_date_id"), table_name="ledger_payments")
    op.drop_index(op.f("ix_ledger_payments_status_amount_milli_id"), table_name="ledger_payments")
    op.drop_index(op.f("ix_ledger_payments_import_file_id"), table_name="ledger_payments")
    op.drop_index(op.f("ix_ledger_payments_end_to_end_id"), table_name="ledger_payments")
    op.drop_index(op.f("ix_ledger_payments_customer_id_status"), table_name="ledger_payments")
    op.drop_table("ledger_payments")
    op.drop_table("ledger_job_files")
    op.drop_index(op.f("ix_ledger_invoices_reference"), table_name="ledger_invoices")
    op.drop_index(op.f("ix_ledger_invoices_is_open_updated_at"), table_name="ledger_invoices")
    op.drop_index(op.f("ix_ledger_invoices_is_open_currency_open_milli"), table_name="ledger_invoices")
    op.drop_index(op.f("ix_ledger_invoices_customer_id_currency_is_open"), table_name="ledger_invoices")
    op.drop_table("ledger_invoices")
    op.drop_index(op.f("ix_ledger_customer_accounts_iban"), table_name="ledger_customer_accounts")
    op.drop_table("ledger_customer_accounts")
    op.drop_table("ledger_customers")
    op.drop_index(op.f("ix_ledger_audit_entity_entity_id"), table_name="ledger_audit")
    op.drop_index(op.f("ix_ledger_audit_at"), table_name="ledger_audit")
    op.drop_table("ledger_audit")
