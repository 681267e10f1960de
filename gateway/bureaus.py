"""Finds credit bureau adapters (entry-point group ``gateway.bureaus``) and states what they offer.

An adapter module exposes a factory ``create(settings: BureauSettings) -> Bureau``; cores call only the
``Bureau`` protocol and never know a bureau's paths, fields or auth.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from gateway.model.credit_report import CompanyMatch, CompanyQuery, CreditReport
from gateway.settings import BureauSettings

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gateway.bureaus"


@runtime_checkable
class Bureau(Protocol):
    """One credit bureau: find the company, fetch its report."""

    name: str

    async def find_company(self, query: CompanyQuery) -> list[CompanyMatch]:
        """Candidates for a company; an empty list when the bureau knows no such company (never an error)."""
        ...

    async def fetch_report(self, bureau_id: str, *, reason: str | None = None) -> CreditReport:
        """The company's current report (``reason``: the permissible-purpose code some countries require)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


BureauFactory = Callable[[BureauSettings], Bureau]


@cache
def bureau_factories() -> dict[str, BureauFactory]:
    """Installed bureau adapters by name."""
    found: dict[str, BureauFactory] = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            found[ep.name] = ep.load()
        except Exception as exc:  # a broken plug-in must not take the others down
            log.warning("bureau adapter %s cannot be loaded: %s", ep.name, exc)
    return found
