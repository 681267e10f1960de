"""The credit decision as a pure function: (report, exposure, order, policy, override) -> approve | refer | decline.

No I/O, no clock: "today" is an argument, so the same inputs give the same decision, and an audit can replay it.
Every rule that fires adds a reason with a machine-readable code; the decision is the most severe reason's outcome.
A manual override (the credit manager's limit) replaces the computed limit and lifts the referrals that a human
has looked at (score, missing report, country, report age, payment behaviour) — never a decline for insolvency, nor
what may have happened after the limit was set (items long overdue now, returned direct debits, broken promises).

How the customer pays us comes in as ``OwnBehaviour``: figures the ledger computes (``gateway.desk.behaviour``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum, StrEnum

from gateway.approval.policy import Policy
from gateway.model.credit_report import CreditReport, NegativeEventKind
from gateway.model.money import Money


class Outcome(StrEnum):
    APPROVE = "approve"
    REFER = "refer"
    DECLINE = "decline"


class Severity(IntEnum):
    INFO = 0
    REFER = 1
    DECLINE = 2


_OUTCOME = {Severity.INFO: Outcome.APPROVE, Severity.REFER: Outcome.REFER, Severity.DECLINE: Outcome.DECLINE}


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    severity: Severity = Severity.INFO

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Exposure:
    """What the customer owes us or has been approved for, in the order's currency; other currencies kept apart
    because nothing here converts money."""

    currency: str
    open_items: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)
    other_currencies: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Money:
        return Money(self.open_items + self.reserved, self.currency)


@dataclass(frozen=True)
class OwnBehaviour:
    """How the customer has paid us, from our own ledger (all zero or None: no experience yet).

    Days-late figures are over the invoices paid in the last 12 months (``paid_invoices`` of them); ``overdue`` is
    the amount past due now in the order's currency; ``max_days_past_due`` is the oldest overdue open item's age in
    days, in any currency; returned direct debits and broken promises are counted over the last 12 months."""

    avg_days_late: Decimal | None = None
    weighted_days_late: Decimal | None = None  # weighted by invoice amount
    paid_invoices: int = 0
    max_days_past_due: int | None = None
    overdue: Decimal = Decimal(0)
    returned_debits: int = 0
    broken_promises: int = 0

    def as_details(self) -> dict[str, object]:
        """For the decision's audit record: amounts and averages as exact strings."""
        return {
            "avg_days_late": None if self.avg_days_late is None else str(self.avg_days_late),
            "weighted_days_late": None if self.weighted_days_late is None else str(self.weighted_days_late),
            "paid_invoices": self.paid_invoices,
            "max_days_past_due": self.max_days_past_due,
            "overdue": str(self.overdue),
            "returned_debits": self.returned_debits,
            "broken_promises": self.broken_promises,
        }


@dataclass(frozen=True)
class Override:
    """The credit manager's limit for one customer."""

    limit: Money
    valid_until: dt.date
    reason: str
    id: int | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    credit_limit: Money | None
    exposure: Money
    limit_source: str | None  # override | policy | bureau
    policy_version: str

    @property
    def available(self) -> Money | None:
        return None if self.credit_limit is None else self.credit_limit - self.exposure


# Reasons a credit manager's override lifts (they describe risk a human has weighed when setting the limit).
# OVERDUE_ITEMS, RETURNED_DEBITS and BROKEN_PROMISES stay: they may have happened after the limit was set, and each
# new one deserves a look before more goods go out.
_LIFTED_BY_OVERRIDE = frozenset(
    {"BUREAU_TIMEOUT", "BUREAU_UNAVAILABLE", "BUREAU_ERROR", "COMPANY_NOT_FOUND", "NO_SCORE", "LOW_SCORE",
     "COUNTRY_REFERRED", "STATUS_REFERRED", "REPORT_TOO_OLD", "SLOW_PAYER", "JUDGMENTS", "OWN_EXPERIENCE",
     "NO_LIMIT_IN_CURRENCY"}
)


