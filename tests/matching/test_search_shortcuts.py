"""The shortcuts that make a run of 100,000 payments fast decide exactly as the plain searches would."""

from __future__ import annotations

import bisect

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.matching.candidates import reachable_without, subsets_fitting
from gateway.matching.config import MatchingConfig
from gateway.matching.evidence import _match_name, similarity
from gateway.matching.ledger import Ledger
from gateway.matching.normalize import normalize_name
from gateway.model.invoice import Customer


def plain_subsets(amounts, lo, hi, max_size, budget, limit):
    """The combination search written out plainly: one call per node, nothing looked ahead."""
    items = sorted(amounts, key=lambda t: -t[1])
    n = len(items)
    pos = [0] * (n + 1)
    neg = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        pos[k] = pos[k + 1] + max(items[k][1], 0)
        neg[k] = neg[k + 1] + min(items[k][1], 0)
    descending = [-v for _, v in items]
    out, chosen, nodes = [], [], 0

    def walk(start, total):
        nonlocal nodes
        if neg[start] == 0:
            start = max(start, bisect.bisect_left(descending, total - hi))
        for k in range(start, n):
            nodes += 1
            if nodes > budget or len(out) >= limit:
                return
            if total + pos[k] < lo or total + neg[k] > hi:
                return
            value = total + items[k][1]
            chosen.append(items[k][0])
            if lo <= value <= hi:
                out.append(tuple(chosen))
            if len(chosen) < max_size:
                walk(k + 1, value)
            chosen.pop()

    walk(0, 0)
    return out, nodes <= budget and len(out) < limit


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(min_value=-3000, max_value=20000), max_size=14),
    lo=st.integers(min_value=0, max_value=40000),
    width=st.integers(min_value=0, max_value=500),
    max_size=st.integers(min_value=1, max_value=6),
    budget=st.integers(min_value=1, max_value=400),
    limit=st.integers(min_value=1, max_value=6),
)
def test_combination_search_finds_and_counts_as_the_plain_search(values, lo, width, max_size, budget, limit):
    amounts = list(enumerate(values))
    assert subsets_fitting(amounts, lo, lo + width, max_size, budget, limit) == plain_subsets(
        amounts, lo, lo + width, max_size, budget, limit
    )


@settings(max_examples=200, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=10),
    target=st.integers(min_value=1, max_value=1500),
    max_size=st.integers(min_value=1, max_value=4),
)
def test_uniqueness_proof_agrees_with_trying_every_selection(amounts, target, max_size):
    from itertools import combinations

    rest = amounts[1:]
    expected = any(sum(c) == target for n in range(1, max_size + 1) for c in combinations(rest, n))
    assert reachable_without(amounts, 0, target, max_size) == expected


def test_a_payer_name_is_compared_once_and_identifies_as_comparing_every_customer_would():
    names = [
        "Bäckerei Müller GmbH",
        "Baeckerei Mueller KG",
        "Müller Maschinenbau GmbH",
        "Mueller Maschinenbau AG",
        "Schmidt Logistik GmbH",
        "Schmitt Logistik GmbH",
        "Logistik Partner Nord GmbH",
    ]
    ledger = Ledger([], [Customer(f"C-{k}", name) for k, name in enumerate(names)])
    config = MatchingConfig()
    th = config.thresholds
    for payer in ("Baeckerei Muller", "Schmidt Logistik", "Mueller Maschinenbau GmbH", "Logistik Nord", "Schmit"):
        normalized = normalize_name(payer)
        scores, similar, identified = _match_name(normalized, ledger, config)
        every = {cid: similarity(normalized, ledger.normalized_name(cid)) for cid in ledger.customer_names}
        assert all(every[c] == s for c, s in scores.items())
        exact = ledger.customers_named(normalized)
        if exact:  # the same name, written the same way: no fuzzy comparison at all
            assert (similar, identified) == (sorted(exact), exact[0] if len(exact) == 1 else None)
            continue
        sharing = ledger.customers_sharing_words(normalized)
        ranked = sorted(((every[c], c) for c in sharing), key=lambda t: (-t[0], t[1]))
        assert similar == [c for s, c in ranked if s >= th.name_match]
        best_alone = (
            ranked
            and ranked[0][0] >= th.name_identifies
            and (len(ranked) == 1 or ranked[0][0] - ranked[1][0] >= th.name_margin)
        )
        assert identified == (ranked[0][1] if best_alone else None)
