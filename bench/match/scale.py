"""Scale run: 100,000 transactions against 1,000,000 open invoices (50,000 customers), once.

    python -m bench.match.scale [--out bench/out/match-scale] [--timeout 600] [--score]

Generates the world once (seeded; reused when present), then runs ``gateway reconcile`` on all its statements
in a child process and prints wall time, transactions per second, the child's CPU time (the steadier figure
on a busy machine) and its peak RSS against the targets (under 60 s, under 2 GB). The child is stopped after
``--timeout`` seconds and that is reported.
``--score`` also prints the matching figures of that run (``bench.match.score``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.match import score
from bench.match.generate import generate

SECONDS_TARGET = 60.0
MEMORY_TARGET_MB = 2048.0


def ensure_world(out: Path, seed: int, customers: int, invoices: int, payments: int) -> int:
    """The world in ``out``, generated unless one of these sizes is there; returns its transaction count."""
    labels_path = out / "labels.json"
    if labels_path.is_file():
        labels = json.loads(labels_path.read_text(encoding="utf-8"))
        if (labels.get("seed"), labels.get("invoices"), labels.get("payments")) == (seed, invoices, payments):
            return len(labels["transactions"])
    started = time.perf_counter()
    labels = generate(out, seed, customers, invoices, payments, fast=True)
    print(f"generated {out} in {time.perf_counter() - started:.0f} s")
    return len(labels["transactions"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench/out/match-scale"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--score", action="store_true", help="also score the run against the labels")
    args = parser.parse_args(argv)
    count = ensure_world(args.out, args.seed, args.customers, args.invoices, args.payments)
    statements = sorted(p for p in (args.out / "statements").iterdir() if p.is_file())
    result = args.out / "result.json"
    gateway = Path(sys.executable).with_name("gateway")
    cmd = [
        str(gateway),
        "reconcile",
        *map(str, statements),
        "--invoices",
        str(args.out / "invoices.csv"),
        "--customers",
        str(args.out / "customers.csv"),
        "--output",
        str(result),
    ]
    print(f"{count} transactions in {len(statements)} files, {args.invoices} invoices, {args.customers} customers")
    started = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, err = child.communicate(timeout=args.timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        child.kill()
        _, err = child.communicate()
        timed_out = True
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024  # Linux: KiB
    cpu = usage.ru_utime + usage.ru_stime
    if timed_out:
        print(f"FAIL  stopped after {args.timeout:.0f} s (timeout); peak RSS {peak_mb:.0f} MB")
        return 1
    if child.returncode != 0:
        print(f"FAIL  gateway reconcile exit {child.returncode}: {err.strip()[-2000:]}")
        return 1
    print(err.strip())
    time_ok, memory_ok = seconds < SECONDS_TARGET, peak_mb < MEMORY_TARGET_MB
    print(
        f"{'PASS' if time_ok else 'FAIL'}  wall time {seconds:.1f} s < {SECONDS_TARGET:.0f} s "
        f"({count / seconds:,.0f} transactions/s, start-up and file reading included)"
    )
    print(f"      CPU time {cpu:.1f} s ({usage.ru_utime:.1f} s user, {usage.ru_stime:.1f} s system)")
    print(f"{'PASS' if memory_ok else 'FAIL'}  peak RSS {peak_mb:,.0f} MB < {MEMORY_TARGET_MB:,.0f} MB")
    if args.score:
        labels = json.loads((args.out / "labels.json").read_text(encoding="utf-8"))
        overall, cases, unlabelled = score.score(labels, json.loads(result.read_text(encoding="utf-8")), args.out)
        score.report(overall, cases, unlabelled)
    return 0 if time_ok and memory_ok else 1


if __name__ == "__main__":
    sys.exit(main())
