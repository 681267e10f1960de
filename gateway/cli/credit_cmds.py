"""``gateway api-keys ...`` (clients of the credit-check API) and ``gateway credit ...`` (profiles, overrides)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from gateway.cli.common import input_errors_exit, settings
from gateway.credit import api_keys, records
from gateway.credit.records import Profile
from gateway.errors import InputError
from gateway.model.money import Money, parse_decimal
from gateway.storage import ensure_schema, make_engine, session_factory

api_keys_app = typer.Typer(help="API keys of credit-check clients (shown once, stored hashed).", no_args_is_help=True)
credit_app = typer.Typer(help="Credit checks: customer profiles at the bureaus, manual limits.", no_args_is_help=True)
profile_app = typer.Typer(help="A customer's identity at the bureaus.", no_args_is_help=True)
profiles_app = typer.Typer(help="Customer profiles in bulk.", no_args_is_help=True)
credit_app.add_typer(profile_app, name="profile")
credit_app.add_typer(profiles_app, name="profiles")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@contextmanager
def _transaction() -> Iterator[Session]:
    cfg = settings()
    with input_errors_exit():
        engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
        try:
            ensure_schema(engine)
            with session_factory(engine).begin() as session:
                yield session
        finally:
            engine.dispose()


@api_keys_app.command("create")
def keys_create(name: str = typer.Argument(..., help="The client, e.g. order-system.")) -> None:
    """Create a key for a client and print it once: it cannot be shown again."""
    with _transaction() as session:
        key = api_keys.create_key(session, name, _now())
    typer.echo(key)
    typer.echo(f"API key for {name!r} created; store it now, it is not shown again.", err=True)


@api_keys_app.command("list")
def keys_list() -> None:
    """Every key: name, prefix, created, revoked."""
    with _transaction() as session:
        keys = api_keys.list_keys(session)
    for k in keys:
        state = f"revoked {records.utc(k.revoked_at):%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        typer.echo(f"{k.name}\t{k.prefix}…\tcreated {records.utc(k.created_at):%Y-%m-%d %H:%M}\t{state}")


@api_keys_app.command("revoke")
def keys_revoke(name: str) -> None:
    """Revoke a client's key (takes effect within api_key_cache_seconds on running servers)."""
    with _transaction() as session:
        api_keys.revoke_key(session, name, _now())
    typer.echo(f"API key {name!r} revoked")


@profile_app.command("set")
def profile_set(
    customer: str = typer.Argument(..., help="Our customer id, as the order system sends it."),
    country: str = typer.Option(..., "--country", help="ISO 3166 two-letter code."),
    name: str | None = typer.Option(None, "--name"),
    registration_number: str | None = typer.Option(None, "--registration-number"),
    vat_number: str | None = typer.Option(None, "--vat-number"),
    bureau: str | None = typer.Option(None, "--bureau", help="Ask this bureau (default: credit.toml bureau_order)."),
    bureau_id: str | None = typer.Option(None, "--bureau-id", help="The company's id at that bureau, if known."),
) -> None:
    """Create or change how a customer is found at the bureaus."""
    with _transaction() as session:
        records.set_profile(session, Profile(customer, country, name, registration_number, vat_number, bureau,
                                             bureau_id), _now())
    typer.echo(f"profile of {customer} saved")


@profiles_app.command("import")
def profiles_import(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV with a header row: customer_id, country, "
                                "and any of name, registration_number, vat_number, bureau, bureau_id."),
) -> None:
    """Create or change many profiles from a CSV file (all or nothing)."""
    with _transaction() as session, path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = {"customer_id", "country"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"{path}: the header lacks {', '.join(sorted(missing))}")
        n = 0
        for line, row in enumerate(reader, start=2):
            def cell(key: str, row: dict[str, str] = row) -> str | None:
                return (row.get(key) or "").strip() or None
            try:
                records.set_profile(session, Profile(
                    cell("customer_id") or "", cell("country") or "", cell("name"), cell("registration_number"),
                    cell("vat_number"), cell("bureau"), cell("bureau_id")), _now())
            except InputError as exc:
                raise InputError(f"{path}:{line}: {exc}") from None
            n += 1
    typer.echo(f"{n} profile(s) imported from {path.name}")


@credit_app.command("override")
def override(
    customer: str = typer.Argument(...),
    limit: tuple[str, str] = typer.Option(..., "--limit", help="Amount and currency, e.g. --limit 5000 EUR."),
    until: dt.datetime = typer.Option(..., "--until", formats=["%Y-%m-%d"], help="Last day the limit applies."),
    reason: str = typer.Option(..., "--reason", help="Why: kept with the limit and shown in every decision."),
    by: str | None = typer.Option(None, "--by", help="Who sets it (default: $USER)."),
) -> None:
    """Set a manual credit limit for a customer, with expiry and reason (audited; replaces the computed limit)."""
    import os

    with _transaction() as session:
        amount = Money(parse_decimal(limit[0]), limit[1].strip().upper())
        oid = records.add_override(session, customer, amount, until.date(), reason,
                                   created_by=by or os.environ.get("USER"), now=_now())
    typer.echo(f"override {oid}: {customer} limit {amount} until {until.date()}")
