"""Credit checks: bureau profiles of customers, stored reports, the decision audit, reservations, manual limits,
API keys.

Revision ID: 0002_credit
Revises: 0001
Created: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.storage.types import ExactDecimal

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = ExactDecimal()
WHEN = sa.DateTime(timezone=True)

revision: str = "0002_credit"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "credit_profiles",
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("registration_number", sa.String(length=70), nullable=True),
        sa.Column("vat_number", sa.String(length=70), nullable=True),
        sa.Column("bureau", sa.String(length=40), nullable=True),
        sa.Column("bureau_id", sa.String(length=70), nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_credit_profiles")),
    )
    op.create_table(
        "credit_reports",
        sa.Column("id", ID, nullable=False),
        sa.Column("bureau", sa.String(length=40), nullable=False),
        sa.Column("bureau_id", sa.String(length=70), nullable=False),
        sa.Column("fetched_at", WHEN, nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_reports")),
    )
    op.create_index(
        op.f("ix_credit_reports_bureau_bureau_id_fetched_at"), "credit_reports", ["bureau", "bureau_id", "fetched_at"]
    )
    op.create_table(
        "credit_overrides",
        sa.Column("id", ID, nullable=False),
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("limit_amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=70), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_overrides")),
    )
    op.create_index(
        op.f("ix_credit_overrides_customer_id_valid_until"), "credit_overrides", ["customer_id", "valid_until"]
    )
    op.create_table(
        "credit_decisions",
        sa.Column("id", ID, nullable=False),
        sa.Column("decided_at", WHEN, nullable=False),
        sa.Column("request_id", sa.String(length=70), nullable=False),
        sa.Column("client", sa.String(length=70), nullable=True),
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("order_amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("credit_limit", MONEY, nullable=True),
        sa.Column("exposure", MONEY, nullable=False),
        sa.Column("report_id", ID, nullable=True),
        sa.Column("override_id", ID, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["credit_reports.id"], name=op.f("fk_credit_decisions_report_id_credit_reports")
        ),
        sa.ForeignKeyConstraint(
            ["override_id"], ["credit_overrides.id"], name=op.f("fk_credit_decisions_override_id_credit_overrides")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_decisions")),
    )
    op.create_index(op.f("ix_credit_decisions_request_id"), "credit_decisions", ["request_id"])
    op.create_index(op.f("ix_credit_decisions_report_id"), "credit_decisions", ["report_id"])
    op.create_index(
        op.f("ix_credit_decisions_customer_id_decided_at"), "credit_decisions", ["customer_id", "decided_at"]
    )
    op.create_table(
        "credit_reservations",
        sa.Column("id", ID, nullable=False),
        sa.Column("decision_id", ID, nullable=False),
        sa.Column("customer_id", sa.String(length=70), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("released_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["credit_decisions.id"], name=op.f("fk_credit_reservations_decision_id_credit_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_reservations")),
    )
    op.create_index(op.f("ix_credit_reservations_decision_id"), "credit_reservations", ["decision_id"])
    op.create_index(
        op.f("ix_credit_reservations_customer_id_currency_expires_at"),
        "credit_reservations",
        ["customer_id", "currency", "expires_at"],
    )
    op.create_table(
        "api_keys",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=70), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_index(op.f("ix_credit_reservations_customer_id_currency_expires_at"), table_name="credit_reservations")
    op.drop_index(op.f("ix_credit_reservations_decision_id"), table_name="credit_reservations")
    op.drop_table("credit_reservations")
    op.drop_index(op.f("ix_credit_decisions_customer_id_decided_at"), table_name="credit_decisions")
    op.drop_index(op.f("ix_credit_decisions_report_id"), table_name="credit_decisions")
    op.drop_index(op.f("ix_credit_decisions_request_id"), table_name="credit_decisions")
    op.drop_table("credit_decisions")
    op.drop_index(op.f("ix_credit_overrides_customer_id_valid_until"), table_name="credit_overrides")
    op.drop_table("credit_overrides")
    op.drop_index(op.f("ix_credit_reports_bureau_bureau_id_fetched_at"), table_name="credit_reports")
    op.drop_table("credit_reports")
    op.drop_table("credit_profiles")
