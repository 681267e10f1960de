"""The credit side of a customer's credit file: bureau reports, credit decisions and the limit in force.

    credit_profiles ── (bureau, bureau_id) ──< credit_reports     report history, newest first
    credit_decisions                                             what the credit check answered, newest first
    credit_overrides                                             the credit manager's limit, if one is in force

The file is read as it stood on a date (``as_of``): reports fetched and decisions taken up to the end of that
day, and the override in force on it. The limit is the credit manager's override when one is in force, else the
limit of the latest decision that had one; headroom is that limit less the exposure in the limit's currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.model.credit_report import CreditReport
from gateway.storage.credit_tables import CreditDecisionRow, CreditOverride, CreditProfile, CreditReportRow

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ProfileView:
    """How the customer is known at the bureaus."""

    country: str
    name: str | None
    registration_number: str | None
    vat_number: str | None
    bureau: str | None
    bureau_id: str | None


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One bureau report as fetched (each pull is kept)."""

    id: int
    bureau: str
    bureau_id: str
    report_date: date
    fetched_at: datetime
    company_name: str | None
    company_status: str | None
    score: Decimal | None
    bureau_score: str | None
    band: str | None
    probability_of_default: Decimal | None
    recommended_limit: Decimal | None
    limit_currency: str | None
    days_beyond_terms: Decimal | None
    negative_events: int
    readable: bool  # False when the stored report no longer parses (shown, not hidden)


@dataclass(frozen=True, slots=True)
class DecisionLine:
    """One answer of the credit check."""

    id: int
    decided_at: datetime
    request_id: str
    client: str | None
    order_amount: Decimal
    currency: str
    decision: str
    reason_codes: tuple[str, ...]
    reasons: tuple[str, ...]  # "CODE: message"
    credit_limit: Decimal | None
    exposure: Decimal
    limit_source: str | None


@dataclass(frozen=True, slots=True)
class CreditLimit:
    """The limit in force and where it comes from: ``override`` (the credit manager's) or ``decision``."""

    amount: Decimal
    currency: str
    source: str
    since: datetime
    valid_until: date | None = None  # overrides only
    reason: str | None = None  # overrides only
    set_by: str | None = None  # overrides only
    decision_id: int | None = None  # decisions only


@dataclass(frozen=True, slots=True)
class CreditFile:
    customer_id: str
    as_of: date
    profile: ProfileView | None
    reports: list[ReportLine]
    decisions: list[DecisionLine]
    limit: CreditLimit | None

    @property
    def latest_report(self) -> ReportLine | None:
        return self.reports[0] if self.reports else None


def end_of(day: date) -> datetime:
    """The first moment after ``day`` (UTC): rows before it belong to the file as of that day."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _report_line(row: CreditReportRow) -> ReportLine:
    try:
        report = CreditReport.model_validate(row.report)
    except ValidationError:
        return ReportLine(row.id, row.bureau, row.bureau_id, row.report_date, _utc(row.fetched_at), None, None,
                          None, None, None, None, None, None, None, 0, False)
    limit = report.credit_limit
    return ReportLine(
        id=row.id,
        bureau=row.bureau,
        bureau_id=row.bureau_id,
        report_date=row.report_date,
        fetched_at=_utc(row.fetched_at),
        company_name=report.company.name,
        company_status=report.company.status.value,
        score=report.score,
        bureau_score=report.bureau_score,
        band=report.bureau_band,
        probability_of_default=report.probability_of_default,
        recommended_limit=None if limit is None else limit.amount,
        limit_currency=None if limit is None else limit.currency,
        days_beyond_terms=report.days_beyond_terms,
        negative_events=len(report.negative_events),
        readable=True,
    )


def _decision_line(row: CreditDecisionRow) -> DecisionLine:
    reasons = [r for r in (row.reasons or []) if isinstance(r, Mapping)]
    details = row.details if isinstance(row.details, Mapping) else {}
    return DecisionLine(
        id=row.id,
        decided_at=_utc(row.decided_at),
        request_id=row.request_id,
        client=row.client,
        order_amount=row.order_amount,
        currency=row.currency,
        decision=row.decision,
        reason_codes=tuple(str(r.get("code", "")) for r in reasons),
        reasons=tuple(f"{r.get('code', '')}: {r.get('message', '')}" for r in reasons),
        credit_limit=row.credit_limit,
        exposure=row.exposure,
        limit_source=details.get("limit_source"),
    )


def reports(session: Session, profile: CreditProfile | None, as_of: date, *, limit: int = 50) -> list[ReportLine]:
    """The reports of the customer's company at its bureau, newest first."""
    if profile is None or not profile.bureau or not profile.bureau_id:
        return []
    rows = session.scalars(
        select(CreditReportRow)
        .where(
            CreditReportRow.bureau == profile.bureau,
            CreditReportRow.bureau_id == profile.bureau_id,
            CreditReportRow.fetched_at < end_of(as_of),
        )
        .order_by(CreditReportRow.fetched_at.desc(), CreditReportRow.id.desc())
        .limit(limit)
    )
    return [_report_line(r) for r in rows]


