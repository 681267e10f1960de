"""The ageing of the book: a covering index of the open invoices by customer, currency and due date.

Revision ID: 0005_ageing
Revises: 0004_desk
Created: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision: str = "0005_ageing"
down_revision: str | None = "0004_desk"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_invoices_ageing",
            ["is_open", "customer_id", "currency", "due_date", "open_milli"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_invoices_ageing")
