"""Generate a labelled matching world:

    python -m bench.match.generate --out bench/out/match [--seed 2026] [--customers 300]
                                   [--invoices 4000] [--payments 2500]

Writes ``invoices.csv`` and ``customers.csv`` (the formats ``gateway reconcile`` reads), ``statements/``
(camt.053.001.08 and .001.02, MT940 with Dutch and German field 86, OFX 1.0.2) and ``labels.json``
(what each transaction is; the format is described in ``bench/match/score.py``). Same seed, same world.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.match.bookings import Booking, OurAccount
from bench.match.cases import Planner
from bench.match.world import PERIOD_END, PERIOD_START, build_world, write_ledger
from bench.match.writers import camt, mt940, ofx

LABELS_VERSION = 1
ACCOUNTS = {
    a.key: a
    for a in (
        OurAccount("main", "DE89370400440532013000", "COBADEFFXXX", "EUR", "camt053.001.08", "commerzbank"),
        OurAccount("be", "BE68539007547034", "KREDBEBBXXX", "EUR", "camt053.001.02", "kbc"),
        OurAccount("usd", "LU280019400644750000", "BCEELULLXXX", "USD", "camt053.001.02", "spuerkeess"),
        OurAccount("nl", "NL91ABNA0417164300", "INGBNL2AXXX", "EUR", "mt940-dutch", "ing"),
        OurAccount("de2", "DE02120300000000202051", "BYLADEM1001", "EUR", "mt940-german", "dkb"),
        OurAccount("fr", "FR1420041010050500013M02606", "PSSTFRPPXXX", "EUR", "ofx102", "banque-postale"),
    )
}
Writer = Callable[[Path, OurAccount, list[Booking], date, date, int], None]
_WRITERS: dict[str, tuple[Writer, str]] = {
    "camt053.001.08": (camt.write, ".xml"),
    "camt053.001.02": (camt.write, ".xml"),
    "mt940-dutch": (mt940.write, ".sta"),
    "mt940-german": (mt940.write, ".sta"),
    "ofx102": (ofx.write, ".ofx"),
}


def _months() -> list[tuple[date, date]]:
    return [(date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 11, 1), date(2026, 11, 30))]


def write_statements(bookings: list[Booking], out: Path, split_months: tuple[str, ...] = ("main",)) -> dict[str, str]:
    """Statement files per account (the main account one per month); returns bank_ref -> file name."""
    folder = out / "statements"
    folder.mkdir(parents=True, exist_ok=True)
    where: dict[str, str] = {}
    for key, account in ACCOUNTS.items():
        mine = sorted((b for b in bookings if b.account == key), key=lambda b: (b.booking_date, b.bank_ref))
        if not mine:
            continue
        writer, suffix = _WRITERS[account.format]
        periods = _months() if key in split_months else [(PERIOD_START, PERIOD_END)]
        for seq, (start, end) in enumerate(periods, start=1):
            part = [b for b in mine if start <= b.booking_date <= end]
            if not part:
                continue
            name = f"{account.format.replace('.', '-')}-{account.bank}-{start:%Y%m}-{end:%Y%m}{suffix}"
            writer(folder / name, account, part, start, end, seq)
            for b in part:
                where[b.bank_ref] = f"statements/{name}"
    return where


def labels_json(bookings: list[Booking], files: dict[str, str], meta: dict[str, object]) -> dict[str, object]:
    rows = []
    for b in sorted(bookings, key=lambda b: (files[b.bank_ref], b.booking_date, b.bank_ref)):
        row: dict[str, object] = {
            "file": files[b.bank_ref],
            "bank_ref": b.bank_ref,
            "amount": f"{b.amount:.2f}",
            "currency": b.currency,
            "booking_date": b.booking_date.isoformat(),
        }
        row.update(b.label)
        undoes = row.get("undoes")
        if isinstance(undoes, dict) and "bank_ref" in undoes:
            undoes["file"] = files[undoes["bank_ref"]]
        rows.append(row)
    return {"version": LABELS_VERSION, **meta, "transactions": rows}


def generate(out: Path, seed: int, customers: int, invoices: int, payments: int, fast: bool = False) -> dict:
    rng = random.Random(seed)
    world = build_world(rng, customers, invoices, fast_ibans=fast)
    bookings = Planner(rng, world, ACCOUNTS, fast=fast).plan(payments)
    out.mkdir(parents=True, exist_ok=True)
    write_ledger(world, out)
    files = write_statements(bookings, out)
    meta = {
        "generator": "bench.match.generate",
        "seed": seed,
        "customers": customers,
        "invoices": invoices,
        "payments": payments,
    }
    labels = labels_json(bookings, files, meta)
    (out / "labels.json").write_text(json.dumps(labels, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return labels


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench/out/match"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--invoices", type=int, default=4000)
    parser.add_argument("--payments", type=int, default=2500)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    labels = generate(args.out, args.seed, args.customers, args.invoices, args.payments)
    rows = labels["transactions"]
    print(
        f"{args.out}: {len(rows)} transactions, {args.invoices} invoices, {args.customers} customers "
        f"({time.perf_counter() - started:.1f} s)"
    )
    for case, n in sorted(Counter(r["case"] for r in rows).items(), key=lambda kv: -kv[1]):
        print(f"  {case:30s} {n:6d}")


if __name__ == "__main__":
    main()
