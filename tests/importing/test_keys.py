"""The keys that decide what counts as "the same": small rules, checked without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from gateway.importing import bank_reference, collect_files, content_hash, identity_key, statement_fingerprint
from gateway.model import Statement
from tests.importing.synthetic import payment, statement


def test_nonref_and_blanks_are_not_bank_references() -> None:
    for placeholder in (None, "", "  ", "NONREF", "nonref"):
        assert bank_reference(payment("1.00", ref=placeholder)) is None
    assert bank_reference(payment("1.00", ref=" 0815 ")) == "0815"


def test_content_ignores_where_a_transaction_sits_and_how_the_amount_is_written() -> None:
    a = payment("10.5")
    b = replace(payment("10.50"), entry=9, location="/Document/Ntry[9]", bank_ref="X")
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(payment("10.51"))
    assert content_hash(a) != content_hash(payment("10.50", text="Invoice 4712"))


def test_a_statement_next_year_has_another_identity_and_fingerprint() -> None:
    this_year = statement([payment("1.00")], statement_id="1/1")[0]
    next_year = statement([payment("1.00")], statement_id="1/1", start=date(2025, 3, 1), end=date(2025, 3, 31))[0]
    assert isinstance(this_year, Statement) and isinstance(next_year, Statement)
    assert identity_key(this_year) != identity_key(next_year)
    assert statement_fingerprint(this_year) != statement_fingerprint(next_year)


def test_a_folder_means_its_visible_files_sorted_and_recursive_only_when_asked(tmp_path: Path) -> None:
    for name in ("b.sta", "a.xml", ".hidden", "sub/c.ofx", ".git/x"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    single = tmp_path / "b.sta"
    assert collect_files([tmp_path]) == [tmp_path / "a.xml", tmp_path / "b.sta"]
    assert collect_files([tmp_path], recursive=True) == [tmp_path / "a.xml", tmp_path / "b.sta", tmp_path / "sub/c.ofx"]
    assert collect_files([single]) == [single]
