"""The credit side of the credit file: reports, decisions and the limit in force, as they stood on a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from gateway.credit import records
from gateway.desk.credit_file import CreditLimit, credit_file, headroom
from gateway.model.credit_report import CompanyIdentity, CreditReport
from gateway.model.money import Money
from gateway.storage.credit_tables import CreditDecisionRow, CreditOverride, CreditReportRow

DAY = date(2026, 3, 31)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def report(bureau_id: str, fetched: datetime, score: str, limit: str | None) -> CreditReport:
    return CreditReport(
        bureau="creditsafe",
        company=CompanyIdentity(bureau_id=bureau_id, name="Muster GmbH", country="DE"),
        score=Decimal(score),
        bureau_band="B",
        credit_limit=None if limit is None else Money(Decimal(limit), "EUR"),
        report_date=fetched.date(),
        fetched_at=fetched,
    )


def decision(session: Session, when: datetime, outcome: str, limit: str | None, order: str = "1000.00") -> None:
    session.add(
        CreditDecisionRow(
            decided_at=when,
            request_id=f"r-{when:%Y%m%d%H%M}",
            client="shop",
            customer_id="C-1",
            order_amount=Decimal(order),
            currency="EUR",
            decision=outcome,
            reasons=[{"code": "SCORE_OK", "message": "score above the threshold"}, {"code": "LIMIT", "message": "x"}],
            credit_limit=None if limit is None else Decimal(limit),
            exposure=Decimal("0"),
            report_id=None,
            override_id=None,
            details={"limit_source": "bureau"},
        )
    )


def override(session: Session, created: datetime, until: date, amount: str, revoked: datetime | None = None) -> None:
    session.add(
        CreditOverride(
            customer_id="C-1",
            limit_amount=Decimal(amount),
            currency="EUR",
            valid_until=until,
            reason="guarantee",
            created_by="max",
            created_at=created,
            revoked_at=revoked,
        )
    )


def test_a_customer_without_profile_or_decisions_has_an_empty_file(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        cf = credit_file(session, "C-1", DAY)
    assert cf.profile is None and cf.reports == [] and cf.decisions == [] and cf.limit is None
    assert cf.latest_report is None


def test_reports_of_the_customers_company_newest_first_up_to_the_end_of_the_day(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        records.set_profile(
            session, records.Profile("C-1", "DE", "Muster", "HRB 1", None, "creditsafe", "DE-1"), at(DAY)
        )
        records.store_report(session, report("DE-1", at(DAY - timedelta(days=90)), "70", "9000.00"))
        records.store_report(session, report("DE-1", at(DAY, 23, 59), "55", None))
        records.store_report(session, report("DE-1", at(DAY + timedelta(days=1), 0, 0), "40", "1.00"))
        records.store_report(session, report("DE-2", at(DAY), "99", "1.00"))  # another company
        session.add(
            CreditReportRow(bureau="creditsafe", bureau_id="DE-1", fetched_at=at(DAY - timedelta(days=200)),
                            report_date=DAY - timedelta(days=200), report={"not": "a report"})
        )
        session.commit()
        cf = credit_file(session, "C-1", DAY)
    assert cf.profile is not None and cf.profile.bureau_id == "DE-1" and cf.profile.registration_number == "HRB 1"
    assert [r.score for r in cf.reports] == [Decimal("55"), Decimal("70"), None]
    newest = cf.latest_report
    assert newest is not None and newest.recommended_limit is None and newest.band == "B"
    assert cf.reports[1].recommended_limit == Decimal("9000.00") and cf.reports[1].limit_currency == "EUR"
    assert cf.reports[1].company_status == "unknown" and cf.reports[1].readable
    assert not cf.reports[2].readable  # shown as unreadable, not dropped


def test_the_limit_is_the_latest_decision_with_one(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        decision(session, at(DAY - timedelta(days=20)), "approve", "5000.00")
        decision(session, at(DAY - timedelta(days=2)), "refer", None)
        decision(session, at(DAY + timedelta(days=1), 0, 0), "approve", "1.00")  # after the day
        session.commit()
        cf = credit_file(session, "C-1", DAY)
    assert [d.decision for d in cf.decisions] == ["refer", "approve"]
    assert cf.decisions[0].reason_codes == ("SCORE_OK", "LIMIT")
    assert cf.decisions[0].reasons[0] == "SCORE_OK: score above the threshold"
    assert cf.decisions[1].limit_source == "bureau"
    assert cf.limit == CreditLimit(Decimal("5000.00"), "EUR", "decision", at(DAY - timedelta(days=20)),
                                   decision_id=cf.decisions[1].id)


def test_an_override_in_force_on_the_day_replaces_the_decisions_limit(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        decision(session, at(DAY - timedelta(days=20)), "approve", "5000.00")
        override(session, at(DAY - timedelta(days=40)), DAY + timedelta(days=30), "7000.00")
        override(session, at(DAY - timedelta(days=10)), DAY - timedelta(days=1), "1.00")  # expired the day before
        override(session, at(DAY - timedelta(days=5)), DAY + timedelta(days=30), "2.00", revoked=at(DAY, 8))
        override(session, at(DAY + timedelta(days=1), 9), DAY + timedelta(days=30), "3.00")  # set afterwards
        session.commit()
        cf = credit_file(session, "C-1", DAY)
        limit = cf.limit
        assert limit is not None
        assert (limit.amount, limit.source, limit.valid_until, limit.reason, limit.set_by) == (
            Decimal("7000.00"), "override", DAY + timedelta(days=30), "guarantee", "max"
        )
        # Revoked the day after: it was still in force on the day.
        later = credit_file(session, "C-1", DAY - timedelta(days=1)).limit
        assert later is not None and later.amount == Decimal("2.00")
        # After the first override has run out, the decision's limit is back.
        after = credit_file(session, "C-1", DAY + timedelta(days=31)).limit
        assert after is not None and after.source == "decision"


def test_headroom_is_the_limit_less_the_exposure_in_its_currency() -> None:
    limit = CreditLimit(Decimal("8000.00"), "EUR", "decision", at(DAY))
    assert headroom(limit, {"EUR": Decimal("6668.40"), "USD": Decimal("99")}) == Decimal("1331.60")
    assert headroom(limit, {"USD": Decimal("99")}) == Decimal("8000.00")
    assert headroom(limit, {"EUR": Decimal("8000.01")}) == Decimal("-0.01")
    assert headroom(None, {"EUR": Decimal(1)}) is None
