"""``gateway serve``: the review page (and the app's other routes) under uvicorn."""

from __future__ import annotations

import typer

from gateway.cli.common import input_errors_exit, settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (behind a TLS proxy in production)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    proxy_headers: bool = typer.Option(
        False, "--proxy-headers", help="Trust X-Forwarded-Proto/For from the proxy at --forwarded-allow-ips."
    ),
    forwarded_allow_ips: str = typer.Option("127.0.0.1", "--forwarded-allow-ips"),
) -> None:
    """Serve the review page for finance staff. Create the first user with `gateway users create`."""
    import uvicorn

    from gateway.api import create_app

    cfg = settings()
    with input_errors_exit():
        app = create_app(cfg)
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="info",
    )
