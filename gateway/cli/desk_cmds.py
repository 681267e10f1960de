"""``gateway follow-up``, ``gateway contacts import``, ``gateway promise ...``, ``gateway dispute ...`` and
``gateway note add``: following up overdue accounts from the command line (and from cron)."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from gateway.cli.common import EXIT_INPUT, as_of_option, date_option, settings
from gateway.desk.contacts import import_contacts, read_contacts
from gateway.desk.follow_up_config import load_follow_up_config
from gateway.desk.follow_up_run import FollowUpRun, Outcome, confirm_follow_up, run_follow_up, unconfirmed
from gateway.desk.mail import Mailer
from gateway.desk.notes import add_note, open_dispute, resolve_dispute
from gateway.desk.promises import add_promise, cancel_promise, customer_promises
from gateway.errors import GatewayError, InputError
from gateway.storage import ensure_schema, make_engine, session_factory

follow_up_app = typer.Typer(
    help="Follow up overdue accounts: bring promises up to date, then send the reminders due (e-mail through the "
    "SMTP server of the settings) and record the letters (levels in config/follow_up.toml). Safe to run twice a "
    "day: nothing is sent twice. Exit 0 even when a mail failed: it is tried again on the next run. A reminder a "
    "stopped run left unconfirmed is never sent again by itself: settle it with `gateway follow-up confirm`.",
    invoke_without_command=True,
)
contacts_app = typer.Typer(help="Where customers' reminders go (e-mail, contact name, language).", no_args_is_help=True)
promise_app = typer.Typer(help="Promises to pay and payment plans.", no_args_is_help=True)
dispute_app = typer.Typer(help="Disputed invoices: their follow-up stops until resolved.", no_args_is_help=True)
note_app = typer.Typer(help="Notes about customers and invoices.", no_args_is_help=True)


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a container: still someone ran it
        return "cli"


ACTOR = typer.Option(None, "--actor", help="Recorded in the audit trail as who did it (default: the user name).")


def _fail(message: str) -> typer.Exit:
    print(f"gateway: {' '.join(message.split())}", file=sys.stderr)
    return typer.Exit(EXIT_INPUT)


@contextmanager
def _errors() -> Iterator[None]:
    """Bad input, unknown customers, broken rules, unusable config: one line on stderr, exit 2."""
    try:
        yield
    except InputError as exc:
        print(exc.one_line(), file=sys.stderr)
        raise typer.Exit(EXIT_INPUT) from None
    except GatewayError as exc:
        raise _fail(str(exc)) from None


@contextmanager
def _session(*, transaction: bool = True) -> Iterator[Session]:
    cfg = settings()
    with _errors():
        engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
        try:
            ensure_schema(engine)
            if transaction:
                with session_factory(engine).begin() as session:
                    yield session
            else:
                with session_factory(engine)() as session:
                    yield session
        finally:
            engine.dispose()


# -- follow-up ------------------------------------------------------------------------------------------------


def _print_run(run: FollowUpRun) -> None:
    head = f"follow-up of {run.as_of}" + (" (dry run: nothing sent or recorded)" if run.dry_run else "")
    print(head)
    for change in run.promise_changes:
        print(f"  {change.describe()}")
    for line in run.lines:
        e = line.entry
        if e.channel == "email":
            how = f"e-mail to {e.recipient}" if e.recipient else "e-mail (no address)"
        else:
            how = "letter"
        money = f"overdue {e.total_overdue} {e.currency}, fee {e.fee}, interest {e.interest}, total {e.total}"
        if line.outcome == Outcome.HELD:
            state = f"held: {line.reason}"
        elif line.outcome == Outcome.DUE:
            state = "due"
        elif line.outcome == Outcome.FAILED:
            state = f"FAILED (#{line.follow_up_id}, tried again next run): {line.reason}"
        else:
            state = f"{line.outcome} (#{line.follow_up_id})" + (f": {line.reason}" if line.reason else "")
            if line.letter:
                state += f", {line.letter}"
        print(f"{e.customer_id} {e.name} [{e.currency}] level {e.level} {e.level_name} by {how}: {state}")
        print(f"    {money}")
        for item in e.items:
            extra = f", fee {item.fee}" if item.fee else ""
            extra += f", interest {item.interest}" if item.interest else ""
            print(
                f"    {item.invoice_id} due {item.due_date} ({item.days_overdue} days): {item.open_amount}{extra}"
                + (f" [level {item.level}]" if item.level != e.level else "")
            )
    counts = run.counts
    print(
        f"sent {counts['sent']}, letters {counts['recorded']}, failed {counts['failed']}, held {counts['held']}"
        + (f", due {counts['due']}" if run.dry_run else "")
        + (f", skipped {counts['skipped']}" if counts["skipped"] else "")
    )


@follow_up_app.callback()
def follow_up(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of", help="The day of the run (YYYY-MM-DD, default: today)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show who is due for which step; send and record nothing."),
    letters: Path | None = typer.Option(None, "--letters", help="Also write letters as text files to this folder."),
    config: Path | None = typer.Option(None, "--config", help="Follow-up levels (default config/follow_up.toml)."),
    actor: str | None = ACTOR,
) -> None:
    """Send the reminders due on --as-of (see the group's help)."""
    if ctx.invoked_subcommand is not None:
        return
    day = as_of_option(as_of)
    cfg = settings()
    with _errors():
        follow_up_config = load_follow_up_config(config)
    mailer = Mailer(cfg.smtp, sender_name=follow_up_config.creditor.name)
    with _session(transaction=False) as session:
        run = run_follow_up(
            session, day, follow_up_config, mailer, actor=actor or _default_actor(), send=not dry_run, letters=letters
        )
        waiting = unconfirmed(session)
    _print_run(run)
    for row in waiting:
        print(
            f"unconfirmed: reminder #{row.id} to {row.customer_id} ({row.recipient}) of {row.run_date} may not have "
            f"been sent: check, then `gateway follow-up confirm {row.id} --sent` or `--failed`",
            file=sys.stderr,
        )


@follow_up_app.command("confirm")
def follow_up_confirm(
    follow_up_id: int = typer.Argument(..., help="The reminder's number (shown as unconfirmed)."),
    sent: bool = typer.Option(..., "--sent/--failed", help="It did arrive / it did not (send it again)."),
    note: str | None = typer.Option(None, "--note", help="How it was checked."),
    actor: str | None = ACTOR,
) -> None:
    """Settle a reminder a stopped run left unconfirmed: it arrived (--sent) or must go again (--failed)."""
    with _session() as session:
        confirm_follow_up(session, follow_up_id, sent=sent, actor=actor or _default_actor(), note=note)
    print(f"reminder #{follow_up_id} confirmed as {'sent' if sent else 'not sent: the next run sends it again'}")


# -- contacts -------------------------------------------------------------------------------------------------


@contacts_app.command("import")
def contacts_import(
    path: Path = typer.Argument(..., help="contacts.csv: customer_id,email,contact_name,language."),
    actor: str | None = ACTOR,
) -> None:
    """Insert or update the customers' contacts: all rows or none; errors name file, line and column."""
    with _errors():
        rows = read_contacts(path)
    with _session() as session:
        counts = import_contacts(session, rows, actor=actor or _default_actor())
    print(f"contacts: {counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged")


# -- promises -------------------------------------------------------------------------------------------------


def _instalment(text: str) -> tuple[date, Decimal]:
    day, _, amount = text.partition(":")
    try:
        return date.fromisoformat(day.strip()), Decimal(amount.strip())
    except (ValueError, InvalidOperation):
        raise _fail(f"--instalment: expected DATE:AMOUNT such as 2026-12-01:500.00, not {text!r}") from None


@promise_app.command("add")
def promise_add(
    customer: str = typer.Argument(..., help="Customer id."),
    currency: str = typer.Option(..., "--currency", help="ISO currency code, e.g. EUR."),
    instalment: list[str] = typer.Option(
        ..., "--instalment", help="DATE:AMOUNT, e.g. 2026-12-01:500.00; repeat for a payment plan."
    ),
    invoice: list[str] = typer.Option([], "--invoice", help="An invoice the promise covers (repeat); none: all."),
    note: str | None = typer.Option(None, "--note", help="What was agreed, with whom."),
    grace_days: int | None = typer.Option(None, "--grace-days", help="Days after a due date before it is broken."),
    starts_on: str | None = typer.Option(None, "--starts-on", help="Payments from this day count (default today)."),
    actor: str | None = ACTOR,
) -> None:
    """Record a promise to pay (one instalment) or a payment plan (several)."""
    parts = [_instalment(text) for text in instalment]
    start = date_option(starts_on, "--starts-on")
    with _session() as session:
        promise_id = add_promise(
            session,
            customer,
            currency,
            parts,
            actor=actor or _default_actor(),
            invoice_ids=invoice,
            note=note,
            grace_days=grace_days,
            starts_on=start,
        )
    total = sum((amount for _, amount in parts), Decimal(0))
    kind = "promise" if len(parts) == 1 else f"payment plan of {len(parts)} instalments"
    print(f"{kind} #{promise_id} for {customer}: {total} {currency.upper()} until {parts[-1][0]}")


@promise_app.command("list")
def promise_list(customer: str = typer.Argument(..., help="Customer id.")) -> None:
    """The customer's promises and plans, newest first, with their instalments."""
    with _session() as session:
        promises = customer_promises(session, customer)
    if not promises:
        print(f"{customer} has no promises")
    for p in promises:
        covers = ", ".join(p.invoice_ids) if p.invoice_ids else f"all {p.currency} invoices"
        print(f"#{p.id} {p.kind} {p.status}: {p.paid} of {p.total} {p.currency} paid; covers {covers}")
        if p.note:
            print(f"    note: {p.note}")
        if p.closed_reason:
            print(f"    {p.status}: {p.closed_reason}")
        for i in p.instalments:
            settled = f", settled {i.settled_on}" if i.settled_on else ""
            print(f"    {i.seq}. {i.due_date} {i.amount} (paid {i.paid}) {i.status}{settled}")


@promise_app.command("cancel")
def promise_cancel(
    promise_id: int = typer.Argument(..., help="The promise's number."),
    reason: str = typer.Option(..., "--reason", help="Why it ends."),
    actor: str | None = ACTOR,
) -> None:
    """Cancel an open promise: follow-up resumes for what it covered."""
    with _session() as session:
        cancel_promise(session, promise_id, actor=actor or _default_actor(), reason=reason)
    print(f"promise #{promise_id} cancelled")


# -- disputes and notes ---------------------------------------------------------------------------------------


@dispute_app.command("open")
def dispute_open(
    invoice: str = typer.Argument(..., help="The invoice number (as in the ERP)."),
    reason: str = typer.Option(..., "--reason", help="What the customer disputes."),
    actor: str | None = ACTOR,
) -> None:
    """Mark an invoice as disputed: no reminders for it until the dispute is resolved."""
    with _session() as session:
        dispute_id = open_dispute(session, invoice, reason, actor=actor or _default_actor())
    print(f"dispute #{dispute_id} opened for {invoice}")


@dispute_app.command("resolve")
def dispute_resolve(
    dispute_id: int = typer.Argument(..., help="The dispute's number."),
    resolution: str = typer.Option(..., "--resolution", help="What was agreed."),
    actor: str | None = ACTOR,
) -> None:
    """Resolve a dispute: the invoice is followed up again if still open."""
    with _session() as session:
        resolve_dispute(session, dispute_id, resolution, actor=actor or _default_actor())
    print(f"dispute #{dispute_id} resolved")


@note_app.command("add")
def note_add(
    customer: str = typer.Argument(..., help="Customer id."),
    text: str = typer.Argument(..., help="The note."),
    invoice: str | None = typer.Option(None, "--invoice", help="The invoice the note is about."),
    actor: str | None = ACTOR,
) -> None:
    """Add a note to the customer's credit file (optionally about one invoice)."""
    with _session() as session:
        note_id = add_note(session, customer, text, actor=actor or _default_actor(), invoice_id=invoice)
    print(f"note #{note_id} added to {customer}")


def register(app: typer.Typer) -> None:
    """The desk's commands on the ``gateway`` app (one line in gateway/cli/app.py)."""
    app.add_typer(follow_up_app, name="follow-up")
    app.add_typer(contacts_app, name="contacts")
    app.add_typer(promise_app, name="promise")
    app.add_typer(dispute_app, name="dispute")
    app.add_typer(note_app, name="note")
