"""``gateway statement`` and ``gateway history``: a customer's statement of account and payment-history file
as HTML, PDF or CSV, on standard output (text) or into a file."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from gateway.cli.common import EXIT_INPUT, as_of_option, input_errors_exit, settings
from gateway.storage import ensure_schema, make_engine, session_factory

if TYPE_CHECKING:
    from gateway.desk.documents import PaymentHistory, StatementOfAccount


class Format(StrEnum):
    html = "html"
    pdf = "pdf"
    csv = "csv"


def _format(chosen: Format | None, out: Path | None, command: str) -> Format:
    """As asked; else from the output file's suffix; else HTML."""
    if chosen is not None:
        fmt = chosen
    elif out is not None and out.suffix.lower().lstrip(".") in Format.__members__:
        fmt = Format(out.suffix.lower().lstrip("."))
    else:
        fmt = Format.html
    if fmt is Format.pdf and out is None:
        print(f"gateway {command}: a PDF goes into a file: name it with --out", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT)
    return fmt


def _emit(doc: StatementOfAccount | PaymentHistory, fmt: Format, out: Path | None) -> None:
    from gateway.desk.documents import render_csv, render_html, render_pdf  # PDF rendering loads only when used

    if fmt is Format.pdf:
        assert out is not None
        out.write_bytes(render_pdf(doc))
    else:
        text = render_html(doc) if fmt is Format.html else render_csv(doc)
        if out is None:
            sys.stdout.write(text)
            return
        out.write_text(text, encoding="utf-8", newline="")
    print(f"{doc.title}: {fmt.value} written to {out} (document {doc.document_id})")


def _produce(command: str, customer: str, as_of: str | None, fmt: Format | None, out: Path | None, **kw: int) -> None:
    from gateway.desk.documents import payment_history, statement_of_account

    day = as_of_option(as_of)
    chosen = _format(fmt, out, command)
    with input_errors_exit():
        cfg = settings()
        engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
        ensure_schema(engine)
        try:
            with session_factory(engine)() as session:
                if command == "statement":
                    doc: StatementOfAccount | PaymentHistory = statement_of_account(session, customer, day, **kw)
                else:
                    doc = payment_history(session, customer, day)
        finally:
            engine.dispose()
        _emit(doc, chosen, out)


def statement(
    customer: str = typer.Argument(..., help="The customer number (as in the ERP)."),
    as_of: str | None = typer.Option(None, "--as-of", help="The statement's date, YYYY-MM-DD (default: today)."),
    fmt: Format | None = typer.Option(
        None, "--format", help="html, pdf or csv (default: from the --out suffix, else html)."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="File to write (default: standard output; PDF needs it)."
    ),
    payments_days: int = typer.Option(90, "--payments-days", min=1, help="List the payments of this many days."),
) -> None:
    """A customer's statement of account: open items with their age, payments on account, the total due,
    and the payments received lately."""
    _produce("statement", customer, as_of, fmt, out, payments_days=payments_days)


def history(
    customer: str = typer.Argument(..., help="The customer number (as in the ERP)."),
    as_of: str | None = typer.Option(None, "--as-of", help="The file's date, YYYY-MM-DD (default: today)."),
    fmt: Format | None = typer.Option(
        None, "--format", help="pdf, csv or html (default: from the --out suffix, else html)."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="File to write (default: standard output; PDF needs it)."
    ),
) -> None:
    """A customer's payment-history file for collections or legal action: every invoice, payment, bank
    statement, return, write-off, reminder and promise, with totals that add up to the ledger."""
    _produce("history", customer, as_of, fmt, out)


def register(app: typer.Typer) -> None:
    """The document commands on the ``gateway`` app (one line in gateway/cli/app.py)."""
    app.command("statement")(statement)
    app.command("history")(history)
