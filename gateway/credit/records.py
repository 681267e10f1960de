"""Reading and writing the credit tables: profiles, stored reports, overrides, decisions and reservations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.approval.decide import Override
from gateway.errors import InputError
from gateway.model.credit_report import CreditReport
from gateway.model.money import Money
from gateway.storage.credit_tables import CreditOverride, CreditProfile, CreditReportRow

# Bumped by every write below, so this process's caches (gateway.credit.cache) drop what they hold at once.
_GENERATION = [0]


def generation() -> int:
    return _GENERATION[0]


def changed() -> None:
    _GENERATION[0] += 1


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC, so say so."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclass(frozen=True)
class Profile:
    customer_id: str
    country: str
    name: str | None = None
    registration_number: str | None = None
    vat_number: str | None = None
    bureau: str | None = None
    bureau_id: str | None = None


@dataclass(frozen=True)
class StoredReport:
    id: int
    report: CreditReport
    fetched_at: dt.datetime


def get_profile(session: Session, customer_id: str) -> Profile | None:
    row = session.get(CreditProfile, customer_id)
    if row is None:
        return None
    return Profile(row.customer_id, row.country, row.name, row.registration_number, row.vat_number, row.bureau,
                   row.bureau_id)


def set_profile(session: Session, profile: Profile, now: dt.datetime) -> None:
    """Create or replace a customer's profile. Changing the company's identity forgets the bureau id found."""
    country = profile.country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise InputError(f"country must be an ISO 3166 two-letter code, not {profile.country!r}")
    if not (profile.registration_number or profile.vat_number or profile.bureau_id):
        raise InputError(f"customer {profile.customer_id}: give a registration number, a VAT number or a bureau id")
    changed()
    row = session.get(CreditProfile, profile.customer_id)
    if row is None:
        row = CreditProfile(customer_id=profile.customer_id)
        session.add(row)
    same_company = (row.country, row.registration_number, row.vat_number) == (
        country, profile.registration_number, profile.vat_number)
    row.name = profile.name
    row.country = country
    row.registration_number = profile.registration_number
    row.vat_number = profile.vat_number
    row.bureau = profile.bureau or (row.bureau if same_company else None)
    row.bureau_id = profile.bureau_id or (row.bureau_id if same_company else None)
    row.updated_at = now


def remember_bureau_id(session: Session, customer_id: str, bureau: str, bureau_id: str, now: dt.datetime) -> None:
    changed()
    row = session.get(CreditProfile, customer_id)
    if row is not None:
        row.bureau, row.bureau_id, row.updated_at = bureau, bureau_id, now


# Parsed reports: rows are never changed, so a parsed report stays right; bounded, as it holds raw JSON. Keyed by
# the database as well as the row, so two databases served by one process never see each other's reports.
_PARSED: dict[tuple[str, int, str, str, dt.datetime], CreditReport] = {}
_PARSED_MAX = 2048


def latest_report(session: Session, bureau: str, bureau_id: str) -> StoredReport | None:
    newest = session.execute(
        select(CreditReportRow.id, CreditReportRow.fetched_at)
        .where(CreditReportRow.bureau == bureau, CreditReportRow.bureau_id == bureau_id)
        .order_by(CreditReportRow.fetched_at.desc(), CreditReportRow.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return None
    report_id, fetched_at = newest
    key = (session.get_bind().url.render_as_string(hide_password=True), report_id, bureau, bureau_id, fetched_at)
    report = _PARSED.get(key)
    if report is None:
        doc = session.scalar(select(CreditReportRow.report).where(CreditReportRow.id == report_id))
        report = CreditReport.model_validate(doc)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = report
    return StoredReport(report_id, report, utc(fetched_at))


def store_report(session: Session, report: CreditReport) -> StoredReport:
    row = CreditReportRow(
        bureau=report.bureau,
        bureau_id=report.company.bureau_id,
        fetched_at=report.fetched_at,
        report_date=report.report_date,
        report=report.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    changed()
    return StoredReport(row.id, report, utc(report.fetched_at))


def active_override(session: Session, customer_id: str, today: dt.date) -> Override | None:
    """The newest override of the customer that is neither revoked nor past its date."""
    row = session.scalars(
        select(CreditOverride)
        .where(CreditOverride.customer_id == customer_id, CreditOverride.revoked_at.is_(None),
               CreditOverride.valid_until >= today)
        .order_by(CreditOverride.created_at.desc(), CreditOverride.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return Override(Money(row.limit_amount, row.currency), row.valid_until, row.reason, row.id)


def add_override(
    session: Session, customer_id: str, limit: Money, valid_until: dt.date, reason: str, *,
    created_by: str | None, now: dt.datetime,
) -> int:
    """Record the credit manager's limit. Rows are never changed afterwards except to revoke them: the audit."""
    if not reason.strip():
        raise InputError("an override needs a reason")
    if limit.amount < 0:
        raise InputError("an override limit cannot be negative")
    if valid_until < now.date():
        raise InputError(f"the override would already have expired ({valid_until})")
    row = CreditOverride(customer_id=customer_id, limit_amount=limit.amount, currency=limit.currency.upper(),
                         valid_until=valid_until, reason=reason.strip(), created_by=created_by, created_at=now)
    changed()
    session.add(row)
    session.flush()
    return row.id


def report_summary(stored: StoredReport | None, *, now: dt.datetime, stale: bool) -> dict[str, Any] | None:
    """What the API shows of a report (the raw bureau response stays in the database)."""
    if stored is None:
        return None
    r = stored.report
    limit = r.credit_limit
    return {
        "id": stored.id,
        "bureau": r.bureau,
        "bureau_id": r.company.bureau_id,
        "company_name": r.company.name,
        "country": r.company.country,
        "status": r.company.status.value,
        "score": None if r.score is None else str(r.score),
        "bureau_score": r.bureau_score,
        "bureau_band": r.bureau_band,
        "recommended_limit": None if limit is None else {"value": str(limit.amount), "currency": limit.currency},
        "days_beyond_terms": None if r.days_beyond_terms is None else str(r.days_beyond_terms),
        "negative_events": len(r.negative_events),
        "report_date": r.report_date.isoformat(),
        "fetched_at": stored.fetched_at.isoformat(),
        "age_seconds": int((now - stored.fetched_at).total_seconds()),
        "stale": stale,
    }


def money_json(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": str(value), "currency": currency}
