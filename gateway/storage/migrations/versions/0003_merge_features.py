"""Join the ledger, credit and sign-in branches, which were added side by side.

Revision ID: 0003
Revises: 0002_ledger, 0002_credit, 0002_auth
Created: 2026-11-27
"""

from __future__ import annotations

revision: str = "0003"
down_revision: tuple[str, ...] = ("0002_ledger", "0002_credit", "0002_auth")
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
