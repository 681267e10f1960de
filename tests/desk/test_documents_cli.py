"""`gateway statement` and `gateway history` as a credit manager uses them: text formats on standard output or
into a file (the format from its suffix), a PDF only into a file, and one clear line on stderr for a mistake."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from gateway.cli.app import app
from tests.desk.conftest import CUSTOMER, NAME, ROOT, Case, pdf_text

Gateway = Callable[..., Result]


@pytest.fixture
def gateway(sqlite_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Gateway:
    """`gateway ...` in-process, on the collection case's database, with the bundled letterhead."""
    for name in list(os.environ):
        if name.startswith("GATEWAY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GATEWAY_DATABASE__URL", sqlite_case.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GATEWAY_CONFIG_DIR", str(ROOT / "config"))

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    return run


def test_a_statement_as_csv_on_standard_output_hashes_to_its_document_id(gateway: Gateway) -> None:
    done = gateway("statement", CUSTOMER, "--as-of", "2026-03-31", "--format", "csv")
    assert done.exit_code == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    total_due = {r["currency"]: r["open_amount"] for r in rows if r["section"] == "total_due"}
    assert total_due == {"EUR": "1350.00", "USD": "1200.00"}

    html = gateway("statement", CUSTOMER, "--as-of", "2026-03-31", "--out", "statement.html")
    assert html.exit_code == 0, html.stderr
    document_id = hashlib.sha256(done.stdout_bytes).hexdigest()[:16]  # the bytes: CRLF rows as written
    assert f"html written to statement.html (document {document_id})" in html.stdout
    assert "Åsa &amp; &lt;Brothers&gt;" in Path("statement.html").read_text(encoding="utf-8")


def test_a_payment_history_pdf_goes_into_the_file_named(gateway: Gateway) -> None:
    done = gateway("history", CUSTOMER, "--as-of", "2026-03-31", "--out", "history.pdf")
    assert done.exit_code == 0, done.stderr
    pdf = Path("history.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert NAME in pdf_text(pdf)

    early = gateway("history", CUSTOMER, "--as-of", "2026-03-04", "--format", "csv")
    assert early.exit_code == 0, early.stderr
    rows = list(csv.DictReader(io.StringIO(early.stdout)))
    assert {r["as_of"] for r in rows} == {"2026-03-04"} and max(r["date"] for r in rows) <= "2026-03-04"


def test_mistakes_get_one_line_on_stderr(gateway: Gateway) -> None:
    pdf = gateway("statement", CUSTOMER, "--format", "pdf")
    assert pdf.exit_code == 2 and "a PDF goes into a file: name it with --out" in pdf.stderr
    day = gateway("history", CUSTOMER, "--as-of", "31.03.2026")
    assert day.exit_code == 2 and "--as-of must be a date YYYY-MM-DD" in day.stderr
    unknown = gateway("statement", "X-404")
    assert unknown.exit_code == 1 and "no customer 'X-404' in the ledger" in unknown.stderr
    assert not list(Path().iterdir())  # nothing half-written
