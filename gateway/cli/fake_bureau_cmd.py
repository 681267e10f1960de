"""``gateway fake-bureau``: Creditsafe-, D&B- and Companies House-like APIs on loopback for development and tests."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from adapters.bureaus.fake import LOOPBACK, FakeConfig, serve


def fake_bureau(
    port: int = typer.Option(..., "--port", "-p", min=1, max=65535, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Loopback address to listen on (127.0.0.1 or ::1)."),
    token_ttl: float = typer.Option(3600.0, "--token-ttl", min=0.1, help="Seconds a fake token stays valid."),
    fixtures: Path | None = typer.Option(
        None, "--fixtures", exists=True, dir_okay=False, help="Fixture companies (TOML) instead of the bundled ones."
    ),
) -> None:
    """Serve fake bureau APIs under /creditsafe, /dnb and /companies-house, with fault injection.

    Credentials: fake-user / fake-password (Creditsafe), fake-client / fake-secret (D&B), fake-key (Companies
    House). Faults: header X-Fake-Fault (e.g. "slow=2.0", "500x2", "429=3", "202=2", "truncated", "malformed").
    """
    if host not in LOOPBACK:
        print(f"gateway: the fake bureau listens on loopback only, not {host}", file=sys.stderr)
        raise typer.Exit(2)
    base = f"http://{'[::1]' if host == '::1' else host}:{port}"
    print(f"fake bureau on {base}: {base}/creditsafe {base}/dnb {base}/companies-house", flush=True)
    serve(port, host, FakeConfig(token_ttl_seconds=token_ttl, fixtures=fixtures))
