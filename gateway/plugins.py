"""Loading plug-ins (statement parsers, bureaus) from entry-point groups."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any

log = logging.getLogger(__name__)


def load_entry_points(group: str) -> dict[str, Any]:
    """Every loadable object of ``group`` by name, in a stable order; a broken plug-in is logged and skipped
    so that it cannot take the others down."""
    found: dict[str, Any] = {}
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        try:
            found[ep.name] = ep.load()
        except Exception as exc:
            log.warning("plug-in %s of %s cannot be loaded: %s", ep.name, group, exc)
    return found
