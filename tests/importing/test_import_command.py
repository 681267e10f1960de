"""``gateway import`` end to end: real statement files, the real command, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from gateway.statements import parsers
from gateway.storage.repositories import counts
from gateway.storage.tables import BankTransaction, ImportEvent, ImportFile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statements" / "import"

needs_adapters = pytest.mark.skipif(
    not {"mt940", "camt053"} <= set(parsers()), reason="the MT940 and camt.053 adapters are not installed"
)
pytestmark = needs_adapters


def gateway(*args: str | Path, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.app", *map(str, args)],
        cwd=cwd,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATABASE__URL"] = url
    env["COLUMNS"] = "200"
    return env


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _inbox(tmp_path: Path, *names: str) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, inbox / name)
    return inbox


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return counts(s)


def test_a_folder_imports_every_file_and_an_overlapping_download_adds_only_the_new(
    engine: Engine, tmp_path: Path
) -> None:
    inbox = _inbox(tmp_path, "march-part1.sta", "march-overlap.sta", "coffee-camt053.xml")
    done = gateway("import", inbox, url=_url(engine), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Import summary" in done.stdout
    with Session(engine) as s:
        rows = s.execute(select(BankTransaction.bank_ref, BankTransaction.amount).order_by(BankTransaction.id)).all()
        files = s.scalars(select(ImportFile.name).order_by(ImportFile.id)).all()
    # sorted by name: coffee, march-overlap, march-part1
    assert files == ["coffee-camt053.xml", "march-overlap.sta", "march-part1.sta"]
    assert rows == [
        (None, Decimal("-3.30")),  # two identical coffees, both kept
        (None, Decimal("-3.30")),
        ("BANKREF0002", Decimal("-45.10")),
        ("BANKREF0003", Decimal("80.00")),
        ("BANKREF0001", Decimal("250.00")),  # BANKREF0002 again: skipped as a duplicate
    ]


def test_importing_the_same_files_again_adds_nothing(engine: Engine, tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, "march-part1.sta", "coffee-camt053.xml")
    assert gateway("import", inbox, url=_url(engine), cwd=tmp_path).returncode == 0
    before = _counts(engine)
    again = gateway("import", inbox, url=_url(engine), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already imported (on ") >= 2
    after = _counts(engine)
    assert after | {"import_events": 0} == before | {"import_events": 0}
    assert after["import_events"] == before["import_events"] + 2


def test_a_bad_file_changes_nothing_and_names_the_place(engine: Engine, tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, "bad-amount-camt053.xml", "march-part1.sta")
    done = gateway("import", inbox, url=_url(engine), cwd=tmp_path)
    assert done.returncode == 2
    assert "bad-amount-camt053.xml: /Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt" in done.stderr
    assert "rejected" in done.stdout
    with Session(engine) as s:
        assert s.scalars(select(ImportFile.name)).all() == ["march-part1.sta"]  # the good file still went in
        assert s.scalars(select(BankTransaction.bank_ref).where(BankTransaction.bank_ref == "GOOD-1")).all() == []
        rejected = s.scalars(select(ImportEvent).where(ImportEvent.outcome == "rejected")).one()
        assert rejected.details["where"] == "/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt"


def test_a_file_that_is_no_statement_is_rejected_with_exit_code_2(engine: Engine, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    done = gateway("import", notes, url=_url(engine), cwd=tmp_path)
    assert done.returncode == 2
    assert "notes.txt" in done.stderr and "not a recognised bank statement" in done.stderr
    assert _counts(engine)["import_files"] == 0


def _big_mt940(path: Path, n: int) -> None:
    lines = [":20:BIG", ":25:DE89370400440532013000", ":28C:00001/001", ":60F:C240101EUR100000,00"]
    for i in range(n):
        lines.append(f":61:2401020102C1,00NTRFNONREF//B{i:09d}")
        lines.append(f":86:166?00SEPA CREDIT?20Payment number {i}?32PAYER {i % 97}")
    lines += [f":62F:C240102EUR{100000 + n},00", "-"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())


def test_a_crash_mid_file_leaves_nothing_and_a_rerun_imports_it_completely(engine: Engine, tmp_path: Path) -> None:
    big = tmp_path / "big.sta"
    n = 40_000
    _big_mt940(big, n)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli.app", "import", "--progress", str(big)],
        cwd=tmp_path,
        env=_env(_url(engine)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    seen = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen += line
        # Wait for real progress: a few thousand transactions already written inside the transaction.
        if "MB read" in line and int(line.rsplit(",", 1)[1].split()[0]) >= 10_000:
            break
        assert line, f"import ended before it could be interrupted: {seen}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert _counts(engine) == {"import_files": 0, "statements": 0, "bank_transactions": 0, "import_events": 0}

    done = gateway("import", big, url=_url(engine), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _counts(engine) | {"import_events": 0} == {
        "import_files": 1,
        "statements": 1,
        "bank_transactions": n,
        "import_events": 0,
    }