def decide(
    report: CreditReport | None,
    exposure: Exposure,
    order: Money,
    policy: Policy,
    override: Override | None = None,
    *,
    today: dt.date,
    missing_report: Reason | None = None,
    own: OwnBehaviour | None = None,
) -> Decision:
    """The decision for ``order`` on top of ``exposure``.

    ``missing_report``: why there is no report (a refer reason such as BUREAU_TIMEOUT) when ``report`` is None.
    ``own``: how the customer has paid us (the ledger's experience); None when the ledger was not asked.
    """
    if order.currency != exposure.currency:
        raise ValueError(f"exposure is in {exposure.currency}, the order in {order.currency}")
    if override is not None and override.valid_until < today:
        override = None  # expired: as if never set
    reasons: list[Reason] = []
    limit: Decimal | None = None
    source: str | None = None

    if report is None:
        reasons.append(missing_report or Reason("NO_REPORT", "no credit report is available", Severity.REFER))
    else:
        reasons += _report_rules(report, policy, today)
        limit, source, limit_reasons = _policy_limit(report, order.currency, policy)
        reasons += limit_reasons

    cut, own_reasons = _own_experience(own, exposure.currency, policy)
    reasons += own_reasons
    if limit is not None and cut:
        limit = limit * (1 - cut)

    if override is not None:
        if override.limit.currency == order.currency:
            limit, source = override.limit.amount, "override"
            reasons = [_lift(r, override) for r in reasons]
            reasons.append(Reason("OVERRIDE", f"manual limit {override.limit} until {override.valid_until}: "
                                              f"{override.reason}"))
        else:
            reasons.append(Reason("OVERRIDE_CURRENCY", f"the manual limit is in {override.limit.currency}, the order "
                                                       f"in {order.currency}; it does not apply", Severity.REFER))

    cap = policy.max_exposure.get(order.currency)
    if limit is not None and cap is not None and limit > cap:
        limit = cap
        reasons.append(Reason("MAX_EXPOSURE", f"limit capped at the policy maximum of {Money(cap, order.currency)}"))

    if exposure.other_currencies:
        held = ", ".join(f"{v} {c}" for c, v in sorted(exposure.other_currencies.items()))
        reasons.append(Reason("EXPOSURE_OTHER_CURRENCY",
                              f"the customer also owes {held}; no conversion is made", Severity.REFER))

    after = exposure.total.amount + order.amount
    if limit is not None:
        if after > limit:
            reasons.append(Reason("OVER_LIMIT", f"exposure {exposure.total} plus order {order} exceeds the limit "
                                                f"of {Money(limit, order.currency)}", Severity.REFER))
        else:
            reasons.append(Reason("WITHIN_LIMIT", f"exposure {exposure.total} plus order {order} is within the limit "
                                                  f"of {Money(limit, order.currency)}"))
    elif not any(r.severity > Severity.INFO for r in reasons):
        reasons.append(Reason("NO_LIMIT", "no credit limit could be set", Severity.REFER))

    worst = max((r.severity for r in reasons), default=Severity.INFO)
    return Decision(
        outcome=_OUTCOME[worst],
        reasons=tuple(reasons),
        credit_limit=None if limit is None else Money(limit, order.currency),
        exposure=exposure.total,
        limit_source=source,
        policy_version=policy.version,
    )


def _lift(reason: Reason, override: Override) -> Reason:
    if reason.code in _LIFTED_BY_OVERRIDE and reason.severity == Severity.REFER:
        return Reason(reason.code, f"{reason.message} (accepted by the manual limit)", Severity.INFO)
    return reason


def _report_rules(report: CreditReport, policy: Policy, today: dt.date) -> list[Reason]:
    out: list[Reason] = []
    status = report.company.status
    if status in policy.always_decline.statuses:
        out.append(Reason("COMPANY_STATUS", f"the company's status is {status.value}", Severity.DECLINE))
    elif status in policy.always_refer.statuses:
        out.append(Reason("STATUS_REFERRED", f"the company's status is {status.value}", Severity.REFER))
    country = (report.company.country or "").upper()
    if country in policy.always_refer.countries:
        out.append(Reason("COUNTRY_REFERRED", f"companies in {country} are always referred", Severity.REFER))
    age = (today - report.report_date).days
    if age > policy.max_report_age_days:
        out.append(Reason("REPORT_TOO_OLD", f"the report is {age} days old (at most {policy.max_report_age_days})",
                          Severity.REFER))

    rules = policy.always_decline
    insolvency = [e for e in report.negative_events if e.kind == NegativeEventKind.INSOLVENCY
                  and (e.date is None or (today - e.date).days <= rules.insolvency_lookback_days)]
    if insolvency:
        when = insolvency[0].date.isoformat() if insolvency[0].date else "undated"
        out.append(Reason("INSOLVENCY", f"insolvency recorded ({when})", Severity.DECLINE))
    judgments = [e for e in report.negative_events if e.kind == NegativeEventKind.JUDGMENT
                 and (e.date is None or (today - e.date).days <= rules.judgment_lookback_days)]
    if len(judgments) >= rules.judgments_to_refer:
        out.append(Reason("JUDGMENTS", f"{len(judgments)} judgment(s) in the last {rules.judgment_lookback_days} days",
                          Severity.REFER))

    if report.score is None:
        out.append(Reason("NO_SCORE", f"{report.bureau} gives no score ({report.bureau_score or 'empty'})",
                          Severity.REFER))
    elif report.score < policy.decline_below_score:
        out.append(Reason("LOW_SCORE", f"score {report.score} is below {policy.decline_below_score}",
                          Severity.DECLINE))
    else:
        own = report.bureau_band or report.bureau_score
        out.append(Reason("SCORE", f"score {report.score} ({report.bureau} {own})"))

    slow = policy.payment_behaviour.refer_above_days_beyond_terms
    if slow is not None and report.days_beyond_terms is not None and report.days_beyond_terms > slow:
        out.append(Reason("SLOW_PAYER", f"pays others {report.days_beyond_terms} days beyond terms (refer above "
                                        f"{slow})", Severity.REFER))
    return out


