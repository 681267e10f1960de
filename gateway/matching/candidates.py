"""Candidate invoice sets for one transaction: the invoices it names, the payer's open items (single and
bounded combinations), and invoices of exactly that amount; each with its amount fit and score."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import accumulate
from operator import itemgetter

from gateway.matching.config import MatchingConfig
from gateway.matching.evidence import Hit, Kind, Payer, select_named
from gateway.matching.ledger import Ledger
from gateway.model.money import minor_units
from gateway.model.statement import Transaction

# Bounds of the uniqueness proof for big customers (a bitset of target-in-cents bits per open item).
_PROOF_MAX_ITEMS = 2000
_PROOF_MAX_CENTS = 50_000_000
_PROOF_MAX_BIT_OPS = 400_000_000


class Fit(StrEnum):
    EXACT = "exact"
    SHORT = "short within tolerance"  # closes the invoices; the difference is written off with a reason
    PARTIAL = "partial"  # leaves the rest open
    OVER = "over"  # the surplus is a customer credit
    OTHER_CURRENCY = "other currency"


class Source(StrEnum):
    NAMED = "named"  # invoices the transaction names (reference, number)
    TYPO = "typo"  # invoices whose number is one typo away from a number in the text
    PAYER = "payer"  # open items of the payer
    AMOUNT = "amount"  # any open invoice of exactly that amount


@dataclass(slots=True)
class Candidate:
    invoices: tuple[int, ...]
    customer_id: str
    source: Source
    fit: Fit
    open_total: Decimal
    difference: Decimal  # open_total - payment: positive when short, negative when over
    difference_reason: str | None = None
    hits: dict[int, Hit] = field(default_factory=dict)
    ids: tuple[str, ...] = ()  # invoice ids, sorted: ties are broken by them, never by input order
    exhaustive: bool = True  # every combination of the customer's open items was looked at
    score: float = 0.0
    reasons: list[tuple[str, float]] = field(default_factory=list)  # (evidence phrase, score contribution)

    @property
    def key(self) -> tuple[str, ...]:
        return self.ids


def _cents(value: Decimal, places: int) -> int:
    return int(value.scaleb(places))


def _payment_places(tx: Transaction) -> int:
    """Decimals the amounts compared with this payment are counted in: the currency's minor unit, or the
    payment's own decimals when it has more (the open amounts may add more, see ``Ledger.in_units``)."""
    return max(minor_units(tx.currency), -tx.amount.as_tuple().exponent)  # type: ignore[operator]


def short_reason(
    shortfall: Decimal,
    due: Decimal,
    payment: Decimal,
    booked: date | None,
    issued: date,
    currency: str,
    config: MatchingConfig,
) -> str | None:
    """Why a payment short by ``shortfall`` still closes what is due; None: it is a partial payment."""
    tol = config.tolerances
    if shortfall <= 0 or due <= 0:
        return None
    in_discount_period = booked is None or booked <= issued + timedelta(days=tol.discount_days)
    if in_discount_period and is_discounted(payment, due, currency, config):
        return "early-payment discount"
    if shortfall <= tol.bank_charges_max and shortfall <= due * tol.bank_charges_max_share:
        return "bank charges"
    if in_discount_period and shortfall <= due * tol.discount_max_share:
        return "early-payment discount"
    return None


def is_discounted(payment: Decimal, due: Decimal, currency: str, config: MatchingConfig) -> bool:
    """payment == due less one of the configured discount rates, rounded to the currency's minor unit."""
    exp = Decimal(1).scaleb(-minor_units(currency))
    for rate in config.tolerances.discount_rates:
        raw = due * (1 - rate)
        if payment in (raw.quantize(exp, ROUND_HALF_UP), raw.quantize(exp, ROUND_HALF_EVEN)):
            return True
    return False


