"""``gateway reconcile``: statements against open invoices, decisions as JSON (stateless, nothing stored)."""

from __future__ import annotations

import gc
import json
import math
import os
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from adapters.erp.invoices_csv import read_customers, read_invoices
from gateway.cli.common import input_errors_exit, settings
from gateway.errors import ConfigError
from gateway.matching import Decision, Ledger, MatchingConfig, Status, reconcile
from gateway.model.statement import Transaction
from gateway.settings import Settings
from gateway.statements import read

DEFAULT_CONFIG = Path("config/matching.toml")
# Allocations between two runs of the cyclic collector during the matching (the default is 700).
_MATCHING_GC_THRESHOLD = 100_000
# Chunks of the result written at a time (a few megabytes of text).
_WRITE_BATCH = 100_000


def load_matching_config(path: Path | None) -> MatchingConfig:
    """The matching config from TOML; defaults when no file is given and config/matching.toml is absent."""
    chosen = path or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    if chosen is None:
        return MatchingConfig()
    try:
        with chosen.open("rb") as handle:
            data = tomllib.load(handle)
        return MatchingConfig.from_mapping(data)
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot open: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigError(f"{chosen}: {' '.join(str(exc).split())}") from exc


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def decision_json(d: Decision, origin: str) -> dict[str, Any]:
    tx = d.transaction
    out: dict[str, Any] = {
        "bank_ref": tx.bank_ref,
        "amount": str(tx.amount),
        "currency": tx.currency,
        "booking_date": tx.booking_date.isoformat() if tx.booking_date else None,
        "status": d.status.value,
        "allocations": [
            {
                "invoice_id": a.invoice_id,
                "amount": str(a.amount),
                **({"write_off": str(a.write_off)} if a.write_off else {}),
            }
            for a in d.allocations
        ]
        if d.status is Status.MATCHED
        else [],
        "confidence": round(d.confidence, 4),
        "suggestions": [
            {"invoice_ids": list(s.invoice_ids), "score": round(s.score, 4), "explanation": s.explanation}
            for s in d.suggestions
        ],
        "explanation": d.explanation,
        "reason": d.reason,
        "customer_id": d.customer_id,
        "difference": _money(d.difference),
        "difference_reason": d.difference_reason,
        "customer_credit": _money(d.customer_credit),
        "already_paid": list(d.already_paid),
        "is_return": d.is_return,
        "return_reason": d.return_reason,
        "linked_to": (
            {"bank_ref": d.linked_bank_ref, "invoice_ids": list(d.linked_invoice_ids)}
            if d.is_return and (d.linked_bank_ref or d.linked_invoice_ids)
            else None
        ),
        "end_to_end_id": tx.end_to_end_id,
        "file": origin,
        "location": tx.location,
    }
    return out


_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _indented_json(value: Any, out: list[str], indent: str = "\n") -> None:
    """Append ``json.dumps(value, indent=2, ensure_ascii=False)`` to ``out``, without the detours of the
    general encoder (which the C accelerator does not cover once indentation is asked for): 100,000
    decisions are written in a fraction of the time. Only the types a decision holds are handled."""
    _IndentedWriter(out).write(value, indent)


class _IndentedWriter:
    """The writer behind ``_indented_json``. Strings and nulls inside containers (most values) are written
    with the separator and the key in one piece; each key's line start is encoded once per depth."""

    __slots__ = ("out", "prefixes")

    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.prefixes: dict[str, dict[str, str]] = {}  # indentation -> key -> indentation + key + ": "

    def write(self, value: Any, indent: str) -> None:
        out = self.out
        kind = type(value)
        if kind is dict:
            if not value:
                out.append("{}")
                return
            inner = indent + "  "
            prefixes = self.prefixes.get(inner)
            if prefixes is None:
                prefixes = self.prefixes[inner] = {}
            sep = "{"
            for key, item in value.items():
                prefix = prefixes.get(key)
                if prefix is None:
                    prefix = prefixes[key] = inner + _encode_str(key) + ": "
                if type(item) is str:
                    out.append(sep + prefix + _encode_str(item))
                elif item is None:
                    out.append(sep + prefix + "null")
                else:
                    out.append(sep + prefix)
                    self.write(item, inner)
                sep = ","
            out.append(indent + "}")
        elif kind is list or kind is tuple:
            if not value:
                out.append("[]")
                return
            inner = indent + "  "
            sep = "[" + inner
            for item in value:
                if type(item) is str:
                    out.append(sep + _encode_str(item))
                else:
                    out.append(sep)
                    self.write(item, inner)
                sep = "," + inner
            out.append(indent + "]")
        elif isinstance(value, str):
            out.append(_encode_str(value))
        elif value is None:
            out.append("null")
        elif value is True:
            out.append("true")
        elif value is False:
            out.append("false")
        elif isinstance(value, int):
            out.append(int.__repr__(value))
        elif isinstance(value, float):
            out.append(float.__repr__(value) if math.isfinite(value) else json.dumps(value))
        elif isinstance(value, dict):
            self.write(dict(value), indent)
        elif isinstance(value, list | tuple):
            self.write(list(value), indent)
        else:
            raise TypeError(f"not written as JSON: {type(value).__name__}")


