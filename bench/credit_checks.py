"""Load benchmark of ``POST /v1/credit-checks``: checks per second and p50/p99 latency, on loopback only.

Starts ``gateway fake-bureau`` (with generated fixture companies) and the gateway under uvicorn with WORKERS
processes on free 127.0.0.1 ports, in a temporary folder with its own SQLite database, then runs two phases:

- cached: every check finds a fresh stored report (customers share one company whose report was fetched once);
- bureau 200 ms: every check is for a company not seen before, and the fake bureau answers each report in 200 ms.

    python -m bench.credit_checks --workers 2 --count 5000 --seconds 20 --concurrency 32

Each phase stops after COUNT checks or SECONDS seconds, whichever comes first.

    python -m bench.credit_checks --in-process 1000

measures instead what one check costs: COUNT sequential checks of cached reports, first through the service and
then through the ASGI app (httpx.ASGITransport, no sockets), as CPU milliseconds per check (the process's CPU time,
database threads included, so a machine busy with other work changes it little) and wall milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx

from bench.credit_stack import fake_bureau, gateway_api, gateway_env, prepare

GOOD = "GB-0-04417823"  # the fake's "good" fixture company


def fixtures(n: int) -> str:
    """The bundled fixture companies plus ``n`` invented ones the benchmark asks about once each."""
    from importlib import resources

    text = resources.files("adapters.bureaus.fake").joinpath("companies.toml").read_text(encoding="utf-8")
    for i in range(n):
        text += f"""
[[company]]
key = "bench-{i}"
name = "Bench Supplies {i} Ltd"
country = "GB"
registration_number = "8{i:07d}"
connect_id = "GB-0-8{i:07d}"
duns = "9{i:08d}"
status = "Active"
status_description = "Active - Accounts Filed"
ch_status = "active"
address = {{ street = "{i} Bench Street", city = "Bristol", postal_code = "BS1 1AA" }}
creditsafe = {{ common = "B", description = "Low Risk", provider = "72", limit = "40000", currency = "GBP" }}
dnb = {{ percentile = 72, class = 2, raw = "1450", paydex = 80, limit = "40000", currency = "GBP" }}
"""
    return text


def profiles(cached_customers: int, fresh_customers: int) -> str:
    rows = ["customer_id,country,registration_number,bureau,bureau_id"]
    rows += [f"K-{i},GB,04417823,creditsafe,{GOOD}" for i in range(cached_customers)]
    rows += [f"F-{i},GB,8{i:07d},creditsafe,GB-0-8{i:07d}" for i in range(fresh_customers)]
    return "\n".join(rows) + "\n"


@dataclass
class Result:
    name: str
    latencies: list[float]
    elapsed: float
    statuses: Counter[int]
    decisions: Counter[str]

    def line(self) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"{self.name}: no checks completed"
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        return (f"{self.name}: {len(lat)} checks in {self.elapsed:.1f} s = {len(lat) / self.elapsed:.0f} checks/s, "
                f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lat[-1] * 1000:.1f} ms; "
                f"HTTP {dict(self.statuses)}, decisions {dict(self.decisions)}")


class RawConnection:
    """HTTP/1.1 keep-alive on one loopback connection, written out by hand: httpx costs about 2.5 ms of CPU per
    request, as much as the check it measures, and the client shares the machine's two cores with the server."""

    def __init__(self, api: str, key: str) -> None:
        url = httpx.URL(api)
        self.host, self.port = url.host, url.port or 80
        self.head = (f"POST /v1/credit-checks HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nX-API-Key: {key}\r\n"
                     "Content-Type: application/json\r\nContent-Length: ").encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        try:
            writer.write(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            return status, await reader.readexactly(length)
        except BaseException:
            self.close()  # the connection's state is unknown now: the next request opens a new one
            raise

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def run_phase(name: str, api: str, key: str, customers: list[str], *, count: int, seconds: float,
                    concurrency: int, client_kind: str = "raw") -> Result:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    decisions: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    next_index = 0
    stop_at = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=api, headers={"X-API-Key": key}, limits=limits, timeout=10) as client:
        async def worker() -> None:
            nonlocal next_index
            raw = RawConnection(api, key) if client_kind == "raw" else None
            while next_index < count and time.monotonic() < stop_at:
                i = next_index
                next_index += 1
                body = json.dumps({"customer_id": customers[i % len(customers)],
                                   "order_amount": {"value": "1.00", "currency": "GBP"}}).encode()
                started = time.perf_counter()
                try:
                    if raw is not None:
                        status, content = await raw.post(body)
                    else:
                        r = await client.post("/v1/credit-checks", content=body,
                                              headers={"Content-Type": "application/json"})
                        status, content = r.status_code, r.content
                except (httpx.TransportError, OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                    statuses[0] += 1  # counted, not fatal: the figures say how many failed
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
                if status == 200:
                    decisions[json.loads(content)["decision"]] += 1
            if raw is not None:
                raw.close()

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - began
    if errors:
        print(f"{name}: transport errors {dict(errors)}")
    return Result(name, latencies, elapsed, statuses, decisions)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--count", type=int, default=5000, help="checks per phase, at most")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per phase, at most")
    parser.add_argument("--concurrency", type=int, default=32, help="checks in flight at once (cached phase)")
    parser.add_argument("--bureau-concurrency", type=int, default=64, help="checks in flight (bureau phase)")
    parser.add_argument("--fresh", type=int, default=1500, help="distinct uncached companies for the bureau phase")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="raw: hand-written HTTP/1.1 keep-alive (cheap); httpx: httpx.AsyncClient")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database)")
    parser.add_argument("--in-process", type=int, default=0, metavar="COUNT",
                        help="time COUNT sequential checks in this process (service, then ASGI app) instead")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="credit-bench-"))
    print(f"working in {workdir}")
    try:
        if args.in_process:
            run_in_process(args.in_process, workdir)
        else:
            run(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path) -> None:
    (workdir / "companies.toml").write_text(fixtures(args.fresh), encoding="utf-8")
    with fake_bureau(workdir, workdir / "companies.toml") as fake:
        env = gateway_env(workdir, fake,
                          GATEWAY_BUREAUS__CREDITSAFE__RATE_LIMIT_PER_SECOND="100000",
                          GATEWAY_BUREAUS__CREDITSAFE__RATE_LIMIT_BURST="10000")
        key = prepare(workdir, env, profiles(200, args.fresh))
        with gateway_api(workdir, env, workers=args.workers) as api:
            cached = [f"K-{i}" for i in range(200)]
            # warm up: the shared report is fetched once, every worker opens its connections
            asyncio.run(run_phase("warm-up", api, key, cached, count=200, seconds=10, concurrency=8))
            print(f"credit checks against {api} ({args.workers} uvicorn worker(s), SQLite, loopback)")
            print(f"client: {args.client}, {args.concurrency} / {args.bureau_concurrency} checks in flight")
            print(asyncio.run(run_phase("cached reports", api, key, cached, count=args.count,
                                        seconds=args.seconds, concurrency=args.concurrency,
                                        client_kind=args.client)).line())
            httpx.post(f"{fake}/__fake/faults", json={"bureau": "creditsafe", "endpoint": "report",
                                                      "fault": "slow=0.2"})
            fresh = [f"F-{i}" for i in range(args.fresh)]
            print(asyncio.run(run_phase("bureau answering in 200 ms", api, key, fresh,
                                        count=min(args.count, args.fresh), seconds=args.seconds,
                                        concurrency=args.bureau_concurrency, client_kind=args.client)).line())
            calls = httpx.get(f"{fake}/__fake/stats").json()["calls"]
            print(f"fake bureau report calls: {calls.get('creditsafe GET /companies/{id}', 0)}")


