"""Names and invoice numbers as people write them, reduced to what identifies them."""

from __future__ import annotations

import pytest

from gateway.matching.candidates import reachable_without, subsets_fitting
from gateway.matching.evidence import similarity
from gateway.matching.ledger import Ledger
from gateway.matching.normalize import normalize_name, number_keys, number_tokens, typo_variants


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("ACME B.V.", "acme"),
        ("Acme BV", "acme"),
        ("Müller Maschinenbau GmbH & Co. KG", "muller maschinenbau"),
        ("Société Générale S.A.", "societe generale"),
        ("Polska Stal Sp. z o.o.", "polska stal"),
        ("Nordic Svcs Oy", "nordic services"),
        ("AB Volvo", "volvo"),
        ("Smith & Sons Ltd.", "smith sons"),
        ("Rossi S.p.A.", "rossi"),
        ("Dansk Design ApS", "dansk design"),
    ],
)
def test_legal_forms_accents_and_abbreviations_do_not_count(written, normalized):
    assert normalize_name(written) == normalized


def test_similar_but_different_companies_stay_apart():
    assert similarity(normalize_name("ACME Trading B.V."), normalize_name("Acme Trading BV")) == 100
    assert similarity(normalize_name("ACME Trading B.V."), normalize_name("ACNE Trading AB")) < 94


def test_invoice_number_keys_ignore_prefix_separators_and_leading_zeros():
    assert number_keys("INV-2025-004711") == ("2025004711", "2025.4711")
    assert Ledger.invoice_number_keys("INV-2025-004711") == ("2025004711", "2025.4711")
    assert Ledger.invoice_number_keys("RE4711") == ("4711",)
    keys = number_tokens("Rechnung inv 2025/4711, RE2025004711", 3)
    assert ("20254711", "2025.4711") in keys and ("2025004711",) in keys


def test_one_typo_away_covers_a_changed_digit_and_a_transposition():
    variants = typo_variants("20254711")
    assert "20254712" in variants and "20257411" in variants and "20254711" not in variants


def test_bounded_subset_sum_finds_combinations_with_credit_notes():
    items = [(1, 10000), (2, 5000), (3, -2000), (4, 7000)]
    solutions, complete = subsets_fitting(items, 13000, 13000, 4, 10_000, 10)
    assert complete
    found = {tuple(sorted(s)) for s in solutions}
    assert found == {(1, 2, 3)}  # 100.00 + 50.00 - 20.00
    found = {tuple(sorted(s)) for s in subsets_fitting(items, 15000, 15000, 4, 10_000, 10)[0]}
    assert found == {(1, 3, 4), (1, 2)}


def test_subset_search_stops_at_its_budget():
    items = [(i, 100) for i in range(40)]
    solutions, complete = subsets_fitting(items, 300, 300, 3, 50, 1000)
    assert len(solutions) < 50 and not complete


def test_uniqueness_proof_looks_at_selections_of_bounded_size_without_the_candidate():
    amounts = [500, 100, 200, 300, 50]
    assert reachable_without(amounts, 0, 500, 2)  # 200 + 300
    assert not reachable_without(amounts, 0, 650, 3)  # 300 + 200 + 100 + 50 needs four
    assert reachable_without(amounts, 0, 650, 4)
