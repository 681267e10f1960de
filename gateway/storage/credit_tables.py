"""Tables of the credit check: who a customer is at the bureaus, the reports we paid for, every decision taken
(the audit the credit manager reads), exposure reserved by approved orders, manual limits, and API keys.

    credit_profiles     customer -> bureau identity
    credit_reports      one row per report fetched (bureau + company + time), the normalized report with its raw
    credit_decisions ─< credit_reservations     approved checks reserve their amount until invoiced or expired
    credit_overrides    the credit manager's limits, with expiry and reason (never deleted: revoked)
    api_keys            clients of the credit-check API; only a SHA-256 of each key is kept
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.storage.tables import CURRENCY, LONG, SHORT, Base, Id


class CreditProfile(Base):
    """How we find a customer at the bureaus; ``bureau_id`` is filled in once a search found the company."""

    __tablename__ = "credit_profiles"

    customer_id: Mapped[str] = mapped_column(String(SHORT), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(LONG))
    country: Mapped[str] = mapped_column(String(2))
    registration_number: Mapped[str | None] = mapped_column(String(SHORT))
    vat_number: Mapped[str | None] = mapped_column(String(SHORT))
    bureau: Mapped[str | None] = mapped_column(String(40))
    bureau_id: Mapped[str | None] = mapped_column(String(SHORT))
    updated_at: Mapped[datetime]


class CreditReportRow(Base):
    """A report as fetched: newer rows for the same company are added, never overwritten (each pull was paid)."""

    __tablename__ = "credit_reports"
    __table_args__ = (Index(None, "bureau", "bureau_id", "fetched_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    bureau: Mapped[str] = mapped_column(String(40))
    bureau_id: Mapped[str] = mapped_column(String(SHORT))
    fetched_at: Mapped[datetime]
    report_date: Mapped[date] = mapped_column(Date)
    report: Mapped[dict[str, Any]]  # CreditReport as JSON, raw bureau response included


class CreditDecisionRow(Base):
    """Append-only audit: what was asked, what was answered and why, on which report and exposure."""

    __tablename__ = "credit_decisions"
    __table_args__ = (Index(None, "customer_id", "decided_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    decided_at: Mapped[datetime]
    request_id: Mapped[str] = mapped_column(String(SHORT), index=True)
    client: Mapped[str | None] = mapped_column(String(SHORT))  # the API key's name
    customer_id: Mapped[str] = mapped_column(String(SHORT))
    order_amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    decision: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{code, message}]
    credit_limit: Mapped[Decimal | None]
    exposure: Mapped[Decimal]
    report_id: Mapped[int | None] = mapped_column(ForeignKey("credit_reports.id"), index=True)
    override_id: Mapped[int | None] = mapped_column(ForeignKey("credit_overrides.id"))
    details: Mapped[dict[str, Any]]  # exposure breakdown, policy version, report age


class CreditReservation(Base):
    """Exposure held by an approved order until it is invoiced (``released_at``) or ``expires_at`` passes."""

    __tablename__ = "credit_reservations"
    __table_args__ = (Index(None, "customer_id", "currency", "expires_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("credit_decisions.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(SHORT))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    released_at: Mapped[datetime | None]


class CreditOverride(Base):
    """A limit set by the credit manager for one customer, valid through ``valid_until``."""

    __tablename__ = "credit_overrides"
    __table_args__ = (Index(None, "customer_id", "valid_until"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(SHORT))
    limit_amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(CURRENCY))
    valid_until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(SHORT))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ApiKey(Base):
    """A client of the credit-check API. Keys are 256-bit random, so a plain SHA-256 is enough at rest."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(SHORT), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings so a leaked key can be recognised
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