def run_in_process(count: int, workdir: Path) -> None:
    (workdir / "companies.toml").write_text(fixtures(0), encoding="utf-8")
    with fake_bureau(workdir, workdir / "companies.toml") as fake:
        env = gateway_env(workdir, fake)
        key = prepare(workdir, env, profiles(200, 0))
        os.environ.update(env)
        os.chdir(workdir)
        from gateway.api.credit_checks import asgi_app
        from gateway.model.money import Money

        app = asgi_app()
        customers = [f"K-{i}" for i in range(200)]

        async def measure() -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway",
                                         headers={"X-API-Key": key}) as client:

                async def via_app(i: int) -> None:
                    body = {"customer_id": customers[i % len(customers)],
                            "order_amount": {"value": "1.00", "currency": "GBP"}}
                    r = await client.post("/v1/credit-checks", json=body)
                    if r.status_code != 200:
                        raise RuntimeError(f"check failed: {r.status_code} {r.text}")

                await via_app(0)  # builds the service and installs its JSON log handler
                # the log lines would flood the terminal: still formatted (counted in the cost), written to memory
                for handler in logging.getLogger("gateway.credit").handlers:
                    if isinstance(handler, logging.StreamHandler):
                        handler.setStream(io.StringIO())
                for i in range(len(customers)):  # warm up: the report is fetched once, caches filled
                    await via_app(i)
                service = app.state.credit.service
                order = Money(Decimal("1.00"), "GBP")

                async def via_service(i: int) -> None:
                    await service.check(customers[i % len(customers)], order, request_id=f"bench-{i}",
                                        client="bench")

                for name, one in (("service", via_service), ("ASGI app", via_app)):
                    cpu, wall = time.process_time(), time.perf_counter()
                    for i in range(count):
                        await one(i)
                    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                    print(f"{name}: {count} sequential checks, {cpu / count * 1000:.2f} ms CPU and "
                          f"{wall / count * 1000:.2f} ms wall per check")

        asyncio.run(measure())


if __name__ == "__main__":
    main()
