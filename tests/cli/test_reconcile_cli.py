"""``gateway reconcile`` end to end, through the console script, on small statement and invoice files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = str(Path(sys.executable).parent / "gateway")
FIXTURES = ROOT / "fixtures" / "reconcile"
CAMT = FIXTURES / "statement.camt053.xml"
MT940 = FIXTURES / "statement2.mt940"


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GATEWAY, "reconcile", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def reconcile_fixtures(tmp_path: Path, *statements: Path) -> dict:
    out = tmp_path / "result.json"
    done = run(
        *statements,
        "--invoices",
        FIXTURES / "invoices.csv",
        "--customers",
        FIXTURES / "customers.csv",
        "--output",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "result.json.part").exists()
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_clerk_reconciles_two_statement_files_against_the_open_invoices(tmp_path):
    result = reconcile_fixtures(tmp_path, CAMT, MT940)
    by_ref = {t["bank_ref"]: t for t in result["transactions"]}
    assert list(by_ref) == ["B-001", "B-002a", "B-002b", "B-003", "B-004", "B-005", "B-006", "B-101", "B-102"]
    rf = by_ref["B-001"]
    assert rf["status"] == "matched" and rf["amount"] == "1190.00" and rf["booking_date"] == "2026-01-12"
    assert rf["allocations"] == [{"invoice_id": "INV-2026-000101", "amount": "1190.00"}]
    assert 0 < rf["confidence"] <= 1 and "structured reference" in rf["explanation"]
    assert rf["suggestions"][0]["invoice_ids"] == ["INV-2026-000101"]
    # one element per TxDtls of the batch entry
    assert by_ref["B-002a"]["allocations"][0]["invoice_id"] == "FAK-2026-201"
    assert by_ref["B-002b"]["allocations"][0]["invoice_id"] == "RE-2026-0301"
    assert by_ref["B-003"]["status"] == "ignored" and by_ref["B-003"]["reason"] == "bank charges"
    ret = by_ref["B-005"]
    assert ret["is_return"] and ret["return_reason"] == "AM04"
    assert ret["linked_to"] == {"bank_ref": "B-004", "invoice_ids": ["INV-2026-000103"]}
    assert by_ref["B-006"]["status"] == "unmatched" and by_ref["B-006"]["allocations"] == []
    assert by_ref["B-101"]["allocations"] == [{"invoice_id": "INV-2026-000102", "amount": "320.00"}]


def test_the_order_of_statement_files_does_not_change_the_result(tmp_path):
    one = reconcile_fixtures(tmp_path, CAMT, MT940)["transactions"]
    other = reconcile_fixtures(tmp_path, MT940, CAMT)["transactions"]

    def key(items):
        return {t["bank_ref"]: {k: v for k, v in t.items() if k != "file"} for t in items}

    assert key(one) == key(other)


def test_summary_on_stderr_counts_each_status(tmp_path):
    done = run(
        CAMT,
        "--invoices",
        FIXTURES / "invoices.csv",
        "--customers",
        FIXTURES / "customers.csv",
        "--output",
        tmp_path / "r.json",
    )
    assert done.returncode == 0
    assert "7 transactions: 5 matched, 0 suggested, 1 unmatched, 1 ignored" in done.stderr


def test_without_customers_the_invoice_numbers_still_match(tmp_path):
    out = tmp_path / "r.json"
    done = run(MT940, "--invoices", FIXTURES / "invoices.csv", "--output", out)
    assert done.returncode == 0, done.stderr
    first, second = json.loads(out.read_text())["transactions"]
    assert first["status"] == "matched"
    assert second["status"] == "suggested"  # no known account: the amount alone is not enough


def test_a_bad_invoice_row_exits_2_with_one_line_naming_file_line_and_column(tmp_path):
    bad = tmp_path / "invoices.csv"
    bad.write_text((FIXTURES / "invoices.csv").read_text().replace("320.00,320.00", "320,00,320.00"))
    done = run(CAMT, "--invoices", bad, "--output", tmp_path / "r.json")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "line 3" in lines[0]
    assert not (tmp_path / "r.json").exists()


def test_a_file_that_is_no_statement_exits_2(tmp_path):
    done = run(
        FIXTURES / "invoices.csv", "--invoices", FIXTURES / "invoices.csv", "--output", tmp_path / "r.json"
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "CSV" in done.stderr


def test_a_broken_matching_config_is_refused(tmp_path):
    cfg = tmp_path / "matching.toml"
    cfg.write_text("[thresholds]\nname_match = 'high'\n")
    done = run(
        CAMT, "--invoices", FIXTURES / "invoices.csv", "--output", tmp_path / "r.json", "--config", cfg
    )
    assert done.returncode != 0 and "name_match" in done.stderr


def test_the_result_is_written_as_plainly_indented_json(tmp_path):
    reconcile_fixtures(tmp_path, CAMT, MT940)
    text = (tmp_path / "result.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_the_writer_handles_every_kind_of_value_like_the_json_module():
    from gateway.cli.reconcile_cmd import _indented_json

    value = {"a": [], "b": {}, "c": [1, 2.5, 0.1, 1e-05, None, True, False, "é\n\"x\""], "d": {"e": [{"f": 1}]}}
    chunks: list[str] = []
    _indented_json(value, chunks)
    assert "".join(chunks) == json.dumps(value, indent=2, ensure_ascii=False)
