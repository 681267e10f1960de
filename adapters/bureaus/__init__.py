"""Credit bureau adapters (entry-point group ``gateway.bureaus``): Creditsafe, D&B Direct+, Companies House.

Build them from settings with ``build_bureaus(settings)`` (every enabled bureau) or ``build_bureau(name, settings)``.
Everything bureau-specific is in ``mappings/<bureau>.toml``; the resilience rules (token cache, retries, Retry-After,
rate limiter, circuit breaker, 202 polling, single-flight) are in ``http.py``/``resilience.py``/``auth.py``, once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import httpx

from adapters.bureaus.bureau import MappedBureau
from adapters.bureaus.clock import Clock, ManualClock, SystemClock
from adapters.bureaus.resilience import RetryPolicy
from gateway.bureau_errors import (
    BureauAuthError,
    BureauError,
    BureauRateLimited,
    BureauRequestError,
    BureauResponseError,
    BureauUnavailable,
    CircuitOpen,
    CompanyNotFound,
    ReasonRequired,
)
from gateway.bureaus import Bureau, bureau_factories
from gateway.errors import ConfigError
from gateway.settings import BureauSettings, Settings
from gateway.single_flight import SingleFlight

__all__ = [
    "BureauAuthError",
    "BureauError",
    "BureauRateLimited",
    "BureauRequestError",
    "BureauResponseError",
    "BureauUnavailable",
    "CircuitOpen",
    "Clock",
    "CompanyNotFound",
    "ManualClock",
    "MappedBureau",
    "ReasonRequired",
    "RetryPolicy",
    "SingleFlight",
    "SystemClock",
    "build_bureau",
    "build_bureaus",
]


class _Factory(Protocol):
    def __call__(
        self,
        settings: BureauSettings,
        *,
        mappings_dir: Path | None = ...,
        transport: httpx.AsyncBaseTransport | None = ...,
        clock: Clock | None = ...,
    ) -> Bureau: ...


def build_bureau(
    name: str,
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
) -> Bureau:
    """One bureau by name, configured from ``settings.bureaus[name]`` and ``settings.mappings_dir``."""
    factories = bureau_factories()
    if name not in factories:
        raise ConfigError(f"no bureau adapter {name!r} installed (have: {', '.join(sorted(factories)) or 'none'})")
    if name not in settings.bureaus:
        raise ConfigError(f"bureau {name!r} is not configured (GATEWAY_BUREAUS__{name.upper()}__BASE_URL ...)")
    factory: _Factory = factories[name]  # type: ignore[assignment]
    return factory(settings.bureaus[name], mappings_dir=settings.mappings_dir, transport=transport, clock=clock)


def build_bureaus(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
) -> dict[str, Bureau]:
    """Every bureau with ``enabled = true`` in settings, by name. Close them with ``aclose()``."""
    return {
        name: build_bureau(name, settings, transport=transport, clock=clock)
        for name, cfg in sorted(settings.bureaus.items())
        if cfg.enabled
    }
