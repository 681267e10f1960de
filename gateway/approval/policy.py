"""The credit policy as a typed model, loaded from ``config/policy.toml``. Changing a threshold is a config change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.model.credit_report import CompanyStatus
from gateway.settings import load_toml_model


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScoreBand(_Frozen):
    min_score: Decimal = Field(ge=0, le=100)
    limits: dict[str, Decimal]  # currency -> limit


class BureauLimit(_Frozen):
    cap_factor: Decimal | None = Field(default=Decimal(1), gt=0)  # None: ignore the bureau's recommended limit


class AlwaysRefer(_Frozen):
    countries: frozenset[str] = frozenset()
    statuses: frozenset[CompanyStatus] = frozenset({CompanyStatus.INACTIVE, CompanyStatus.UNKNOWN})


class AlwaysDecline(_Frozen):
    statuses: frozenset[CompanyStatus] = frozenset({CompanyStatus.INSOLVENT, CompanyStatus.DISSOLVED})
    insolvency_lookback_days: int = Field(default=1825, ge=0)
    judgments_to_refer: int = Field(default=1, ge=1)
    judgment_lookback_days: int = Field(default=730, ge=0)


class PaymentBehaviour(_Frozen):
    refer_above_days_beyond_terms: Decimal | None = Decimal(30)


class OwnExperience(_Frozen):
    """How our own ledger's experience weighs in (see ``decide._own_experience``); None switches a rule off."""

    refer_above_days: Decimal | None = Decimal(45)  # weighted days late
    limit_cut_per_day_late: Decimal = Field(default=Decimal("0.01"), ge=0)
    max_limit_cut: Decimal = Field(default=Decimal("0.5"), ge=0, le=1)
    min_paid_invoices: int = Field(default=3, ge=0)
    refer_above_days_past_due: int | None = Field(default=60, ge=0)
    returned_debits_to_refer: int | None = Field(default=2, ge=1)
    broken_promises_to_refer: int | None = Field(default=1, ge=1)


class Policy(_Frozen):
    version: str = "default"
    max_report_age_days: int = Field(default=120, ge=0)
    decline_below_score: Decimal = Field(default=Decimal(15), ge=0, le=100)
    bands: tuple[ScoreBand, ...] = ()
    max_exposure: dict[str, Decimal] = Field(default_factory=dict)
    bureau_limit: BureauLimit = BureauLimit()
    always_refer: AlwaysRefer = AlwaysRefer()
    always_decline: AlwaysDecline = AlwaysDecline()
    payment_behaviour: PaymentBehaviour = PaymentBehaviour()
    own_experience: OwnExperience = OwnExperience()

    @field_validator("bands")
    @classmethod
    def _highest_first(cls, bands: tuple[ScoreBand, ...]) -> tuple[ScoreBand, ...]:
        # the file may list bands in any order; the lookup wants the highest threshold first
        return tuple(sorted(bands, key=lambda b: b.min_score, reverse=True))

    def band_for(self, score: Decimal) -> ScoreBand | None:
        return next((b for b in self.bands if score >= b.min_score), None)


def load_policy(path: Path | None = None) -> Policy:
    """``path``, else ``policy.toml`` in the config folder (``$GATEWAY_CONFIG_DIR`` or ``./config``)."""
    return load_toml_model(Policy, path, "policy.toml", "credit policy")
