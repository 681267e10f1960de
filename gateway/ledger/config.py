"""Settings of the ledger and its job: ``config/ledger.toml`` (in ``$GATEWAY_CONFIG_DIR``), each value
overridable by ``GATEWAY_LEDGER__<KEY>`` (e.g. ``GATEWAY_LEDGER__INBOX=/srv/statements/inbox``)."""

from __future__ import annotations

import os
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from gateway.errors import ConfigError
from gateway.settings import config_dir

ENV_PREFIX = "GATEWAY_LEDGER__"


class LedgerConfig(BaseModel):
    inbox: Path = Path("var/inbox")
    processed: Path = Path("var/processed")
    rejected: Path = Path("var/rejected")
    # Write-offs above this amount (any currency unless listed in write_off_limits) need a manager.
    write_off_limit: Decimal = Decimal("50.00")
    write_off_limits: dict[str, Decimal] = Field(default_factory=dict)
    # `gateway run --every` default.
    interval: str = "5m"
    # Paid invoices stay visible to the matcher this long (a second payment of a paid invoice is recognised).
    paid_lookback_days: int = 180
    # The matching engine's thresholds (default config/matching.toml).
    matching_config: Path | None = None

    def limit_for(self, currency: str) -> Decimal:
        return self.write_off_limits.get(currency, self.write_off_limit)


def load_ledger_config(path: Path | None = None, **overrides: Any) -> LedgerConfig:
    """Defaults, then the TOML file (if present), then ``GATEWAY_LEDGER__*``, then ``overrides``."""
    path = path or config_dir() / "ledger.toml"
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8")).get("ledger", {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for key, value in os.environ.items():
        if key.upper().startswith(ENV_PREFIX):
            data[key[len(ENV_PREFIX) :].lower()] = value
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return LedgerConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"ledger settings cannot be used: {' '.join(str(exc).split())}") from None


def parse_interval(text: str) -> float:
    """``90``, ``90s``, ``5m``, ``1h`` -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    raw = text.strip().lower()
    factor = units.get(raw[-1:])
    number = raw[:-1] if factor else raw
    try:
        seconds = float(number) * (factor or 1)
    except ValueError:
        raise ConfigError(f"not an interval (e.g. 30s, 5m, 1h): {text!r}") from None
    if seconds <= 0:
        raise ConfigError(f"the interval must be positive: {text!r}")
    return seconds
