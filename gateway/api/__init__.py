"""The web application: the review page for finance staff, health endpoints, and room for JSON APIs.

Each feature is a router module included here, so a new API is one ``include_router`` line.
"""

from __future__ import annotations

from gateway.api.app import create_app

__all__ = ["create_app"]
