"""`gateway customers import`, `gateway invoices import`, `gateway run` and `gateway export` as an operator
uses them: idempotent imports, all-or-nothing with the file, line and column of a bad row (exit 2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from gateway.storage import make_engine, session_factory
from gateway.storage.ledger_tables import LedgerInvoice
from tests.ledger.conftest import SAMPLE_INBOX, SAMPLE_LEDGER


def _gateway(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {
        "GATEWAY_DATABASE__URL": f"sqlite:///{cwd / 'var' / 'gateway.db'}",
        "GATEWAY_LEDGER__INBOX": str(cwd / "inbox"),
        "GATEWAY_LEDGER__PROCESSED": str(cwd / "processed"),
        "GATEWAY_LEDGER__REJECTED": str(cwd / "rejected"),
        "GATEWAY_CONFIG_DIR": str(cwd / "config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.app", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _invoice_count(cwd: Path) -> int:
    engine = make_engine(f"sqlite:///{cwd / 'var' / 'gateway.db'}")
    with session_factory(engine)() as session:
        n = session.scalar(select(func.count()).select_from(LedgerInvoice)) or 0
    engine.dispose()
    return n


def test_imports_are_idempotent_and_all_or_nothing(tmp_path: Path) -> None:
    done = _gateway("customers", "import", str(SAMPLE_LEDGER / "customers.csv"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "customers: 5 added" in done.stdout
    first = _gateway("invoices", "import", str(SAMPLE_LEDGER / "invoices.csv"), cwd=tmp_path)
    again = _gateway("invoices", "import", str(SAMPLE_LEDGER / "invoices.csv"), cwd=tmp_path)
    assert "invoices: 11 added" in first.stdout
    assert "invoices: 0 added, 0 updated, 11 unchanged" in again.stdout

    changed = tmp_path / "invoices.csv"
    rows = (SAMPLE_LEDGER / "invoices.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace("2026-03-04", "2026-03-31")  # a new due date for the first invoice
    rows.append("AR-2026-0600,K-1001,Nordwind Logistik GmbH,EUR,100.00,100.00,2026-03-01,2026-03-31,")
    rows.append("AR-2026-0601,K-1001,Nordwind Logistik GmbH,EUR,12.3.4,12.00,2026-03-01,2026-03-31,")
    changed.write_text("\n".join(rows) + "\n", encoding="utf-8")
    bad = _gateway("invoices", "import", str(changed), cwd=tmp_path)
    assert bad.returncode == 2
    assert "invoices.csv: line 14, column amount" in bad.stderr
    assert _invoice_count(tmp_path) == 11  # nothing of the file was kept

    changed.write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")
    good = _gateway("invoices", "import", str(changed), cwd=tmp_path)
    assert "invoices: 1 added, 1 updated, 10 unchanged" in good.stdout
    assert _invoice_count(tmp_path) == 12


def test_gateway_run_prints_a_summary_and_exits_2_when_a_file_was_rejected(tmp_path: Path) -> None:
    _gateway("customers", "import", str(SAMPLE_LEDGER / "customers.csv"), cwd=tmp_path)
    _gateway("invoices", "import", str(SAMPLE_LEDGER / "invoices.csv"), cwd=tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for f in SAMPLE_INBOX.iterdir():
        shutil.copy(f, inbox / f.name)
    (inbox / "notes.txt").write_text("this is no statement\n", encoding="utf-8")

    run = _gateway("run", "--once", cwd=tmp_path)

    assert run.returncode == 2, run.stderr
    assert "files: 3 processed, 1 rejected" in run.stdout
    assert "transactions: 11, matched" in run.stdout
    assert "amounts matched:" in run.stdout and "EUR" in run.stdout
    assert (tmp_path / "rejected" / "notes.txt.error.txt").exists()

    again = _gateway("run", "--every", "1s", "--rounds", "2", cwd=tmp_path)
    assert again.returncode == 0
    assert again.stdout.count("files: 0 processed") == 2

    export = _gateway(
        "export", "--from", "2000-01-01", "--to", "2100-01-01", "-o", str(tmp_path / "gl.csv"), cwd=tmp_path
    )
    assert export.returncode == 0, export.stderr
    lines = (tmp_path / "gl.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("entry_type,entry_id,created_at,invoice_id,customer_id,currency,amount")
    assert any("AR-2026-0503" in line and "HB0302-002" in line for line in lines)


def test_a_run_keeps_the_promise_its_payments_cover(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE_LEDGER.parents[1] / "config", tmp_path / "config")
    assert _gateway("customers", "import", str(SAMPLE_LEDGER / "customers.csv"), cwd=tmp_path).returncode == 0
    assert _gateway("invoices", "import", str(SAMPLE_LEDGER / "invoices.csv"), cwd=tmp_path).returncode == 0
    promised = _gateway("promise", "add", "K-1001", "--currency", "EUR", "--instalment", "2026-03-10:2380.00",
                        "--invoice", "AR-2026-0501", "--starts-on", "2026-03-01", cwd=tmp_path)
    assert promised.returncode == 0, promised.stderr
    shutil.copytree(SAMPLE_INBOX, tmp_path / "inbox")

    run = _gateway("run", "--once", cwd=tmp_path)

    assert run.returncode == 0, run.stderr
    assert "promise #1 of K-1001: open -> kept (paid 2380.00 EUR)" in run.stdout
    listed = _gateway("promise", "list", "K-1001", cwd=tmp_path)
    assert "kept" in listed.stdout
