"""The ``gateway`` console script: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from gateway.cli.db_cmd import db_app
from gateway.cli.fake_bureau_cmd import fake_bureau
from gateway.cli.import_cmd import import_files
from gateway.cli.parse_cmd import parse
from gateway.cli.reconcile_cmd import reconcile_command as reconcile

app = typer.Typer(
    name="gateway",
    help="Integration gateway for banks and credit bureaus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Integration gateway for banks and credit bureaus."""


app.command("parse")(parse)
app.command("import")(import_files)
app.command("reconcile")(reconcile)
app.command("fake-bureau")(fake_bureau)
app.add_typer(db_app, name="db")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
