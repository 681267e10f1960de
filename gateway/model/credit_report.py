"""The normalized business credit report: what every bureau adapter produces, whatever the bureau."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.model.money import Money


class CompanyStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"  # dormant, not trading
    INSOLVENT = "insolvent"  # administration, receivership, liquidation, bankruptcy proceedings
    DISSOLVED = "dissolved"  # struck off, ceased to exist
    UNKNOWN = "unknown"


class NegativeEventKind(StrEnum):
    INSOLVENCY = "insolvency"
    JUDGMENT = "judgment"  # court judgments, CCJs
    COLLECTION = "collection"  # debts handed to collection
    PAYMENT_DEFAULT = "payment_default"
    OTHER = "other"


class NegativeEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: NegativeEventKind
    date: dt.date | None = None
    amount: Money | None = None
    description: str | None = None


class Address(BaseModel):
    model_config = ConfigDict(frozen=True)

    lines: tuple[str, ...] = ()
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2


class CompanyIdentity(BaseModel):
    model_config = ConfigDict(frozen=True)

    bureau_id: str  # the bureau's own key: Creditsafe connectId, D&B DUNS, Companies House number
    name: str
    registration_number: str | None = None
    vat_number: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    address: Address | None = None
    status: CompanyStatus = CompanyStatus.UNKNOWN


class CompanyMatch(BaseModel):
    """One candidate from a bureau's company search."""

    model_config = ConfigDict(frozen=True)

    bureau: str
    bureau_id: str
    name: str
    country: str | None = None
    registration_number: str | None = None
    vat_number: str | None = None
    status: CompanyStatus = CompanyStatus.UNKNOWN
    confidence: Decimal | None = None  # the bureau's match grade on 0..1, where it gives one


class CompanyQuery(BaseModel):
    """What we know about a customer when we ask a bureau who they are."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    country: str | None = None
    registration_number: str | None = None
    vat_number: str | None = None


class CreditReport(BaseModel):
    """A bureau's report mapped onto one model; ``raw`` keeps the bureau's response for audit."""

    model_config = ConfigDict(frozen=True)

    bureau: str
    company: CompanyIdentity
    score: Decimal | None = Field(default=None, ge=0, le=100)  # common 0-100 scale, higher = safer
    bureau_score: str | None = None  # as the bureau wrote it ("Not Rated" stays text)
    bureau_band: str | None = None  # e.g. Creditsafe A-E, D&B failure class 1-5
    probability_of_default: Decimal | None = Field(default=None, ge=0, le=1)
    credit_limit: Money | None = None  # the bureau's recommended limit
    days_beyond_terms: Decimal | None = None  # how late they pay others (D&B PAYDEX mapped to days)
    negative_events: tuple[NegativeEvent, ...] = ()
    report_date: dt.date
    fetched_at: dt.datetime
    warnings: tuple[str, ...] = ()  # fields the bureau left empty or gave as text
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)
