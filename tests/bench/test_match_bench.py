"""The matching benchmark's world is what its labels say: every labelled transaction is in the statements
with the labelled amount, references carry valid check digits, the same seed gives the same world, and the
scorer counts right and wrong automatic matches as the issue defines them."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from schwifty import IBAN

from bench.match import score
from bench.match.generate import generate
from gateway.model.references import CreditorReference
from gateway.statements import read


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(out, seed=7, customers=60, invoices=600, payments=400)
    return out


def _labels(world: Path) -> list[dict]:
    return json.loads((world / "labels.json").read_text(encoding="utf-8"))["transactions"]


def test_every_labelled_transaction_is_in_the_statements_as_labelled(world: Path) -> None:
    parsed = {}
    for path in sorted((world / "statements").iterdir()):
        for st in read(path).statements:
            assert st.balances_reconcile is not False, st.warnings
            for t in st.transactions:
                parsed[(f"statements/{path.name}", t.bank_ref)] = t
    labels = _labels(world)
    assert {(r["file"], r["bank_ref"]) for r in labels} == set(parsed)
    for r in labels:
        t = parsed[(r["file"], r["bank_ref"])]
        assert (t.amount, t.currency) == (Decimal(r["amount"]), r["currency"])
        if r["case"] == "direct-debit":
            assert t.end_to_end_id == r["invoice_ids"][0] and t.mandate_id
        if r["case"] == "dd-return":
            assert t.amount < 0 and t.return_reason and t.end_to_end_id == r["undoes"]["end_to_end_id"]


def test_the_world_covers_every_case_of_the_issue_in_several_formats(world: Path) -> None:
    cases = {r["case"] for r in _labels(world)}
    assert cases >= {
        "structured-reference",
        "invoice-number",
        "invoice-number-variant",
        "invoice-number-typo",
        "direct-debit",
        "iban-unique-amount",
        "fuzzy-name",
        "several-invoices",
        "several-invoices-amount-only",
        "partial",
        "short-bank-charges",
        "short-discount",
        "overpayment",
        "duplicate",
        "unknown-payer",
        "ambiguous",
        "wrong-currency",
        "dd-return",
        "outgoing",
        "bank-fee",
        "interest",
    }
    suffixes = {p.suffix for p in (world / "statements").iterdir()}
    assert suffixes == {".xml", ".sta", ".ofx"}


def test_ledger_files_have_the_issue_formats_and_valid_identifiers(world: Path) -> None:
    with (world / "invoices.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "invoice_id",
        "customer_id",
        "customer_name",
        "currency",
        "amount",
        "open_amount",
        "issue_date",
        "due_date",
        "reference",
    ]
    for r in rows:
        assert Decimal(r["open_amount"]) <= Decimal(r["amount"])
        if r["reference"]:
            assert CreditorReference.parse(r["reference"]).valid, r["reference"]
    with (world / "customers.csv").open(encoding="utf-8") as f:
        accounts = list(csv.DictReader(f))
    assert list(accounts[0]) == ["customer_id", "name", "iban"]
    for a in accounts:
        IBAN(a["iban"], validate_bban=True)


def test_the_same_seed_gives_the_same_world(world: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=7, customers=60, invoices=600, payments=400)
    for name in ("invoices.csv", "customers.csv", "labels.json"):
        assert (tmp_path / name).read_bytes() == (world / name).read_bytes()


def test_the_scorer_counts_a_wrong_invoice_and_a_guess_between_equals_as_false() -> None:
    labels = {
        "transactions": [
            {"file": "s.xml", "bank_ref": "A", "case": "c", "expect": "belongs", "invoice_ids": ["I1"]},
            {"file": "s.xml", "bank_ref": "B", "case": "c", "expect": "belongs", "invoice_ids": ["I2", "I3"]},
            {"file": "s.xml", "bank_ref": "C", "case": "c", "expect": "belongs", "invoice_ids": ["I4"]},
            {
                "file": "s.xml",
                "bank_ref": "D",
                "case": "c",
                "expect": "belongs",
                "invoice_ids": ["I5"],
                "auto": False,
            },
            {"file": "s.xml", "bank_ref": "E", "case": "c", "expect": "ignored"},
        ]
    }
    result = {
        "transactions": [
            {"bank_ref": "A", "status": "matched", "allocations": [{"invoice_id": "I1", "amount": "1"}]},
            {"bank_ref": "B", "status": "matched", "allocations": [{"invoice_id": "I2", "amount": "1"}]},
            {
                "bank_ref": "C",
                "status": "suggested",
                "suggestions": [{"invoice_ids": ["I9"]}, {"invoice_ids": ["I4"]}],
            },
            {"bank_ref": "D", "status": "matched", "allocations": [{"invoice_id": "I5", "amount": "1"}]},
            {"bank_ref": "E", "status": "ignored"},
        ]
    }
    overall, _, unlabelled = score.score(labels, result, Path("."))
    assert (overall.matched, overall.correct, overall.false) == (3, 1, 2)
    assert (overall.belongs, overall.auto, overall.rest, overall.top3) == (4, 3, 1, 1)
    assert (overall.ignored_ok, unlabelled) == (1, 0)
