"""``gateway ageing`` (the book's open items in buckets of days past due, per currency and the customers with the
most overdue) and ``gateway behaviour CUSTOMER`` (how one customer pays us): the desk's figures from the shell."""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from gateway.cli.common import as_of_option, input_errors_exit, settings
from gateway.desk.ageing import BUCKETS, AgeingLine, book_ageing
from gateway.desk.behaviour import Behaviour, customer_behaviour
from gateway.storage import ensure_schema, make_engine, session_factory

PIPE_WIDTH = 160  # a pipe or a file gets whole lines; a terminal its own width
CSV_COLUMNS = ["customer_id", "name", "currency", *BUCKETS, "total", "overdue", "items", "oldest_due"]


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else PIPE_WIDTH)


def _money(amount: Decimal) -> str:
    return f"{amount:,}"


def _ageing_table(title: str, lines: list[AgeingLine], *, customers: bool) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    if customers:
        table.add_column("Customer", overflow="fold")
        table.add_column("Name", overflow="fold", max_width=40)
    table.add_column("Cur")
    for name in (*BUCKETS, "Total", "Overdue"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("Items", justify="right")
    table.add_column("Oldest due", no_wrap=True)
    for line in lines:
        first = [line.customer_id or "", line.name or ""] if customers else []
        table.add_row(
            *first,
            line.currency,
            *(_money(line.buckets[b]) for b in BUCKETS),
            _money(line.total),
            _money(line.overdue),
            str(line.items),
            line.oldest_due.isoformat() if line.oldest_due else "",
        )
    return table


def _csv_row(line: AgeingLine) -> list[str]:
    return [
        line.customer_id or "",
        line.name or "",
        line.currency,
        *(format(line.buckets[b], "f") for b in BUCKETS),
        format(line.total, "f"),
        format(line.overdue, "f"),
        str(line.items),
        line.oldest_due.isoformat() if line.oldest_due else "",
    ]


def ageing(
    as_of: str | None = typer.Option(None, "--as-of", help="Age the open items on this day (default: today)."),
    currency: str | None = typer.Option(None, "--currency", help="Only this currency (e.g. EUR)."),
    top: int = typer.Option(20, "--top", min=0, help="How many customers to list, most overdue first."),
    csv_file: Path | None = typer.Option(None, "--csv", help="Write every customer row to this CSV file."),
) -> None:
    """The book's open items in buckets of days past due (current, 1-30, 31-60, 61-90, 90+): totals per
    currency and the customers with the most overdue."""
    day = as_of_option(as_of)
    cfg = settings()
    with input_errors_exit():
        engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
        ensure_schema(engine)
        with session_factory(engine)() as session:
            book = book_ageing(session, day, currency=currency, limit=top)
            everything = book_ageing(session, day, currency=currency, sort="customer") if csv_file else None
        engine.dispose()
    out = _console()
    if not book.totals:
        out.print(f"no open items{f' in {currency.upper()}' if currency else ''} on {day}")
    else:
        out.print(_ageing_table(f"Ageing on {day}", book.totals, customers=False))
        if top:
            shown = f"top {len(book.rows)} of {book.count} customer rows by overdue"
            out.print(_ageing_table(shown, book.rows, customers=True))
    if everything is not None and csv_file is not None:
        with csv_file.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(_csv_row(line) for line in everything.rows)
        print(f"{len(everything.rows)} customer rows written to {csv_file}")


def _plain(value: Any) -> Any:
    """Behaviour as JSON: money and averages as exact strings, dates in ISO form."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _per_currency(amounts: dict[str, Decimal]) -> str:
    return ", ".join(f"{_money(v)} {c}" for c, v in sorted(amounts.items())) or "none"


def _days(value: Decimal | None) -> str:
    return "no paid invoices" if value is None else f"{value} days"


def _print_behaviour(b: Behaviour) -> None:
    out = _console()
    out.print(f"[bold]{b.customer_id}[/bold] {b.name}: payment behaviour on {b.as_of} (main currency {b.currency})",
              highlight=False)
    facts = Table(box=box.SIMPLE, show_header=False)
    facts.add_column("What")
    facts.add_column("Value", overflow="fold")
    facts.add_row("Open items (credits deducted)", _per_currency(b.open_items))
    facts.add_row("Reserved (approved, not invoiced)", _per_currency(b.reserved))
    facts.add_row("Exposure", _per_currency(b.exposure))
    facts.add_row("DSO (90 days)", "nothing invoiced" if b.dso_days is None else f"{b.dso_days} days")
    facts.add_row("Paid invoices (12 months)", str(b.paid_invoices))
    facts.add_row("Average days late", _days(b.avg_days_late))
    facts.add_row("Weighted days late", _days(b.weighted_days_late))
    facts.add_row("Oldest overdue item", "none" if b.max_days_past_due is None else f"{b.max_days_past_due} days")
    facts.add_row("Returned direct debits (12 months)", str(b.returned_debits))
    facts.add_row("Promises broken / kept (12 months)", f"{b.broken_promises} / {b.kept_promises}")
    facts.add_row("Open disputes", str(b.open_disputes))
    out.print(facts)
    if b.ageing:
        out.print(_ageing_table("Ageing", b.ageing, customers=False))
    trend = Table(title=f"Last 12 months ({b.currency})", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("Month", "Invoiced", "Paid", "Paid invoices", "Avg days late"):
        trend.add_column(name, justify="left" if name == "Month" else "right", no_wrap=True)
    for p in b.trend:
        late = "" if p.avg_days_late is None else str(p.avg_days_late)
        trend.add_row(p.month.strftime("%Y-%m"), _money(p.invoiced), _money(p.paid), str(p.paid_invoices), late)
    out.print(trend)


def behaviour(
    customer_id: str = typer.Argument(..., help="The customer's id in the ledger."),
    as_of: str | None = typer.Option(None, "--as-of", help="The day to look from (default: today)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """How a customer pays us: days late, DSO, ageing, exposure, returned direct debits, promises, disputes and
    the last 12 months."""
    day = as_of_option(as_of)
    cfg = settings()
    with input_errors_exit():
        engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
        ensure_schema(engine)
        with session_factory(engine)() as session:
            found = customer_behaviour(session, customer_id, day)
        engine.dispose()
    if as_json:
        print(json.dumps(_plain(found), indent=2, ensure_ascii=False))
    else:
        _print_behaviour(found)


def register(app: typer.Typer) -> None:
    """``gateway ageing`` and ``gateway behaviour`` on the app (one line in gateway/cli/app.py)."""
    app.command("ageing")(ageing)
    app.command("behaviour")(behaviour)
