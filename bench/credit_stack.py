"""Start ``gateway fake-bureau`` and the gateway API (``gateway serve``, or uvicorn with workers) on free loopback
ports, for the credit-check end-to-end tests and the load benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GATEWAY = str(BIN / "gateway")

# Customers of the end-to-end tests, each one fixture company of the fake bureau (adapters/bureaus/fake), found
# through the bureau's company search (several have no VAT number: Creditsafe then sends an empty VAT list).
PROFILES = """customer_id,country,name,registration_number,bureau,bureau_id
C-GOOD,GB,Harbour Lane Engineering Ltd,04417823,,
C-GOOD-2,GB,Harbour Lane Engineering Ltd,04417823,,
C-POOR,FR,Ateliers Roux SARL,532118907,,
C-INSOLVENT,GB,Northgate Plastics Ltd,07781245,,
C-NOT-RATED,NL,Van der Berg Handelsonderneming B.V.,58112233,,
C-SLOW,GB,Tardy Freight Ltd,09120001,,
C-FLAKY,GB,Intermittent Systems Ltd,09120002,,
C-ODD,GB,Shapeshift Ltd,09120005,,
C-DE,DE,Kranbau Vogt GmbH,HRB 71234,,
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server for {url} did not start") from None
            time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def fake_bureau(workdir: Path, fixtures: Path | None = None) -> Iterator[str]:
    port = free_port()
    cmd = [GATEWAY, "fake-bureau", "--port", str(port)] + (["--fixtures", str(fixtures)] if fixtures else [])
    with (workdir / "fake-bureau.log").open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/__fake/stats", proc)
        yield url
    finally:
        stop(proc)


def gateway_env(workdir: Path, fake_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update({
        "GATEWAY_CONFIG_DIR": str(ROOT / "config"),
        "GATEWAY_MAPPINGS_DIR": str(ROOT / "mappings"),
        "GATEWAY_DATABASE__URL": f"sqlite:///{workdir / 'gateway.db'}",
        "GATEWAY_BUREAUS__CREDITSAFE__ENABLED": "true",
        "GATEWAY_BUREAUS__CREDITSAFE__BASE_URL": f"{fake_url}/creditsafe",
        "GATEWAY_BUREAUS__CREDITSAFE__USERNAME": "fake-user",
        "GATEWAY_BUREAUS__CREDITSAFE__PASSWORD": "fake-password",
        "GATEWAY_BUREAUS__CREDITSAFE__RATE_LIMIT_PER_SECOND": "200",
        "GATEWAY_BUREAUS__CREDITSAFE__RATE_LIMIT_BURST": "50",
        "GATEWAY_BUREAUS__CREDITSAFE__REASON_CODE": "1",  # Germany: a permissible purpose on every report
    })
    env.update(extra)
    return env


def prepare(workdir: Path, env: dict[str, str], profiles: str = PROFILES) -> str:
    """Migrate the database, import the profiles, create an API key; returns the key."""
    (workdir / "profiles.csv").write_text(profiles, encoding="utf-8")

    def gateway(*args: str) -> str:
        done = subprocess.run([GATEWAY, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"gateway {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    gateway("db", "upgrade")
    gateway("credit", "profiles", "import", "profiles.csv")
    done = gateway("api-keys", "create", "tests")
    return done.strip()


@contextmanager
def gateway_api(workdir: Path, env: dict[str, str], *, workers: int = 0) -> Iterator[str]:
    """``gateway serve`` (workers=0) or uvicorn with ``workers`` processes on the same app."""
    port = free_port()
    if workers:
        cmd = [str(BIN / "uvicorn"), "--factory", "gateway.api.credit_checks:asgi_app", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    else:
        cmd = [GATEWAY, "serve", "--port", str(port)]
    with (workdir / "gateway.log").open("ab") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", proc)
        yield url
    finally:
        stop(proc)
