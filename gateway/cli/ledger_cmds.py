"""``gateway invoices import``, ``gateway customers import``, ``gateway run`` and ``gateway export``:
the open items ledger from the command line."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import typer
from sqlalchemy import Engine

from adapters.erp.invoices_csv import read_customers, read_invoices
from gateway.cli.common import EXIT_INPUT, input_errors_exit, settings
from gateway.cli.reconcile_cmd import load_matching_config
from gateway.desk.promises import track_promises
from gateway.errors import ConfigError
from gateway.ledger.config import LedgerConfig, load_ledger_config, parse_interval
from gateway.ledger.erp_import import UpsertCounts, import_customers, import_invoices
from gateway.ledger.export import write_export
from gateway.ledger.job import FileOutcome, LedgerJob, Outcome, RunSummary, money_line
from gateway.storage import ensure_schema, make_engine, session_factory

invoices_app = typer.Typer(help="Invoices and credit notes of the open items ledger.", no_args_is_help=True)
customers_app = typer.Typer(help="Customers and their known bank accounts.", no_args_is_help=True)


def _engine() -> Engine:
    cfg = settings()
    engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
    ensure_schema(engine)
    return engine


def _counts(what: str, counts: UpsertCounts) -> str:
    line = f"{what}: {counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged"
    return line + (f"; {counts.accounts_added} bank accounts added" if counts.accounts_added else "")


@invoices_app.command("import")
def invoices_import(
    path: Path = typer.Argument(..., help="invoices.csv (the format of `gateway reconcile`)."),
    actor: str = typer.Option("erp-import", help="Recorded in the audit trail as who imported."),
) -> None:
    """Insert or update invoices by invoice_id: all rows or none; exit 2 naming file, line and column."""
    with input_errors_exit():
        engine = _engine()
        with session_factory(engine)() as session, session.begin():
            counts = import_invoices(session, read_invoices(path), actor=actor)
        engine.dispose()
    print(_counts("invoices", counts))


@customers_app.command("import")
def customers_import(
    path: Path = typer.Argument(..., help="customers.csv: customer_id,name,iban (one row per account)."),
    actor: str = typer.Option("erp-import", help="Recorded in the audit trail as who imported."),
) -> None:
    """Insert or update customers and add their bank accounts: all rows or none."""
    with input_errors_exit():
        customers = read_customers(path)
        engine = _engine()
        with session_factory(engine)() as session, session.begin():
            counts = import_customers(session, customers, actor=actor)
        engine.dispose()
    print(_counts("customers", counts))


def _print_file(f: FileOutcome) -> None:
    c = f.counts
    if f.outcome in (Outcome.DONE,):
        print(
            f"{f.name}: {c.transactions} transactions ({f.duplicates_skipped} duplicates skipped), "
            f"{c.matched} matched, {c.suggested} suggested, {c.unmatched} unmatched, {c.ignored} ignored"
            + (f", {c.returns} returns" if c.returns else "")
        )
    elif f.outcome == Outcome.REJECTED:
        print(f"{f.name}: rejected: {f.error}")
    elif f.outcome == Outcome.FAILED:
        print(f"{f.name}: failed, left in the inbox for the next run: {f.error}", file=sys.stderr)
    else:
        print(f"{f.name}: {f.outcome}" + (f" ({f.error})" if f.error else ""))


def _print_summary(summary: RunSummary) -> None:
    t = summary.totals
    print(
        f"files: {summary.count(Outcome.DONE)} processed, {summary.count(Outcome.REJECTED)} rejected, "
        f"{summary.count(Outcome.ALREADY)} already done, {summary.count(Outcome.BUSY)} taken by another run, "
        f"{summary.count(Outcome.FAILED)} failed"
    )
    print(
        f"transactions: {t.transactions}, matched {t.matched}, suggested {t.suggested}, unmatched {t.unmatched}, "
        f"ignored {t.ignored}, returns {t.returns}"
    )
    print(f"amounts matched: {money_line(t.matched_amount)}; waiting for review: {money_line(t.waiting_amount)}")


def _track_promises(engine: Engine) -> None:
    """Promises to pay follow the payments just applied: kept as soon as they are covered, broken when due."""
    with session_factory(engine)() as session, session.begin():
        changes = track_promises(session, datetime.now(UTC).date(), actor="job")
    for change in changes:
        if change.seq is None:
            print(change.describe())


def run_job(
    once: bool = typer.Option(True, "--once", help="Process the inbox once and stop (default)."),
    every: str | None = typer.Option(
        None, "--every", help="Keep running: process the inbox every INTERVAL (30s, 5m, 1h)."
    ),
    rounds: int | None = typer.Option(None, "--rounds", help="With --every: stop after this many rounds."),
    inbox: Path | None = typer.Option(None, "--inbox", help="Folder of new statement files (default: config)."),
    processed: Path | None = typer.Option(None, "--processed", help="Where processed files go."),
    rejected: Path | None = typer.Option(None, "--rejected", help="Where rejected files go, with <file>.error.txt."),
    config: Path | None = typer.Option(None, "--matching-config", help="Matching thresholds (config/matching.toml)."),
) -> None:
    """Import, match and apply every new statement file of the inbox, then move it to processed/ or
    rejected/. Safe to run from cron or several machines at once. Exit 2 when a file was rejected."""
    cfg = settings()
    with input_errors_exit():
        ledger_cfg: LedgerConfig = load_ledger_config(inbox=inbox, processed=processed, rejected=rejected)
        matching = load_matching_config(config or ledger_cfg.matching_config)
        interval = parse_interval(every) if every else None
        if not ledger_cfg.inbox.is_dir():
            raise ConfigError(f"the inbox {ledger_cfg.inbox} is not a folder")
        engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
        ensure_schema(engine)
        job = LedgerJob(
            engine,
            ledger_cfg,
            matching,
            max_bytes=cfg.statements.max_file_bytes,
            strict=cfg.statements.strict_balances,
            on_file=_print_file,
        )
        rejected_any = False

        def report(summary: RunSummary) -> None:
            nonlocal rejected_any
            _print_summary(summary)
            _track_promises(engine)
            sys.stdout.flush()
            rejected_any = rejected_any or summary.count(Outcome.REJECTED) > 0

        if interval is None:
            report(job.run_once())
        else:
            try:
                job.run_every(interval, rounds=rounds, report=report)
            except KeyboardInterrupt:
                print("stopped", file=sys.stderr)
        engine.dispose()
    del once  # --once is the default; the flag exists so cron lines can say what they mean
    if rejected_any:
        raise typer.Exit(EXIT_INPUT)


def export_allocations(
    date_from: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD)."),
    date_to: str = typer.Option(..., "--to", help="Last day, included (YYYY-MM-DD)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="CSV file (default: standard output)."),
) -> None:
    """Allocations and write-offs made in a period, as CSV for the ERP / general ledger."""
    try:
        first, last = date.fromisoformat(date_from), date.fromisoformat(date_to)
    except ValueError as exc:
        print(f"gateway export: not a date YYYY-MM-DD: {exc}", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT) from None
    if last < first:
        print("gateway export: --to is before --from", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT)
    with input_errors_exit():
        engine = _engine()
        with session_factory(engine)() as session:
            if output is None:
                rows = write_export(session, first, last, sys.stdout)
            else:
                with output.open("w", encoding="utf-8", newline="") as handle:
                    rows = write_export(session, first, last, handle)
        engine.dispose()
    if output is not None:
        print(f"{rows} rows written to {output}")


def register(app: typer.Typer) -> None:
    """The ledger's commands on the ``gateway`` app (one line in gateway/cli/app.py)."""
    app.add_typer(invoices_app, name="invoices")
    app.add_typer(customers_app, name="customers")
    app.command("run")(run_job)
    app.command("export")(export_allocations)