def make_candidate(
    invoices: tuple[int, ...],
    source: Source,
    tx: Transaction,
    ledger: Ledger,
    config: MatchingConfig,
    hits: dict[int, Hit],
) -> Candidate:
    if len(invoices) == 1:
        return _single_candidate(invoices, source, tx, ledger, config, hits)
    items = [ledger.invoices[i] for i in invoices]
    customer = items[0].customer_id
    ids = tuple(sorted(inv.invoice_id for inv in items))
    if any(inv.currency != tx.currency for inv in items):
        total = sum((ledger.open_amounts[i] for i in invoices), Decimal(0))
        return Candidate(
            invoices,
            customer,
            source,
            Fit.OTHER_CURRENCY,
            total,
            total - tx.amount,
            hits={i: hits[i] for i in invoices if i in hits},
            ids=ids,
        )
    total = sum((ledger.open_amounts[i] for i in invoices), Decimal(0))
    diff = total - tx.amount
    reason = None
    if diff == 0:
        fit = Fit.EXACT
    elif diff < 0:
        fit = Fit.OVER
    else:
        issued = max(inv.issue_date for inv in items)
        reason = short_reason(diff, total, tx.amount, tx.booking_date, issued, tx.currency, config)
        fit = Fit.SHORT if reason else Fit.PARTIAL
    return Candidate(
        invoices,
        customer,
        source,
        fit,
        total,
        diff,
        reason,
        hits={i: hits[i] for i in invoices if i in hits},
        ids=ids,
    )


_ZERO = Decimal(0)


def _single_candidate(
    invoices: tuple[int, ...],
    source: Source,
    tx: Transaction,
    ledger: Ledger,
    config: MatchingConfig,
    hits: dict[int, Hit],
) -> Candidate:
    """``make_candidate`` for one invoice, the common case (every invoice of exactly the paid amount)."""
    i = invoices[0]
    inv = ledger.invoices[i]
    total = _ZERO + ledger.open_amounts[i]  # as the sum over several invoices: the same Decimal exponent
    diff = total - tx.amount
    own_hits = {i: hits[i]} if i in hits else {}
    ids = (inv.invoice_id,)
    reason = None
    if inv.currency != tx.currency:
        fit = Fit.OTHER_CURRENCY
    elif diff == 0:
        fit = Fit.EXACT
    elif diff < 0:
        fit = Fit.OVER
    else:
        reason = short_reason(diff, total, tx.amount, tx.booking_date, inv.issue_date, tx.currency, config)
        fit = Fit.SHORT if reason else Fit.PARTIAL
    return Candidate(invoices, inv.customer_id, source, fit, total, diff, reason, hits=own_hits, ids=ids)


def subsets_fitting(
    amounts: list[tuple[int, int]],
    lo: int,
    hi: int,
    max_size: int,
    budget: int,
    limit: int,
) -> tuple[list[tuple[int, ...]], bool]:
    """Combinations (up to ``max_size`` items) whose sum lies in [lo, hi], at most ``limit`` of them,
    exploring at most ``budget`` nodes; and whether the search was exhaustive (a solution missing from an
    interrupted search could make an apparently unique one ambiguous). Items may be negative: credit notes.

    The walk goes through the items largest first, depth first; a node is one item looked at. Without
    credit notes (the usual case) the last two levels are not visited node by node: what they find and
    the nodes they would count are read off the sorted values, with the same result and the same count."""
    items = sorted(amounts, key=itemgetter(1), reverse=True)  # stable: equal values keep their order
    keys = [i for i, _ in items]
    values = [v for _, v in items]
    if hi >= 0 and (not values or values[-1] > 0):
        return _positive_subsets(keys, values, lo, hi, max_size, budget, limit)
    return _subsets_with_credits(keys, values, lo, hi, max_size, budget, limit)