def decisions(session: Session, customer_id: str, as_of: date, *, limit: int = 20) -> list[DecisionLine]:
    rows = session.scalars(
        select(CreditDecisionRow)
        .where(CreditDecisionRow.customer_id == customer_id, CreditDecisionRow.decided_at < end_of(as_of))
        .order_by(CreditDecisionRow.decided_at.desc(), CreditDecisionRow.id.desc())
        .limit(limit)
    )
    return [_decision_line(r) for r in rows]


def override_in_force(session: Session, customer_id: str, as_of: date) -> CreditOverride | None:
    """The newest override set by ``as_of``, valid through it and not revoked by then."""
    end = end_of(as_of)
    return session.scalars(
        select(CreditOverride)
        .where(
            CreditOverride.customer_id == customer_id,
            CreditOverride.created_at < end,
            CreditOverride.valid_until >= as_of,
            or_(CreditOverride.revoked_at.is_(None), CreditOverride.revoked_at >= end),
        )
        .order_by(CreditOverride.created_at.desc(), CreditOverride.id.desc())
        .limit(1)
    ).first()


def limit_in_force(session: Session, customer_id: str, as_of: date) -> CreditLimit | None:
    override = override_in_force(session, customer_id, as_of)
    if override is not None:
        return CreditLimit(
            amount=override.limit_amount,
            currency=override.currency,
            source="override",
            since=_utc(override.created_at),
            valid_until=override.valid_until,
            reason=override.reason,
            set_by=override.created_by,
        )
    row = session.scalars(
        select(CreditDecisionRow)
        .where(
            CreditDecisionRow.customer_id == customer_id,
            CreditDecisionRow.credit_limit.is_not(None),
            CreditDecisionRow.decided_at < end_of(as_of),
        )
        .order_by(CreditDecisionRow.decided_at.desc(), CreditDecisionRow.id.desc())
        .limit(1)
    ).first()
    if row is None or row.credit_limit is None:
        return None
    return CreditLimit(row.credit_limit, row.currency, "decision", _utc(row.decided_at), decision_id=row.id)


def headroom(limit: CreditLimit | None, exposure: Mapping[str, Decimal]) -> Decimal | None:
    """What may still be granted: the limit less the exposure in its currency (negative when over the limit)."""
    if limit is None:
        return None
    return limit.amount - exposure.get(limit.currency, ZERO)


def credit_file(session: Session, customer_id: str, as_of: date) -> CreditFile:
    row = session.get(CreditProfile, customer_id)
    profile = (
        None
        if row is None
        else ProfileView(row.country, row.name, row.registration_number, row.vat_number, row.bureau, row.bureau_id)
    )
    return CreditFile(
        customer_id=customer_id,
        as_of=as_of,
        profile=profile,
        reports=reports(session, row, as_of),
        decisions=decisions(session, customer_id, as_of),
        limit=limit_in_force(session, customer_id, as_of),
    )
