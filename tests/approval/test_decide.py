"""The credit decision: a pure function of report, exposure, order, policy and override."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from gateway.approval.decide import Exposure, Outcome, Override, OwnBehaviour, Reason, Severity, decide
from gateway.approval.policy import load_policy
from gateway.model.credit_report import (
    CompanyIdentity,
    CompanyStatus,
    CreditReport,
    NegativeEvent,
    NegativeEventKind,
)
from gateway.model.money import Money

POLICY = load_policy(Path(__file__).resolve().parents[2] / "config" / "policy.toml")
TODAY = dt.date(2026, 11, 26)


def report(score: str | None = "85", *, status: CompanyStatus = CompanyStatus.ACTIVE, country: str = "GB",
           limit: Money | None = None, events: tuple[NegativeEvent, ...] = (), age_days: int = 1,
           dbt: str | None = None) -> CreditReport:
    return CreditReport(
        bureau="creditsafe",
        company=CompanyIdentity(bureau_id="GB-0-1", name="Harbour Lane Engineering Ltd", country=country,
                                status=status),
        score=None if score is None else Decimal(score),
        bureau_score=score or "Not Rated",
        credit_limit=limit,
        negative_events=events,
        days_beyond_terms=None if dbt is None else Decimal(dbt),
        report_date=TODAY - dt.timedelta(days=age_days),
        fetched_at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
    )


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def none_owed(currency: str = "EUR") -> Exposure:
    return Exposure(currency)


def codes(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in decision.reasons]


def test_a_safe_company_with_a_small_order_is_approved_within_its_band_limit() -> None:
    d = decide(report("85"), none_owed(), eur("1000.00"), POLICY, today=TODAY)
    assert d.outcome == Outcome.APPROVE
    assert d.credit_limit == eur("100000") and d.limit_source == "policy"
    assert "WITHIN_LIMIT" in codes(d)


def test_an_order_over_the_limit_after_open_items_and_reservations_is_referred() -> None:
    owed = Exposure("EUR", open_items=Decimal("30000"), reserved=Decimal("15000"))
    d = decide(report("65"), owed, eur("6000"), POLICY, today=TODAY)
    assert d.outcome == Outcome.REFER and "OVER_LIMIT" in codes(d)
    assert d.exposure == eur("45000") and d.available == eur("5000")


def test_the_bureaus_recommended_limit_caps_the_band_in_the_same_currency_only() -> None:
    capped = decide(report("85", limit=eur("20000")), none_owed(), eur("25000"), POLICY, today=TODAY)
    assert capped.credit_limit == eur("20000") and capped.outcome == Outcome.REFER
    other = decide(report("85", limit=Money(Decimal("20000"), "GBP")), none_owed(), eur("25000"), POLICY, today=TODAY)
    assert other.credit_limit == eur("100000") and other.outcome == Outcome.APPROVE


def test_insolvent_and_dissolved_companies_are_declined() -> None:
    for status in (CompanyStatus.INSOLVENT, CompanyStatus.DISSOLVED):
        d = decide(report("85", status=status), none_owed(), eur("10"), POLICY, today=TODAY)
        assert d.outcome == Outcome.DECLINE and "COMPANY_STATUS" in codes(d)


def test_a_recent_insolvency_event_declines_even_with_an_active_status() -> None:
    event = NegativeEvent(kind=NegativeEventKind.INSOLVENCY, date=TODAY - dt.timedelta(days=30))
    d = decide(report("70", events=(event,)), none_owed(), eur("10"), POLICY, today=TODAY)
    assert d.outcome == Outcome.DECLINE and "INSOLVENCY" in codes(d)


def test_a_very_low_score_declines_and_a_missing_score_refers() -> None:
    assert decide(report("5"), none_owed(), eur("10"), POLICY, today=TODAY).outcome == Outcome.DECLINE
    d = decide(report(None), none_owed(), eur("10"), POLICY, today=TODAY)
    assert d.outcome == Outcome.REFER and "NO_SCORE" in codes(d) and d.credit_limit is None


def test_referred_countries_old_reports_judgments_and_slow_payers_refer() -> None:
    judgment = NegativeEvent(kind=NegativeEventKind.JUDGMENT, date=TODAY - dt.timedelta(days=100))
    cases = {
        "COUNTRY_REFERRED": report("85", country="RU"),
        "REPORT_TOO_OLD": report("85", age_days=400),
        "JUDGMENTS": report("85", events=(judgment,)),
        "SLOW_PAYER": report("85", dbt="45"),
        "STATUS_REFERRED": report("85", status=CompanyStatus.INACTIVE),
    }
    for code, rep in cases.items():
        d = decide(rep, none_owed(), eur("10"), POLICY, today=TODAY)
        assert d.outcome == Outcome.REFER and code in codes(d), code


def test_without_a_report_the_check_refers_with_the_reason_given() -> None:
    why = Reason("BUREAU_TIMEOUT", "creditsafe did not answer within 2 s", Severity.REFER)
    d = decide(None, none_owed(), eur("10"), POLICY, today=TODAY, missing_report=why)
    assert d.outcome == Outcome.REFER and codes(d) == ["BUREAU_TIMEOUT"]


def test_the_credit_managers_override_replaces_the_limit_and_lifts_referrals_until_it_expires() -> None:
    manual = Override(eur("5000"), TODAY, "known customer, trade fair order", id=7)
    d = decide(report(None), none_owed(), eur("4000"), POLICY, manual, today=TODAY)
    assert d.outcome == Outcome.APPROVE and d.limit_source == "override" and "OVERRIDE" in codes(d)
    over = decide(report(None), none_owed(), eur("6000"), POLICY, manual, today=TODAY)
    assert over.outcome == Outcome.REFER and "OVER_LIMIT" in codes(over)
    expired = decide(report(None), none_owed(), eur("4000"), POLICY, manual, today=TODAY + dt.timedelta(days=1))
    assert expired.outcome == Outcome.REFER and "OVERRIDE" not in codes(expired)


def test_an_override_never_lifts_a_decline_for_insolvency() -> None:
    manual = Override(eur("5000"), TODAY, "asked by sales")
    d = decide(report("85", status=CompanyStatus.INSOLVENT), none_owed(), eur("10"), POLICY, manual, today=TODAY)
    assert d.outcome == Outcome.DECLINE


def test_exposure_in_another_currency_refers_because_nothing_converts_money() -> None:
    d = decide(report("85"), Exposure("EUR", other_currencies={"GBP": Decimal("100")}), eur("10"), POLICY,
               today=TODAY)
    assert d.outcome == Outcome.REFER and "EXPOSURE_OTHER_CURRENCY" in codes(d)


def test_our_own_payment_experience_cuts_the_limit_and_refers_very_late_payers() -> None:
    fair = OwnBehaviour(avg_days_late=Decimal(12), weighted_days_late=Decimal(15), paid_invoices=4)
    d = decide(report("85"), none_owed(), eur("10"), POLICY, today=TODAY, own=fair)
    assert d.credit_limit == eur("85000") and d.outcome == Outcome.APPROVE  # 15 days late weighted: -15 %
    slow = OwnBehaviour(avg_days_late=Decimal(40), weighted_days_late=Decimal(60), paid_invoices=5)
    late = decide(report("85"), none_owed(), eur("10"), POLICY, today=TODAY, own=slow)
    assert late.outcome == Outcome.REFER and "OWN_EXPERIENCE" in codes(late)


scores = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
amounts = st.decimals(min_value=0, max_value=10_000_000, places=2)
statuses = st.sampled_from(list(CompanyStatus))


@given(score=scores, status=statuses, owed=amounts, order=amounts)
def test_every_decision_is_explained_and_approvals_never_exceed_the_limit(
    score: Decimal | None, status: CompanyStatus, owed: Decimal, order: Decimal
) -> None:
    rep = report(None if score is None else str(score), status=status)
    d = decide(rep, Exposure("EUR", open_items=owed), eur(str(order)), POLICY, today=TODAY)
    assert d.reasons
    if d.outcome == Outcome.APPROVE:
        assert d.credit_limit is not None and owed + order <= d.credit_limit.amount
        assert status == CompanyStatus.ACTIVE
    if status in (CompanyStatus.INSOLVENT, CompanyStatus.DISSOLVED):
        assert d.outcome == Outcome.DECLINE


@given(score=st.decimals(min_value=15, max_value=100, places=1), order=amounts, more=amounts)
def test_a_larger_order_is_never_treated_better(score: Decimal, order: Decimal, more: Decimal) -> None:
    rank = {Outcome.APPROVE: 0, Outcome.REFER: 1, Outcome.DECLINE: 2}
    small = decide(report(str(score)), none_owed(), eur(str(order)), POLICY, today=TODAY)
    large = decide(report(str(score)), none_owed(), eur(str(order + more)), POLICY, today=TODAY)
    assert rank[large.outcome] >= rank[small.outcome]


@given(score=scores, order=amounts)
def test_the_same_inputs_give_the_same_decision(score: Decimal | None, order: Decimal) -> None:
    rep = report(None if score is None else str(score))
    args = (rep, none_owed(), eur(str(order)), POLICY)
    assert decide(*args, today=TODAY) == decide(*args, today=TODAY)
