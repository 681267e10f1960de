"""The desk from the command line: contacts import, `gateway follow-up` (dry run, real run through a local SMTP
server, letters to a folder, a second run that sends nothing), promises, disputes and notes, and the exit code 2
with one clear line for every mistake an operator can make."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from gateway.cli.app import app
from gateway.storage import make_engine, session_factory
from gateway.storage.desk_tables import DeskFollowUp
from tests.desk.test_follow_up import CONFIG, SAMPLE_LEDGER
from tests.desk.test_mail import Server, _serve


def gateway(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def smtp() -> Iterator[Server]:
    yield from _serve()


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: Server) -> Path:
    """A SQLite ledger of the samples, loaded through the CLI, with the SMTP settings of the local server."""
    for name in list(os.environ):
        if name.startswith("GATEWAY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config").mkdir()
    shutil.copy(CONFIG, tmp_path / "config" / "follow_up.toml")
    monkeypatch.setenv("GATEWAY_DATABASE__URL", f"sqlite:///{tmp_path / 'var' / 'gateway.db'}")
    monkeypatch.setenv("GATEWAY_SMTP__PORT", str(smtp.port))
    for what in ("customers", "invoices"):
        done = gateway(what, "import", str(SAMPLE_LEDGER / f"{what}.csv"))
        assert done.exit_code == 0, done.output
    done = gateway("contacts", "import", str(SAMPLE_LEDGER / "contacts.csv"), "--actor", "clerk")
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "contacts: 5 added, 0 updated, 0 unchanged"
    return tmp_path


def _steps(folder: Path) -> list[tuple[str, int, str]]:
    engine = make_engine(f"sqlite:///{folder / 'var' / 'gateway.db'}")
    with session_factory(engine)() as session:
        rows = [(r.customer_id, r.level, r.status) for r in session.query(DeskFollowUp).order_by(DeskFollowUp.id)]
    engine.dispose()
    return rows


def test_follow_up_dry_run_then_for_real_then_again(ledger: Path, smtp: Server) -> None:
    dry = gateway("follow-up", "--as-of", "2026-03-25", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "follow-up of 2026-03-25 (dry run: nothing sent or recorded)" in dry.stdout
    assert "K-1004 Harbour Supplies Ltd [EUR] level 1 reminder by e-mail to" in dry.stdout
    assert (
        "K-1005 Bergström Café AB [EUR] level 1 reminder by e-mail (no address): held: no e-mail address" in dry.stdout
    )
    assert "AR-2026-0510 due 2026-02-19 (34 days): 1500.00" in dry.stdout
    assert "sent 0, letters 0, failed 0, held 1, due 4" in dry.stdout
    assert _steps(ledger) == [] and smtp.inbox.messages == []

    real = gateway("follow-up", "--as-of", "2026-03-25", "--actor", "credit.manager")
    assert real.exit_code == 0, real.output
    assert "sent 4, letters 0, failed 0, held 1" in real.stdout
    assert len(smtp.inbox.messages) == 4
    again = gateway("follow-up", "--as-of", "2026-03-25")
    assert again.exit_code == 0 and "sent 0, letters 0, failed 0, held 1" in again.stdout
    assert len(smtp.inbox.messages) == 4 and len(_steps(ledger)) == 4


def test_letters_are_written_to_a_folder(ledger: Path, smtp: Server) -> None:
    for day in ("2026-02-26", "2026-03-12", "2026-03-26"):
        assert gateway("follow-up", "--as-of", day).exit_code == 0
    done = gateway("follow-up", "--as-of", "2026-04-10", "--letters", str(ledger / "letters"))
    assert done.exit_code == 0, done.output
    assert "level 4 letter before legal action by letter: recorded" in done.stdout
    (letter,) = (ledger / "letters").iterdir()
    assert letter.name.startswith("2026-04-10_K-1004_EUR_level4_") and "AR-2026-0510" in letter.read_text("utf-8")
    assert ("K-1004", 4, "recorded") in _steps(ledger)


def test_a_mail_server_that_is_down_fails_the_reminders_without_failing_the_run(
    ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setenv("GATEWAY_SMTP__PORT", str(closed_port))
    done = gateway("follow-up", "--as-of", "2026-03-11")
    assert done.exit_code == 0, done.output
    assert "FAILED" in done.stdout and "cannot be reached" in done.stdout
    assert "sent 0, letters 0, failed 2, held 0" in done.stdout


def test_promises_disputes_and_notes(ledger: Path) -> None:
    added = gateway(
        "promise", "add", "K-1004", "--currency", "EUR",
        "--instalment", "2026-04-01:500.00", "--instalment", "2026-05-01:1000.00",
        "--invoice", "AR-2026-0510", "--note", "agreed with Mr Whitfield",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "payment plan of 2 instalments #1 for K-1004: 1500.00 EUR until 2026-05-01"
    listed = gateway("promise", "list", "K-1004")
    assert "#1 plan open: 0 of 1500.00 EUR paid; covers AR-2026-0510" in listed.stdout
    assert "1. 2026-04-01 500.00 (paid 0) open" in listed.stdout
    held = gateway("follow-up", "--as-of", "2026-03-20", "--dry-run")
    assert "K-1004 Harbour Supplies Ltd [EUR] level 1 reminder by e-mail to" in held.stdout
    assert "held: payment plan #1 until 2026-05-01" in held.stdout  # the promised invoice waits
    assert gateway("promise", "cancel", "1", "--reason", "customer insolvent").stdout.strip() == "promise #1 cancelled"
    unheld = gateway("follow-up", "--as-of", "2026-03-20", "--dry-run").stdout
    assert "held: payment plan" not in unheld and "sent 0, letters 0, failed 0, held 0, due 4" in unheld

    opened = gateway("dispute", "open", "AR-2026-0503", "--reason", "goods damaged")
    assert opened.exit_code == 0 and opened.stdout.strip() == "dispute #1 opened for AR-2026-0503"
    assert "AR-2026-0503" not in gateway("follow-up", "--as-of", "2026-03-20", "--dry-run").stdout
    resolved = gateway("dispute", "resolve", "1", "--resolution", "replacement delivered")
    assert resolved.exit_code == 0 and resolved.stdout.strip() == "dispute #1 resolved"
    note = gateway("note", "add", "K-1002", "Called: will pay next week", "--invoice", "AR-2026-0503")
    assert note.exit_code == 0 and note.stdout.strip() == "note #1 added to K-1002"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("promise", "add", "K-9999", "--currency", "EUR", "--instalment", "2026-04-01:10"), "no customer 'K-9999'"),
        (("promise", "add", "K-1001", "--currency", "EUR", "--instalment", "April:10"), "expected DATE:AMOUNT"),
        (("promise", "add", "K-1001", "--currency", "EUR", "--instalment", "2026-04-01:-5"), "must be positive"),
        (("promise", "cancel", "42", "--reason", "x"), "no promise #42"),
        (("dispute", "open", "AR-0000", "--reason", "x"), "no invoice 'AR-0000'"),
        (("dispute", "resolve", "7", "--resolution", "x"), "no dispute #7"),
        (("note", "add", "K-1001", "  "), "the note is empty"),
        (("follow-up", "--as-of", "yesterday"), "--as-of must be a date"),
        (("follow-up", "confirm", "3", "--sent"), "no reminder #3"),
        (("follow-up", "--config", "missing.toml"), "follow-up configuration file not found"),
    ],
)
def test_mistakes_exit_2_with_one_clear_line(ledger: Path, args: tuple[str, ...], message: str) -> None:
    done = gateway(*args)
    assert done.exit_code == 2, done.output
    assert message in done.stderr and done.stderr.startswith("gateway: ") and done.stderr.count("\n") == 1


def test_a_bad_contacts_file_names_file_line_and_column(ledger: Path) -> None:
    bad = ledger / "contacts.csv"
    bad.write_text("customer_id,email,contact_name,language\nK-1001,no-at-sign,,en\n", encoding="utf-8")
    done = gateway("contacts", "import", str(bad))
    assert done.exit_code == 2
    assert done.stderr.strip() == f"{bad}: line 2, column email: not an e-mail address: 'no-at-sign'"