def _subsets_with_credits(
    keys: list[int], values: list[int], lo: int, hi: int, max_size: int, budget: int, limit: int
) -> tuple[list[tuple[int, ...]], bool]:
    """``subsets_fitting`` on values sorted largest first, some of them negative or zero."""
    n = len(values)
    pos_suffix = [0] * (n + 1)
    neg_suffix = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        v = values[k]
        pos_suffix[k] = pos_suffix[k + 1] + max(v, 0)
        neg_suffix[k] = neg_suffix[k + 1] + min(v, 0)
    out: list[tuple[int, ...]] = []
    nodes = 0
    chosen: list[int] = []
    descending = [-v for v in values]  # ascending, for bisect
    credits_ahead = [v < 0 for v in neg_suffix]
    bisect_left = bisect.bisect_left

    def walk(start: int, total: int, depth: int) -> None:
        nonlocal nodes
        deeper = depth + 1 < max_size
        for k in range(start, n):
            nodes += 1
            if nodes > budget or len(out) >= limit:
                return
            # Everything reachable from here is within [total + neg_suffix, total + pos_suffix].
            if total + pos_suffix[k] < lo or total + neg_suffix[k] > hi:
                return
            value = total + values[k]
            chosen.append(keys[k])
            if lo <= value <= hi:
                out.append(tuple(chosen))
            if deeper:
                nxt = k + 1
                if not credits_ahead[nxt]:
                    # No credit notes ahead: skip straight past the items that alone overshoot.
                    nxt = max(nxt, bisect_left(descending, value - hi))
                if nxt < n:
                    if value + pos_suffix[nxt] < lo or value + neg_suffix[nxt] > hi:
                        nodes += 1  # what the call would count before giving up on its first item
                    else:
                        walk(nxt, value, depth + 1)
            chosen.pop()

    walk(0 if credits_ahead[0] else bisect_left(descending, -hi), 0, 0)
    walk = None  # it refers to itself: a reference cycle that only the cyclic collector would free
    return out, nodes <= budget and len(out) < limit


def _positive_subsets(
    keys: list[int], values: list[int], lo: int, hi: int, max_size: int, budget: int, limit: int
) -> tuple[list[tuple[int, ...]], bool]:
    """``subsets_fitting`` on positive values sorted largest first, with ``hi >= 0``.

    Every item a level looks at then keeps the sum within ``hi`` (the items that would overshoot are
    skipped by bisection), and a level gives up at the first item from which even all the remaining ones
    cannot reach ``lo``: as the values only get smaller, both places are found by bisection. The last level
    is therefore a range of fitting items and a count of nodes; the level before it only descends when
    its next item fits."""
    n = len(values)
    pos_suffix = list(accumulate(reversed(values), initial=0))[::-1]  # pos_suffix[k]: sum(values[k:])
    descending = [-v for v in values]  # ascending, for bisect
    short_of = [-s for s in pos_suffix]  # ascending, for bisect
    bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right
    out: list[tuple[int, ...]] = []
    chosen: list[int] = []
    nodes = 0

    def last(start: int, total: int) -> None:
        """The last level from ``start`` (< n): the items that complete a fit, and the nodes counted."""
        nonlocal nodes
        need = lo - total
        if need > 0:
            fit_end = bisect_right(descending, -need, start)  # items from start up to here reach lo
            give_up = bisect_right(short_of, -need, start, n)  # from here on even all the rest fall short
            steps = give_up - start + (give_up < n)  # the walk counts the node it gives up on too
        else:
            fit_end = n
            steps = n - start
        want = fit_end - start
        # The walk stops at the first node beyond the budget, or at the first one after the limit is met.
        room = min(want, budget - nodes, limit - len(out))
        if room > 0:
            head = tuple(chosen)
            out.extend([(*head, keys[k]) for k in range(start, start + room)])
        else:
            room = 0
        if room < want:
            nodes += room + 1
        elif len(out) >= limit:
            nodes += want + (want < steps)
        else:
            nodes = min(nodes + steps, budget + 1)

    def before_last(start: int, total: int) -> None:
        """The level before the last: descends only when the next item completes a fit."""
        nonlocal nodes
        for k in range(start, n):
            nodes += 1
            if nodes > budget or len(out) >= limit:
                return
            if total + pos_suffix[k] < lo:
                return
            value = total + values[k]
            if value >= lo:
                out.append((*chosen, keys[k]))
            nxt = bisect_left(descending, value - hi, k + 1)
            if nxt < n:
                need = lo - value
                if values[nxt] < need:
                    # No item completes a fit (the largest one left does not): only count the nodes.
                    give_up = bisect_right(short_of, -need, nxt, n)
                    nodes += give_up - nxt + (give_up < n)
                else:
                    chosen.append(keys[k])
                    last(nxt, value)
                    chosen.pop()

    def walk(start: int, total: int, depth: int) -> None:
        nonlocal nodes
        child = before_last if depth + 3 >= max_size else None
        for k in range(start, n):
            nodes += 1
            if nodes > budget or len(out) >= limit:
                return
            if total + pos_suffix[k] < lo:
                return
            value = total + values[k]
            chosen.append(keys[k])
            if value >= lo:
                out.append(tuple(chosen))
            nxt = bisect_left(descending, value - hi, k + 1)  # skip the items that alone overshoot
            if nxt < n:
                if value + pos_suffix[nxt] < lo:
                    nodes += 1  # what the call would count before giving up on its first item
                elif child is not None:
                    child(nxt, value)
                else:
                    walk(nxt, value, depth + 1)
            chosen.pop()

    start = bisect_left(descending, -hi)
    if start < n:
        if max_size <= 1:
            last(start, 0)
        elif max_size == 2:
            before_last(start, 0)
        else:
            walk(start, 0, 0)
    walk = None  # it refers to itself: a reference cycle that only the cyclic collector would free
    return out, nodes <= budget and len(out) < limit


