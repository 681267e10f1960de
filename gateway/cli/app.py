"""The ``gateway`` console script: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from gateway.cli.ageing_cmd import register as register_ageing
from gateway.cli.credit_cmds import api_keys_app, credit_app
from gateway.cli.db_cmd import db_app
from gateway.cli.desk_cmds import register as register_desk
from gateway.cli.documents_cmd import register as register_documents
from gateway.cli.fake_bureau_cmd import fake_bureau
from gateway.cli.import_cmd import import_files
from gateway.cli.ledger_cmds import register as register_ledger
from gateway.cli.parse_cmd import parse
from gateway.cli.reconcile_cmd import reconcile_command as reconcile
from gateway.cli.serve_cmd import serve
from gateway.cli.users_cmd import users_app

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
app.add_typer(api_keys_app, name="api-keys"); app.add_typer(credit_app, name="credit")  # noqa: E702
app.command("serve")(serve)
app.add_typer(users_app, name="users")

register_ledger(app)
register_desk(app)
register_documents(app)
register_ageing(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
