"""Score ``gateway reconcile`` on a labelled world:

    python -m bench.match.score WORLD [--json figures.json] [--result result.json] [--config matching.toml]

WORLD is a directory laid out as ``bench.match.generate`` writes it, or as anyone can write by hand for cases
we have not seen:

    WORLD/invoices.csv     invoice_id,customer_id,customer_name,currency,amount,open_amount,
                           issue_date,due_date,reference
    WORLD/customers.csv    customer_id,name,iban   (optional)
    WORLD/statements/      statement files in any format the adapters read (all of them go into one run)
    WORLD/labels.json      what each transaction is (below)

labels.json (the contract for unseen cases)::

    {"version": 1,
     "transactions": [
       {"file": "statements/x.xml",      # path relative to WORLD; with bank_ref it names the transaction
        "bank_ref": "MB00000042",        # as ``gateway parse`` shows it; unique in WORLD unless files differ
        "case": "invoice-number-typo",   # free text: figures are printed per case
        "expect": "belongs",             # belongs | ignored | no-invoice | return
        "invoice_ids": ["INV-2026-00042"],   # belongs: the set the payment pays; return: the collection's
        "auto": true,                    # optional, default true; false: a person must decide, so any
                                         #   automatic match of it counts as false (a guess between equals)
        "acceptable": [["INV-7"]],      # optional, belongs: other sets as plausible (top-3 only)
        "related_invoice_ids": [...],    # optional, no-invoice: e.g. the already-paid invoice of a duplicate
        "undoes": {"file": "...", "bank_ref": "...", "end_to_end_id": "..."},  # optional, return: the
                                         #   collection it undoes, when that is in the statements
        "amount": "123.45", "currency": "EUR", "booking_date": "2026-10-01"}   # optional, informative
     ]}

Figures (overall and per case):

* automatic-match rate: transactions with status ``matched`` over those that belong to invoices;
* precision: correct automatic matches over all automatic matches (of any transaction). A match is correct
  when its allocated invoice id set equals the labelled set and the label allows automatic matching (a
  return may be matched to the invoices of the collection it undoes); a match of an ignored or no-invoice
  transaction is false;
* top-3: of the belonging transactions not matched automatically, the share whose labelled invoice set is
  one of the first three suggestions;
* false automatic matches: their count; ignored / no-invoice / return outcomes are listed as well.

Targets: precision >= 99.9 %, automatic-match rate >= 90 %, top-3 >= 95 %.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PRECISION_TARGET = 0.999
AUTO_TARGET = 0.90
TOP3_TARGET = 0.95


@dataclass(slots=True)
class Tally:
    transactions: int = 0
    belongs: int = 0
    auto: int = 0  # belonging transactions matched automatically (right or wrong)
    matched: int = 0  # automatic matches of any transaction
    correct: int = 0
    false: int = 0
    rest: int = 0
    top3: int = 0
    ignored_expected: int = 0
    ignored_ok: int = 0
    no_invoice: int = 0
    no_invoice_ok: int = 0
    returns: int = 0
    returns_linked: int = 0
    missing: int = 0  # labelled, but no decision in the result
    statuses: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))

    def figures(self) -> dict[str, float | None]:
        def share(a: int, b: int) -> float | None:
            return a / b if b else None

        return {
            "auto_rate": share(self.auto, self.belongs),
            "precision": share(self.correct, self.matched),
            "top3": share(self.top3, self.rest),
            "false_auto": self.false,
        }


def _ids(values: Any) -> frozenset[str]:
    return frozenset(str(v) for v in values or ())


def _plain(t: Tally) -> dict[str, Any]:
    counts = {f.name: getattr(t, f.name) for f in fields(t) if f.name != "statuses"}
    return {**counts, "statuses": dict(t.statuses), **t.figures()}


def judge(label: dict[str, Any], decision: dict[str, Any] | None, t: Tally) -> None:
    t.transactions += 1
    expect = label["expect"]
    wanted = _ids(label.get("invoice_ids"))
    if decision is None:
        t.missing += 1
        t.statuses["(missing)"] += 1
        status = "(missing)"
        allocated: frozenset[str] = frozenset()
    else:
        status = decision.get("status", "")
        t.statuses[status] += 1
        allocated = _ids(a.get("invoice_id") for a in decision.get("allocations") or ())
    matched = status == "matched" and bool(allocated)
    if matched:
        t.matched += 1
        # A return may be applied automatically too: reopening exactly the collection's invoices.
        right = expect in ("belongs", "return") and label.get("auto", True) and allocated == wanted
        t.correct += right
        t.false += not right
    if expect == "belongs":
        t.belongs += 1
        t.auto += matched
        if not matched:
            t.rest += 1
            top = [_ids(s.get("invoice_ids")) for s in (decision or {}).get("suggestions") or ()][:3]
            # Equally plausible alternatives (a guess between equals) count as right in the top 3.
            t.top3 += wanted in top or any(_ids(a) in top for a in label.get("acceptable") or ())
    elif expect == "ignored":
        t.ignored_expected += 1
        t.ignored_ok += status == "ignored"
    elif expect == "no-invoice":
        t.no_invoice += 1
        t.no_invoice_ok += not matched and status != "ignored"
    elif expect == "return":
        t.returns += 1
        t.returns_linked += decision is not None and _linked(label, decision)


def _linked(label: dict[str, Any], decision: dict[str, Any]) -> bool:
    """The return names the collection it undoes: its bank_ref or its invoices."""
    link = decision.get("linked_to") or {}
    undoes = label.get("undoes") or {}
    if undoes.get("bank_ref") and link.get("bank_ref") == undoes["bank_ref"]:
        return True
    wanted = _ids(label.get("invoice_ids"))
    return bool(wanted) and wanted <= _ids(link.get("invoice_ids"))


def index_decisions(result: dict[str, Any], world: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Decisions by (file relative to the world, bank_ref); file "" when the result does not say."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for d in result.get("transactions", []):
        file = d.get("file") or ""
        if file:
            path = Path(file)
            try:
                file = path.resolve().relative_to(world.resolve()).as_posix()
            except ValueError:
                file = path.as_posix()
        out[(file, str(d.get("bank_ref")))] = d
    return out


def score(labels: dict[str, Any], result: dict[str, Any], world: Path) -> tuple[Tally, dict[str, Tally], int]:
    decisions = index_decisions(result, world)
    by_ref: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (_, ref), d in decisions.items():
        by_ref[ref].append(d)
    overall = Tally()
    cases: dict[str, Tally] = defaultdict(Tally)
    used: set[int] = set()
    for label in labels["transactions"]:
        ref = str(label["bank_ref"])
        d = decisions.get((label.get("file", ""), ref))
        if d is None and len(by_ref.get(ref, ())) == 1:
            d = by_ref[ref][0]
        if d is not None:
            used.add(id(d))
        judge(label, d, overall)
        judge(label, d, cases[label.get("case", label["expect"])])
    unlabelled = sum(1 for d in decisions.values() if id(d) not in used)
    return overall, dict(cases), unlabelled


def run_reconcile(world: Path, out: Path, config: Path | None, timeout: float) -> float:
    gateway = Path(sys.executable).with_name("gateway")
    statements = sorted(p for p in (world / "statements").iterdir() if p.is_file())
    cmd = [
        str(gateway),
        "reconcile",
        *map(str, statements),
        "--invoices",
        str(world / "invoices.csv"),
        "--output",
        str(out),
    ]
    if (world / "customers.csv").is_file():
        cmd += ["--customers", str(world / "customers.csv")]
    if config is not None:
        cmd += ["--config", str(config)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"gateway reconcile failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    return elapsed


def _pct(v: float | None) -> str:
    return "     -" if v is None else f"{100 * v:6.2f}"


def report(overall: Tally, cases: dict[str, Tally], unlabelled: int) -> list[tuple[str, bool]]:
    print(f"{'case':30s} {'n':>5s} {'auto%':>6s} {'prec%':>6s} {'top3%':>6s} {'false':>5s}  other outcomes")
    for name, t in sorted(cases.items(), key=lambda kv: -kv[1].transactions):
        f = t.figures()
        other = []
        if t.ignored_expected:
            other.append(f"ignored {t.ignored_ok}/{t.ignored_expected}")
        if t.no_invoice:
            other.append(f"left open {t.no_invoice_ok}/{t.no_invoice}")
        if t.returns:
            other.append(f"linked {t.returns_linked}/{t.returns}")
        if t.rest:
            other.append(f"not auto {t.rest} (top-3 {t.top3})")
        if t.missing:
            other.append(f"missing {t.missing}")
        print(
            f"{name:30s} {t.transactions:5d} {_pct(f['auto_rate'])} {_pct(f['precision'])} {_pct(f['top3'])} "
            f"{t.false:5d}  {', '.join(other)}"
        )
    f = overall.figures()
    print(
        f"{'overall':30s} {overall.transactions:5d} {_pct(f['auto_rate'])} {_pct(f['precision'])} "
        f"{_pct(f['top3'])} {overall.false:5d}"
    )
    print(f"statuses: {dict(sorted(overall.statuses.items()))}; decisions without a label: {unlabelled}")
    checks = [
        (
            f"precision of automatic matches {_pct(f['precision']).strip()}% >= {100 * PRECISION_TARGET:.1f}%"
            f" ({overall.correct}/{overall.matched}, {overall.false} false)",
            f["precision"] is not None and f["precision"] >= PRECISION_TARGET,
        ),
        (
            f"automatic-match rate {_pct(f['auto_rate']).strip()}% >= {100 * AUTO_TARGET:.0f}%"
            f" ({overall.auto}/{overall.belongs} belonging payments)",
            f["auto_rate"] is not None and f["auto_rate"] >= AUTO_TARGET,
        ),
        (
            f"right set in top 3 {_pct(f['top3']).strip()}% >= {100 * TOP3_TARGET:.0f}%"
            f" ({overall.top3}/{overall.rest})",
            f["top3"] is None or f["top3"] >= TOP3_TARGET,
        ),
    ]
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("world", type=Path)
    parser.add_argument("--result", type=Path, help="score this result.json instead of running reconcile")
    parser.add_argument("--config", type=Path, help="passed to gateway reconcile --config")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    labels = json.loads((args.world / "labels.json").read_text(encoding="utf-8"))
    result_path = args.result or args.world / "result.json"
    seconds = None
    if args.result is None:
        seconds = run_reconcile(args.world, result_path, args.config, args.timeout)
        print(f"gateway reconcile: {seconds:.1f} s -> {result_path}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    overall, cases, unlabelled = score(labels, result, args.world)
    checks = report(overall, cases, unlabelled)
    if args.json:
        figures = {
            "world": str(args.world),
            "reconcile_seconds": seconds,
            "unlabelled": unlabelled,
            "overall": _plain(overall),
            "cases": {k: _plain(v) for k, v in cases.items()},
            "targets": [{"check": text, "pass": ok} for text, ok in checks],
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
