"""Finds credit bureau adapters (entry-point group ``gateway.bureaus``) and states what they offer.

An adapter module exposes a factory ``create(settings: BureauSettings) -> Bureau``; cores call only the
``Bureau`` protocol and never know a bureau's paths, fields or auth.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Protocol, runtime_checkable

from gateway.model.credit_report import CompanyMatch, CompanyQuery, CreditReport
from gateway.plugins import load_entry_points
from gateway.settings import BureauSettings

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
    return load_entry_points(ENTRY_POINT_GROUP)
