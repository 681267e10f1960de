"""Settings of the credit check: ``config/credit.toml``, overridden by ``GATEWAY_CREDIT__*`` environment variables.

Kept apart from ``gateway.settings.Settings`` (which ignores unknown sections) so the credit check can be
configured without touching the shared settings model.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from gateway.settings import config_dir


class CreditSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_CREDIT__", extra="ignore")

    report_ttl_hours: float = Field(default=72.0, gt=0)
    time_budget_seconds: float = Field(default=2.0, gt=0)
    reservation_hours: float = Field(default=72.0, ge=0)
    bureau_order: list[str] = Field(default_factory=lambda: ["creditsafe", "dnb", "companies_house"])
    api_key_cache_seconds: float = Field(default=5.0, ge=0)
    # profiles, overrides, stored reports and exposure are kept in memory this long: other processes' changes
    # (the CLI, other workers) show within it; this process's own changes show at once
    cache_seconds: float = Field(default=3.0, ge=0)
    policy_file: Path | None = None  # default: policy.toml in the config folder

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_dir() / "credit.toml")
        return (init_settings, env_settings, toml)


def load_credit_settings(**overrides: object) -> CreditSettings:
    return CreditSettings(**overrides)  # type: ignore[arg-type]