def _write_atomically(path: Path, chunks: list[str]) -> None:
    """Write the text ``chunks`` make up to a file beside ``path`` and move it there when complete. The
    chunks are joined a batch at a time: the whole text (and its encoding) never lies in memory at once."""
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as handle:
        for start in range(0, len(chunks), _WRITE_BATCH):
            handle.write("".join(chunks[start : start + _WRITE_BATCH]))
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


@contextmanager
def _collector_for_bulk_data() -> Iterator[None]:
    """Keep the cyclic garbage collector off the bulk data. Invoices, transactions and decisions form no
    cycles and live to the end, yet every collection would walk all of them again; so the collector is
    off while they are built and written, and the ledger is frozen out of its sight during the matching.
    There it only stands guard (the matching makes no reference cycles of its own), so it runs rarely:
    the decisions and candidates kept along the way would otherwise be walked again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _decide(
    statements: list[Path], invoices: Path, customers: Path | None, config: Path | None, cfg: Settings
) -> tuple[list[Decision], list[str]]:
    with input_errors_exit():
        matching = load_matching_config(config)
        transactions: list[Transaction] = []
        origins: list[str] = []
        for path in statements:
            parsed = read(
                path, max_bytes=cfg.statements.max_file_bytes, strict=cfg.statements.strict_balances
            )
            for st in parsed.statements:
                for warning in st.warnings:
                    print(f"{path}: {st.location}: warning: {warning}", file=sys.stderr)
                transactions += st.transactions
                origins += [str(path)] * len(st.transactions)
        known = read_customers(customers) if customers else []
        ledger = Ledger(read_invoices(invoices), known)
        gc.freeze()
        thresholds = gc.get_threshold()
        gc.set_threshold(_MATCHING_GC_THRESHOLD, *thresholds[1:])
        gc.enable()
        try:
            return reconcile(transactions, ledger, (), matching, origins=origins), origins
        finally:
            gc.disable()
            gc.set_threshold(*thresholds)


def reconcile_command(
    statements: list[Path] = typer.Argument(..., help="Statement files (camt.052/053/054, OFX, MT940)."),
    invoices: Path = typer.Option(..., "--invoices", help="invoices.csv of open (and paid) invoices."),
    customers: Path | None = typer.Option(None, "--customers", help="customers.csv: customer_id,name,iban."),
    output: Path = typer.Option(..., "--output", "-o", help="Write the decisions here (JSON)."),
    config: Path | None = typer.Option(
        None, "--config", help="Matching thresholds and weights (default config/matching.toml)."
    ),
) -> None:
    """Match the incoming payments of STATEMENT files to open invoices and write the decisions as JSON."""
    cfg = settings()
    with _collector_for_bulk_data():
        decisions, origins = _decide(statements, invoices, customers, config, cfg)
        result = {"transactions": [decision_json(d, o) for d, o in zip(decisions, origins, strict=True)]}
        chunks: list[str] = []
        _indented_json(result, chunks)
        chunks.append("\n")
        _write_atomically(output, chunks)
    counts = Counter(d.status.value for d in decisions)
    summary = ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in Status)
    print(
        f"gateway reconcile: {len(decisions)} transactions: {summary}; written to {output}", file=sys.stderr
    )
