"""The credit manager's desk: contacts, reminders sent, promises and payment plans, notes, disputes.

Revision ID: 0004_desk
Revises: 0003
Created: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.storage.types import ExactDecimal

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = ExactDecimal()

revision: str = "0004_desk"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "desk_contacts",
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("contact_name", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["ledger_customers.customer_id"],
            name=op.f("fk_desk_contacts_customer_id_ledger_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_desk_contacts")),
    )
    op.create_table(
        "desk_follow_ups",
        sa.Column("id", ID, nullable=False),
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("level_name", sa.String(length=70), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_overdue", MONEY, nullable=False),
        sa.Column("fee", MONEY, nullable=False),
        sa.Column("interest", MONEY, nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["ledger_customers.customer_id"],
            name=op.f("fk_desk_follow_ups_customer_id_ledger_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_follow_ups")),
    )
    with op.batch_alter_table("desk_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_follow_ups_customer_id_created_at"), ["customer_id", "created_at"], unique=False
        )

    op.create_table(
        "desk_promises",
        sa.Column("id", ID, nullable=False),
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["ledger_customers.customer_id"],
            name=op.f("fk_desk_promises_customer_id_ledger_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_promises")),
    )
    with op.batch_alter_table("desk_promises", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_promises_customer_id_status"), ["customer_id", "status"], unique=False
        )

    op.create_table(
        "desk_disputes",
        sa.Column("id", ID, nullable=False),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_by", sa.String(length=255), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.String(length=255), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["ledger_customers.customer_id"],
            name=op.f("fk_desk_disputes_customer_id_ledger_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["ledger_invoices.id"], name=op.f("fk_desk_disputes_invoice_id_ledger_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_disputes")),
    )
    with op.batch_alter_table("desk_disputes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_disputes_customer_id_status"), ["customer_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_desk_disputes_invoice_id_status"), ["invoice_id", "status"], unique=False)

    op.create_table(
        "desk_follow_up_items",
        sa.Column("id", ID, nullable=False),
        sa.Column("follow_up_id", ID, nullable=False),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("open_amount", MONEY, nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("fee", MONEY, nullable=False),
        sa.Column("interest", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_up_id"], ["desk_follow_ups.id"], name=op.f("fk_desk_follow_up_items_follow_up_id_desk_follow_ups")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["ledger_invoices.id"], name=op.f("fk_desk_follow_up_items_invoice_id_ledger_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_follow_up_items")),
        sa.UniqueConstraint("follow_up_id", "invoice_id", name=op.f("uq_desk_follow_up_items_follow_up_id_invoice_id")),
    )
    with op.batch_alter_table("desk_follow_up_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_follow_up_items_invoice_id_level"), ["invoice_id", "level"], unique=False
        )

    op.create_table(
        "desk_instalments",
        sa.Column("id", ID, nullable=False),
        sa.Column("promise_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["promise_id"], ["desk_promises.id"], name=op.f("fk_desk_instalments_promise_id_desk_promises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_instalments")),
        sa.UniqueConstraint("promise_id", "seq", name=op.f("uq_desk_instalments_promise_id_seq")),
    )
    with op.batch_alter_table("desk_instalments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_instalments_promise_id"), ["promise_id"], unique=False)

    op.create_table(
        "desk_notes",
        sa.Column("id", ID, nullable=False),
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("invoice_id", ID, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["ledger_customers.customer_id"], name=op.f("fk_desk_notes_customer_id_ledger_customers")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["ledger_invoices.id"], name=op.f("fk_desk_notes_invoice_id_ledger_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_notes")),
    )
    with op.batch_alter_table("desk_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_notes_customer_id_created_at"), ["customer_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_desk_notes_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("desk_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_notes_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_desk_notes_customer_id_created_at"))

    op.drop_table("desk_notes")
    with op.batch_alter_table("desk_instalments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_instalments_promise_id"))

    op.drop_table("desk_instalments")
    with op.batch_alter_table("desk_follow_up_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_follow_up_items_invoice_id_level"))

    op.drop_table("desk_follow_up_items")
    with op.batch_alter_table("desk_disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_disputes_invoice_id_status"))
        batch_op.drop_index(batch_op.f("ix_desk_disputes_customer_id_status"))

    op.drop_table("desk_disputes")
    with op.batch_alter_table("desk_promises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_promises_customer_id_status"))

    op.drop_table("desk_promises")
    with op.batch_alter_table("desk_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_follow_ups_customer_id_created_at"))

    op.drop_table("desk_follow_ups")
    op.drop_table("desk_contacts")