def reachable_without(amounts: list[int], skip: int, target: int, max_size: int) -> bool:
    """Whether some selection of at most ``max_size`` of ``amounts``, without position ``skip``, sums to
    ``target`` exactly. Positive amounts only.

    ``need[n]`` is a bitset (one Python integer): bit p is set when n of the amounts looked at so far
    leave p to be made up. The amounts are taken largest first, so what the others can still make up
    (the sum of the next largest few) shrinks quickly, and the bitsets are cut down to it."""
    used = [a for k, a in enumerate(amounts) if k != skip and a <= target]
    # Whole-euro amounts share a factor of 100 with each other: dividing by it shrinks the bitsets.
    step = math.gcd(target, *used)
    if step > 1:
        used, target = [a // step for a in used], target // step
    if (target + 1) * len(used) * max_size > _PROOF_MAX_BIT_OPS:
        return True  # too costly to prove: count it as ambiguous
    used.sort(reverse=True)
    count = len(used)
    prefix = [0] * (count + 1)  # prefix[i]: the sum of the i largest amounts
    for i, a in enumerate(used):
        prefix[i + 1] = prefix[i] + a
    need = [0] * (max_size + 1)
    for i, a in enumerate(used):
        for n in range(min(max_size, i + 1), 0, -1):
            if n == 1:
                left = target - a
                if left == 0:
                    return True
                grown = need[1] | (1 << left)
            else:
                if not need[n - 1]:
                    continue
                grown = need[n] | (need[n - 1] >> a)  # bits below zero overshoot and fall off
                if grown & 1:
                    return True  # some selection reaches it: no need to look further
            # The most that max_size - n of the amounts after this one can still make up.
            bits = prefix[min(i + 1 + max_size - n, count)] - prefix[i + 1] + 1
            if grown.bit_length() > bits:
                grown &= (1 << bits) - 1
            need[n] = grown
    return False


def _prove_unique(c: Candidate, tx: Transaction, ledger: Ledger, config: MatchingConfig) -> bool:
    """For a customer too big to enumerate: the one open invoice of exactly the paid amount is the only
    selection of its open items with that sum (no credit notes, bounded size)."""
    items = ledger.open_of_customer(c.customer_id, tx.currency)
    if len(items) > _PROOF_MAX_ITEMS:
        return False
    places, amounts = ledger.in_units(items, _payment_places(tx))
    if any(a <= 0 for a in amounts):
        return False
    target = _cents(tx.amount, places)
    if target > _PROOF_MAX_CENTS:
        return False
    skip = items.index(c.invoices[0])
    return not reachable_without(amounts, skip, target, config.thresholds.subset_max_invoices)


def _max_shortfall(payment: Decimal, config: MatchingConfig) -> Decimal:
    tol = config.tolerances
    share = max(tol.discount_max_share, max(tol.discount_rates, default=Decimal(0)))
    by_share = payment * share / (1 - share) if share < 1 else payment
    return max(tol.bank_charges_max, by_share)


def _payer_sets(
    tx: Transaction,
    customer: str,
    ledger: Ledger,
    config: MatchingConfig,
    incomplete: set[str],
) -> Iterator[tuple[int, ...]]:
    """Open items of one customer that could be what this payment is for. Customers whose combinations
    were not all explored go into ``incomplete``: no candidate of theirs counts as the only one that fits."""
    th = config.thresholds
    small = ledger.customer_size(customer) <= 4 * th.subset_max_open_items
    open_items = ledger.open_of_customer(customer, tx.currency) if small else []
    if small and not open_items:
        return
    if small and len(open_items) <= th.subset_max_open_items:
        places, units = ledger.in_units(open_items, _payment_places(tx))
        lo = _cents(tx.amount, places)
        hi = _cents(tx.amount + _max_shortfall(tx.amount, config), places)
        amounts = list(zip(open_items, units, strict=True))
        # Exact sums first, so that combinations within the tolerance never crowd them out.
        fitting, complete = subsets_fitting(amounts, lo, lo, th.subset_max_invoices, th.subset_node_budget, 6)
        if not complete:
            incomplete.add(customer)
        if not fitting:
            fitting, _ = subsets_fitting(
                amounts, lo + 1, hi, th.subset_max_invoices, th.subset_node_budget, 4
            )
        yield from fitting
        if not fitting:
            # Partial payments: the oldest open invoices larger than the payment.
            yield from [(i,) for i in open_items if ledger.open_amounts[i] > tx.amount][:3]
        if len(open_items) > 1 and sum(ledger.open_amounts[i] for i in open_items) < tx.amount:
            yield tuple(open_items)
    else:
        # Too many open items to combine: single invoices of that amount, or that amount before discount.
        incomplete.add(customer)
        yield from ((i,) for i in ledger.open_of_customer_with_amount(customer, tx.currency, tx.amount))
        exp = Decimal(1).scaleb(-minor_units(tx.currency))
        for rate in config.tolerances.discount_rates:
            due = (tx.amount / (1 - rate)).quantize(exp)
            for guess in (due - exp, due, due + exp):
                yield from ((i,) for i in ledger.open_of_customer_with_amount(customer, tx.currency, guess))


def build_candidates(
    tx: Transaction,
    hits: list[Hit],
    payer: Payer,
    ledger: Ledger,
    config: MatchingConfig,
) -> list[Candidate]:
    th = config.thresholds
    by_invoice = {h.invoice: h for h in hits}
    found: dict[tuple[int, ...], Candidate] = {}

    def add(invoices: tuple[int, ...], source: Source) -> None:
        key = invoices if len(invoices) == 1 else tuple(sorted(invoices))
        if key and key not in found:
            found[key] = make_candidate(invoices, source, tx, ledger, config, by_invoice)

    named_open = [h.invoice for h in select_named(hits, payer, ledger) if ledger.open_amounts[h.invoice]]
    by_customer: dict[str, list[int]] = {}
    for i in named_open:
        by_customer.setdefault(ledger.invoices[i].customer_id, []).append(i)
    for items in by_customer.values():
        add(tuple(items), Source.NAMED)
        if len(items) > 1:
            for i in items:
                add((i,), Source.NAMED)
            same = [i for i in items if ledger.invoices[i].currency == tx.currency]
            if len(same) <= 16:
                places, units = ledger.in_units(same, _payment_places(tx))
                amounts = list(zip(same, units, strict=True))
                target = _cents(tx.amount, places)
                subsets, _ = subsets_fitting(amounts, target, target, len(same), th.subset_node_budget, 5)
                for subset in subsets:
                    add(subset, Source.NAMED)
    payer_side = set(payer.iban_customers) | set(payer.similar_customers)
    for h in hits:
        # A number one typo away is worth showing when the payer or the amount agrees with it.
        if (
            h.kind is Kind.INVOICE_NUMBER_TYPO
            and ledger.open_amounts[h.invoice]
            and (
                ledger.invoices[h.invoice].customer_id in payer_side
                or ledger.open_amounts[h.invoice] == tx.amount
            )
        ):
            add((h.invoice,), Source.TYPO)

    if len(found) == 1 and len(by_customer) == 1:
        only = next(iter(found.values()))
        payer_agrees = only.customer_id in payer.iban_customers or not payer.iban_known
        if payer_agrees and only.fit in (Fit.EXACT, Fit.SHORT) and set(only.invoices) == set(named_open):
            # Everything the payment names fits: the payer's other open items cannot compete with that.
            score(only, tx, payer, ledger, config)
            return [only]
    customers: list[str] = list(payer.iban_customers[:3])
    if payer.identified_by_name and payer.identified_by_name not in customers:
        customers.append(payer.identified_by_name)
    for cid in by_customer:
        if cid not in customers:
            customers.append(cid)
    incomplete: set[str] = set()
    for cid in customers[:5]:
        for subset in _payer_sets(tx, cid, ledger, config, incomplete):
            add(subset, Source.PAYER)

    if ledger.amount_count(tx.currency, tx.amount) <= th.amount_only_max:
        # Unsorted: the candidates are ranked below, whatever order they were found in. (``add`` written
        # out: there may be a couple of hundred.)
        for i in ledger.open_with_amount(tx.currency, tx.amount, in_due_order=False):
            key = (i,)
            if key not in found:
                found[key] = _single_candidate(key, Source.AMOUNT, tx, ledger, config, by_invoice)
    else:
        # Too common an amount to look at every invoice: those of customers with a similar name only.
        for cid in payer.similar_customers[:10]:
            for i in ledger.open_of_customer_with_amount(cid, tx.currency, tx.amount)[:10]:
                add((i,), Source.AMOUNT)

    out = list(found.values())
    for c in out:
        c.exhaustive = c.customer_id not in incomplete
    _score_all(out, tx, payer, ledger, config)
    for cid in incomplete & set(payer.iban_customers):
        exact = [
            c for c in out if c.customer_id == cid and c.fit is Fit.EXACT and c.source is not Source.TYPO
        ]
        if len(exact) == 1 and len(exact[0].invoices) == 1:
            exact[0].exhaustive = _prove_unique(exact[0], tx, ledger, config)
    out.sort(key=lambda c: (-c.score, c.key))
    return out


_NEAR_DUE = "booked between invoice date and shortly after the due date"
_TABLES: dict[int, tuple[MatchingConfig, dict[Kind, float], dict[Fit, float], timedelta]] = {}


def _tables(config: MatchingConfig) -> tuple[dict[Kind, float], dict[Fit, float], timedelta]:
    """Weights by evidence kind and by amount fit, and the due-date window, worked out once per config."""
    found = _TABLES.get(id(config))
    if found is None or found[0] is not config:
        w = config.weights
        kinds = {
            Kind.STRUCTURED_REFERENCE: w.structured_reference,
            Kind.REFERENCE_IN_TEXT: w.reference_in_text,
            Kind.END_TO_END_ID: w.end_to_end_id,
            Kind.INVOICE_ID: w.invoice_id,
            Kind.INVOICE_NUMBER: w.invoice_number,
            Kind.INVOICE_NUMBER_TYPO: w.invoice_number_typo,
        }
        fits = {
            Fit.EXACT: w.amount_exact,
            Fit.SHORT: w.amount_within_tolerance,
            Fit.PARTIAL: w.amount_partial,
            Fit.OVER: w.amount_over,
            Fit.OTHER_CURRENCY: -1.0,
        }
        window = timedelta(days=config.thresholds.due_date_window_days)
        found = _TABLES[id(config)] = (config, kinds, fits, window)
    return found[1], found[2], found[3]


def score(
    c: Candidate,
    tx: Transaction,
    payer: Payer,
    ledger: Ledger,
    config: MatchingConfig,
    *,
    phrases: bool = False,
) -> None:
    """Sum of weighted evidence, capped to 0..1. With ``phrases`` the evidence is also put into words for
    the explanation (only done for the candidates that are shown: it costs more than the score)."""
    if not phrases:
        _score_only(c, tx, payer, ledger, config)
        return
    w = config.weights
    reasons: list[tuple[str, float]] = []
    kind_weight, amount_weights, window = _tables(config)
    if c.hits:
        named = sum(kind_weight[h.kind] for h in c.hits.values()) / len(c.invoices)
        reasons.append((_hits_phrase(c) if phrases else "", named))
    cid = c.customer_id
    if cid in payer.iban_customers:
        reasons.append((f"payer IBAN is a known account of customer {cid}" if phrases else "", w.payer_iban))
    elif payer.iban_known:
        others = ", ".join(payer.iban_customers)
        reasons.append(
            (f"payer IBAN belongs to another customer ({others})" if phrases else "", -w.other_payer_penalty)
        )
    sim = payer.name_scores.get(cid) if payer.normalized_name else 0.0
    if sim is None:
        sim = payer.name_score(ledger, cid)
    if sim >= 60:
        name = ledger.customer_names.get(cid, cid)
        reasons.append(
            (f"payer name similar to {name!r} ({sim:.0f}%)" if phrases else "", w.payer_name * sim / 100)
        )
    amount_weight = amount_weights[c.fit]
    reasons.append((_amount_phrase(c, tx) if phrases else "", amount_weight))
    if tx.booking_date is not None:
        booked = tx.booking_date
        invoices = ledger.invoices
        if all(invoices[i].issue_date <= booked <= invoices[i].due_date + window for i in c.invoices):
            reasons.append((_NEAR_DUE, w.due_date_near))
    c.reasons = reasons
    c.score = round(min(1.0, max(0.0, sum(v for _, v in reasons))), 4)


def _score_only(c: Candidate, tx: Transaction, payer: Payer, ledger: Ledger, config: MatchingConfig) -> None:
    """``score`` without phrases."""
    _score_all([c], tx, payer, ledger, config)


def _score_all(
    candidates: list[Candidate], tx: Transaction, payer: Payer, ledger: Ledger, config: MatchingConfig
) -> None:
    """``score`` without phrases for every candidate of a payment: the same values, added up in the same
    order, with what the payment and the config fix looked up once."""
    kind_weight, amount_weights, window = _tables(config)
    w = config.weights
    payer_iban, penalty, payer_name, near_due = w.payer_iban, -w.other_payer_penalty, w.payer_name, w.due_date_near
    iban_customers, iban_known = payer.iban_customers, payer.iban_known
    name_scores = payer.name_scores if payer.normalized_name else None  # filled in on demand (name_score)
    booked = tx.booking_date
    invoices = ledger.invoices
    for c in candidates:
        values: list[float] = []
        hits = c.hits
        if hits:
            values.append(sum([kind_weight[h.kind] for h in hits.values()]) / len(c.invoices))
        cid = c.customer_id
        if cid in iban_customers:
            values.append(payer_iban)
        elif iban_known:
            values.append(penalty)
        if name_scores is not None:
            sim = name_scores.get(cid)
            if sim is None:
                sim = payer.name_score(ledger, cid)
            if sim >= 60:
                values.append(payer_name * sim / 100)
        values.append(amount_weights[c.fit])
        reasons = [("", v) for v in values]
        if booked is not None:
            if len(c.invoices) == 1:
                inv = invoices[c.invoices[0]]
                near = inv.issue_date <= booked <= inv.due_date + window
            else:
                near = all(invoices[i].issue_date <= booked <= invoices[i].due_date + window for i in c.invoices)
            if near:
                values.append(near_due)
                reasons.append((_NEAR_DUE, near_due))
        c.reasons = reasons
        c.score = round(min(1.0, max(0.0, sum(values))), 4)


def _hits_phrase(c: Candidate) -> str:
    kinds = sorted({h.kind.value for h in c.hits.values()})
    founds = sorted({h.found for h in c.hits.values()})
    text = f"{' and '.join(kinds)} {', '.join(founds)}"
    if len(c.hits) < len(c.invoices):
        text += f" for {len(c.hits)} of {len(c.invoices)} invoices"
    return text


def _amount_phrase(c: Candidate, tx: Transaction) -> str:
    n = len(c.invoices)
    what = "open amount" if n == 1 else f"open amounts of {n} invoices ({c.open_total})"
    if c.fit is Fit.EXACT:
        return f"amount {tx.amount} equals the {what}"
    if c.fit is Fit.SHORT:
        return f"amount {tx.amount} is {c.difference} short of the {what} ({c.difference_reason})"
    if c.fit is Fit.PARTIAL:
        return f"amount {tx.amount} is part of the {what} {c.open_total}"
    if c.fit is Fit.OVER:
        return f"amount {tx.amount} exceeds the {what} {c.open_total} by {-c.difference}"
    return f"invoice currency differs from the payment currency {tx.currency}"
