"""The benchmark's generated statements are valid files our parsers read exactly as generated: the
right number of transactions, the right signed sum, balances that add up, valid IBANs."""

from __future__ import annotations

import importlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from schwifty import IBAN

from bench.statements import FORMATS, generate
from bench.statements.checksums import iban, rf_reference
from bench.statements.plan import Truth
from gateway.model import Source, Statement, Transaction
from gateway.statements import iter_events

SIZE = 50
_ADAPTER = {"camt053": "camt", "ofx102": "ofx", "ofx211": "ofx", "mt940": "mt940"}


def _adapter_or_skip(fmt: str) -> None:
    try:
        importlib.import_module(f"adapters.statements.{_ADAPTER[fmt]}")
    except Exception as exc:  # an adapter still being written must not fail the generator tests
        pytest.skip(f"the {_ADAPTER[fmt]} adapter cannot be loaded yet: {exc}")


def _read(path: Path) -> tuple[list[Statement], list[Transaction]]:
    statements: list[Statement] = []
    transactions: list[Transaction] = []
    with path.open("rb") as handle:
        for event in iter_events(handle, Source(path=str(path))):
            if isinstance(event, Statement):
                statements.append(event)
            else:
                transactions.append(event)
    return statements, transactions


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_our_parser_reads_what_was_generated(fmt: str, tmp_path: Path) -> None:
    _adapter_or_skip(fmt)
    path, truth = generate(tmp_path, fmt, SIZE)
    statements, transactions = _read(path)
    assert len(transactions) == truth.transactions == SIZE
    assert sum((t.amount for t in transactions), Decimal(0)) == truth.total_decimal
    assert len({(s.location, t.entry) for s in statements for t in transactions}) > 0
    assert len(statements) == truth.statements
    assert statements[-1].closing_balance is not None
    assert statements[-1].closing_balance.amount == Decimal(truth.closing)
    if truth.opening:
        assert statements[0].opening_balance is not None
        assert statements[0].opening_balance.amount == Decimal(truth.opening)
        assert all(s.balances_reconcile for s in statements), [s.warnings for s in statements]


def test_a_camt_batch_entry_shares_its_amount_among_its_details(tmp_path: Path) -> None:
    _adapter_or_skip("camt053")
    path, truth = generate(tmp_path, "camt053", 400)
    _, transactions = _read(path)
    by_entry: dict[int, list[Transaction]] = {}
    for t in transactions:
        by_entry.setdefault(t.entry, []).append(t)
    batches = [group for group in by_entry.values() if len(group) > 1]
    assert batches, "the generator should write some batch entries"
    assert len(by_entry) == truth.entries
    for group in batches:
        assert sum((t.amount for t in group), Decimal(0)) == group[0].entry_amount


def test_the_same_seed_writes_the_same_file(tmp_path: Path) -> None:
    for fmt in FORMATS:
        first, _ = generate(tmp_path / "a", fmt, SIZE)
        second, _ = generate(tmp_path / "b", fmt, SIZE)
        assert first.read_bytes() == second.read_bytes(), fmt


def test_a_second_run_reuses_the_file_it_wrote(tmp_path: Path) -> None:
    path, _ = generate(tmp_path, "mt940", SIZE)
    before = path.stat().st_mtime_ns
    generate(tmp_path, "mt940", SIZE)
    assert path.stat().st_mtime_ns == before


def test_every_generated_iban_is_valid(tmp_path: Path) -> None:
    path, _ = generate(tmp_path, "camt053", 300)
    found = set(re.findall(r"<IBAN>([A-Z0-9]+)</IBAN>", path.read_text("utf-8")))
    assert len(found) > 50
    for value in found:
        IBAN(value)  # raises on a bad check sum or length


def test_check_digits_follow_the_standards() -> None:
    assert iban("DE", "370400440532013000") == "DE89370400440532013000"  # the textbook example
    assert rf_reference("539007547034") == "RF18539007547034"  # ISO 11649 example


def test_the_camt_file_is_well_formed_xml_with_a_single_statement(tmp_path: Path) -> None:
    path, truth = generate(tmp_path, "camt053", SIZE)
    root = etree.parse(str(path)).getroot()
    ns = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"}
    assert len(root.findall(".//c:Stmt", ns)) == 1
    assert len(root.findall(".//c:TxDtls", ns)) == truth.transactions
    assert len(root.findall(".//c:Ntry", ns)) == truth.entries


def test_mt940_lines_respect_the_swift_limit(tmp_path: Path) -> None:
    path, _ = generate(tmp_path, "mt940", 300)
    for line in path.read_text("ascii").split("\r\n"):
        if not line.startswith("{1:"):  # the envelope header is not a field line
            assert len(line) <= 65, line
            assert not line.startswith("-") or line == "-}", line


def test_the_truth_file_round_trips(tmp_path: Path) -> None:
    path, truth = generate(tmp_path, "ofx102", SIZE)
    assert Truth.load(path.with_name(path.name + ".json")) == truth
