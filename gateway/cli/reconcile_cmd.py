"""``gateway reconcile``: statements against open invoices, decisions as JSON (stateless, nothing stored)."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from adapters.erp.invoices_csv import read_customers, read_invoices
from gateway.cli.common import input_errors_exit, settings
from gateway.errors import ConfigError
from gateway.matching import Decision, MatchingConfig, Status, reconcile
from gateway.model.statement import Transaction
from gateway.statements import read

DEFAULT_CONFIG = Path("config/matching.toml")


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


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


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
        decisions = reconcile(transactions, read_invoices(invoices), known, matching, origins=origins)
    result = {"transactions": [decision_json(d, o) for d, o in zip(decisions, origins, strict=True)]}
    _write_atomically(output, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    counts = Counter(d.status.value for d in decisions)
    summary = ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in Status)
    print(
        f"gateway reconcile: {len(decisions)} transactions: {summary}; written to {output}", file=sys.stderr
    )
