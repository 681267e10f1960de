"""Who may use the review page: users with a role, and their server-side sign-in sessions.

    users ─< web_sessions
    write_off_requests   (a write-off above the limit, waiting for a manager's approval)

A session row holds only the SHA-256 of the cookie's token (a leaked database does not sign anybody in),
the per-session CSRF token, and a one-shot message shown on the next page (post/redirect/get).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.storage.tables import CURRENCY, LONG, SHORT, Base, Id

ROLES = ("clerk", "manager", "auditor")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(LONG), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, with its parameters and salt
    role: Mapped[str] = mapped_column(String(20))  # clerk | manager | auditor
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class WebSession(Base):
    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    flash: Mapped[str | None] = mapped_column(Text)  # JSON: {"kind": "ok"|"error", "text": ...}


class WriteOffRequest(Base):
    """A clerk's write-off above the limit: a manager approves it (then the ledger writes it off with both
    names) or declines it. The ledger's audit trail records the write-off itself."""

    __tablename__ = "write_off_requests"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(SHORT))  # the invoice number, as the ledger names it
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    reason: Mapped[str] = mapped_column(Text)
    payment_id: Mapped[int | None]
    requested_by: Mapped[str] = mapped_column(String(LONG))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending | approved | declined
    decided_by: Mapped[str | None] = mapped_column(String(LONG))
    decided_at: Mapped[datetime | None]
    write_off_id: Mapped[int | None]
