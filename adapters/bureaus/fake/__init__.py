"""A fake credit bureau for development and tests: ``gateway fake-bureau --port N``.

Serves Creditsafe-like, D&B-like and Companies House-like APIs on loopback with invented fixture companies
(``companies.toml``) and fault injection (``faults.py``). Point the gateway at it with
``GATEWAY_BUREAUS__CREDITSAFE__BASE_URL=http://127.0.0.1:N/creditsafe`` (``/dnb``, ``/companies-house``).
"""

from __future__ import annotations

from adapters.bureaus.fake.app import FakeConfig, create_app

LOOPBACK = {"127.0.0.1", "::1", "localhost"}

__all__ = ["LOOPBACK", "FakeConfig", "create_app", "serve"]


def serve(port: int, host: str = "127.0.0.1", config: FakeConfig | None = None) -> None:
    """Run the fake bureau until interrupted (loopback addresses only: it hands out tokens to anyone)."""
    import uvicorn

    if host not in LOOPBACK:
        raise ValueError(f"the fake bureau listens on loopback only, not {host}")
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", access_log=False)