def _policy_limit(report: CreditReport, currency: str, policy: Policy) -> tuple[Decimal | None, str | None,
                                                                               list[Reason]]:
    """The band's limit in ``currency``, capped by the bureau's recommendation where it is in that currency."""
    if report.score is None or report.score < policy.decline_below_score:
        return None, None, []
    band = policy.band_for(report.score)
    band_limit = band.limits.get(currency) if band else None
    bureau = report.credit_limit
    factor = policy.bureau_limit.cap_factor
    bureau_cap = bureau.amount * factor if bureau is not None and bureau.currency == currency and factor else None
    if band_limit is None:
        if band is not None:
            return None, None, [Reason("NO_LIMIT_IN_CURRENCY", f"the policy sets no limit in {currency}",
                                       Severity.REFER)]
        return None, None, []
    if bureau_cap is not None and bureau_cap < band_limit:
        return bureau_cap, "bureau", [Reason("BUREAU_LIMIT", f"{report.bureau} recommends at most {bureau}")]
    return band_limit, "policy", []


def _own_experience(own: OwnBehaviour | None, currency: str, policy: Policy) -> tuple[Decimal, list[Reason]]:
    """How the customer pays us: late payment cuts the limit and, above a threshold, refers; so do items long past
    due now, returned direct debits and broken promises to pay. Few paid invoices make no average."""
    if own is None:
        return Decimal(0), []
    rules = policy.own_experience
    out: list[Reason] = []
    cut = Decimal(0)
    late = own.weighted_days_late if own.weighted_days_late is not None else own.avg_days_late
    if own.paid_invoices < rules.min_paid_invoices:
        if own.paid_invoices:
            out.append(Reason("FEW_PAID_INVOICES", f"only {own.paid_invoices} invoice(s) paid to us in the last 12 "
                                                   f"months: days late are used from {rules.min_paid_invoices} on"))
    elif late is not None:
        plain = "" if own.avg_days_late is None else f", {own.avg_days_late:.1f} per invoice"
        told = f"pays us {late:.1f} days late on average (weighted by amount{plain}; {own.paid_invoices} invoices)"
        if rules.refer_above_days is not None and late > rules.refer_above_days:
            out.append(Reason("OWN_EXPERIENCE", f"{told}: refer above {rules.refer_above_days}", Severity.REFER))
        cut = min(rules.max_limit_cut, max(Decimal(0), late) * rules.limit_cut_per_day_late)
        if cut:
            out.append(Reason("OWN_EXPERIENCE_LIMIT_CUT", f"limit cut by {cut:.0%} for paying us {late:.1f} days late"))
    past_due = rules.refer_above_days_past_due
    if past_due is not None and own.max_days_past_due is not None and own.max_days_past_due > past_due:
        owed = f"; {own.overdue} {currency} overdue" if own.overdue > 0 else ""
        out.append(Reason("OVERDUE_ITEMS", f"an open item is {own.max_days_past_due} days past due (refer above "
                                           f"{past_due}){owed}", Severity.REFER))
    returns = rules.returned_debits_to_refer
    if returns is not None and own.returned_debits >= returns:
        out.append(Reason("RETURNED_DEBITS", f"{own.returned_debits} direct debit(s) returned in the last 12 months "
                                             f"(refer from {returns})", Severity.REFER))
    broken = rules.broken_promises_to_refer
    if broken is not None and own.broken_promises >= broken:
        out.append(Reason("BROKEN_PROMISES", f"{own.broken_promises} promise(s) to pay broken in the last 12 months "
                                             f"(refer from {broken})", Severity.REFER))
    return cut, out
