"""From evidence and ranked candidates to a decision.

A candidate is applied automatically only when a rule below vouches for it and no other candidate does:
  - named:   the invoices the transaction names by reference or invoice number (all of them), one customer,
             the amount fits, and the payer does not contradict it;
  - typo:    nothing named exactly, one invoice one typo away, amount fits exactly or within tolerance,
             and the payer is that customer (IBAN or name);
  - account: nothing named, the payer IBAN belongs to exactly one customer, and exactly one of its open
             items or combinations fits the amount exactly (or less a configured discount rate).
Everything else becomes ranked suggestions: a wrong automatic match costs more than a manual one.
"""

from __future__ import annotations

from decimal import Decimal

from gateway.matching import explain
from gateway.matching.candidates import Candidate, Fit, Source, is_discounted, score
from gateway.matching.config import MatchingConfig
from gateway.matching.decision import Allocation, Decision, Status, Suggestion
from gateway.matching.evidence import EXACT, IDENTIFYING, Hit, Payer, select_named
from gateway.matching.ledger import Ledger
from gateway.model.statement import Transaction, TxStatus


def _code_parts(tx: Transaction) -> set[str]:
    code = tx.bank_tx_code
    parts: set[str] = set()
    if code is not None:
        parts |= {p.upper() for p in (code.family, code.subfamily) if p}
    if code is not None and code.proprietary:
        parts |= {p.upper() for p in code.proprietary.replace("/", "+").split("+") if p}
    # A German MT940 replaces the SWIFT type (NINT, NCHG) by its own code and keeps the SWIFT one aside.
    swift = tx.extra.get("swift_transaction_type")
    if swift:
        parts.add(swift.upper())
    return parts


def is_return(tx: Transaction, config: MatchingConfig) -> bool:
    """A direct debit or payment coming back: booked as a debit that undoes an earlier credit."""
    if tx.amount >= 0:
        return False
    return tx.is_reversal or bool(tx.return_reason) or not _code_parts(tx).isdisjoint(config.bank_codes.returns)


def not_a_payment(tx: Transaction, config: MatchingConfig) -> str | None:
    """Why the transaction is no customer payment, or None when it may be one."""
    codes = config.bank_codes
    parts = _code_parts(tx)
    if tx.status is not TxStatus.BOOKED:
        return f"not booked ({tx.status.value}): matched once booked"
    if not parts.isdisjoint(codes.charges) or (tx.bank_tx_code and tx.bank_tx_code.family == "CHRG"):
        return "bank charges"
    if not parts.isdisjoint(codes.interest):
        return "interest"
    if not parts.isdisjoint(codes.proprietary):
        return "bank charges or interest"
    if tx.amount == 0:
        return "zero amount"
    if tx.amount < 0 and not is_return(tx, config):
        return "outgoing payment"
    return None


def allocations(
    c: Candidate, tx: Transaction, ledger: Ledger
) -> tuple[tuple[Allocation, ...], Decimal | None]:
    """How a matched candidate spends the payment: (allocations, customer credit)."""
    opens = [(ledger.invoices[i].invoice_id, ledger.open_amounts[i]) for i in c.invoices]
    if c.fit is Fit.PARTIAL:
        # Only single invoices are matched partially; the rest stays open.
        return (Allocation(opens[0][0], tx.amount),), None
    if c.fit is Fit.SHORT:
        # The oldest invoices are paid in full; the difference is written off on the newest.
        rest = c.difference
        out: list[Allocation] = []
        for invoice_id, amount in reversed(opens):
            write_off = min(rest, amount) if amount > 0 else Decimal(0)
            rest -= write_off
            out.append(Allocation(invoice_id, amount - write_off, write_off))
        return tuple(reversed(out)), None
    alloc = tuple(Allocation(invoice_id, amount) for invoice_id, amount in opens)
    credit = -c.difference if c.fit is Fit.OVER else None
    return alloc, credit


def _payer_consistent(c: Candidate, payer: Payer, ledger: Ledger, config: MatchingConfig) -> bool:
    if c.customer_id in payer.iban_customers:
        return True
    if payer.normalized_name and payer.name_score(ledger, c.customer_id) >= config.thresholds.name_match:
        return True
    # A reference printed on the invoice identifies it by itself, unless the account is someone else's.
    identified = all(i in c.hits and c.hits[i].kind in IDENTIFYING for i in c.invoices)
    return identified and not payer.iban_known


def _named_rule(
    c: Candidate,
    named: set[int],
    exact_subsets: int,
    paid: list[Hit],
    payer: Payer,
    ledger: Ledger,
    config: MatchingConfig,
) -> bool:
    if c.source is not Source.NAMED or c.fit is Fit.OTHER_CURRENCY:
        return False
    if not all(i in c.hits and c.hits[i].kind in EXACT for i in c.invoices):
        return False
    if not _payer_consistent(c, payer, ledger, config):
        return False
    whole = set(c.invoices) == named
    if not whole:
        # Some named numbers are not paid (a date or amount that looks like one): only an exact sum that
        # no other selection of the named invoices reaches.
        return c.fit is Fit.EXACT and exact_subsets == 1
    if paid and c.fit is not Fit.EXACT:
        return False
    if c.fit in (Fit.EXACT, Fit.SHORT, Fit.OVER):
        return True
    # Partial payment of one invoice: it must be named unmistakably or paid from the customer's account.
    hit = c.hits[c.invoices[0]]
    return len(c.invoices) == 1 and (hit.kind in IDENTIFYING or c.customer_id in payer.iban_customers)


def _typo_rule(c: Candidate, payer: Payer, ledger: Ledger, config: MatchingConfig) -> bool:
    if c.source is not Source.TYPO or c.fit not in (Fit.EXACT, Fit.SHORT):
        return False
    return c.customer_id in payer.iban_customers or (
        bool(payer.normalized_name)
        and payer.name_score(ledger, c.customer_id) >= config.thresholds.name_match
    )


def _account_fits(c: Candidate, tx: Transaction, config: MatchingConfig) -> bool:
    if c.fit is Fit.EXACT:
        return True
    return (
        c.fit is Fit.SHORT
        and c.difference_reason == "early-payment discount"
        and is_discounted(tx.amount, c.open_total, tx.currency, config)
    )


def decide_payment(
    tx: Transaction,
    hits: list[Hit],
    payer: Payer,
    ranked: list[Candidate],
    ledger: Ledger,
    config: MatchingConfig,
) -> Decision:
    th = config.thresholds
    selected = select_named(hits, payer, ledger)
    named = {
        h.invoice
        for h in selected
        if ledger.open_amounts[h.invoice] and ledger.invoices[h.invoice].currency == tx.currency
    }
    paid = [h for h in selected if not ledger.open_amounts[h.invoice]]
    paid_ids = tuple(dict.fromkeys(ledger.invoices[h.invoice].invoice_id for h in paid))
    # Only candidates of a rule's own source can pass it: the others are not even asked.
    named_candidates = [c for c in ranked if c.source is Source.NAMED]
    typo_candidates = [c for c in ranked if c.source is Source.TYPO]
    exact_subsets = sum(1 for c in named_candidates if c.fit is Fit.EXACT)

    passing: list[tuple[Candidate, str]] = []
    for c in named_candidates:
        if _named_rule(c, named, exact_subsets, paid, payer, ledger, config):
            passing.append((c, "the invoices named in the payment"))
    side = set(payer.iban_customers) | set(payer.similar_customers)
    if not passing and not any(ledger.invoices[h.invoice].customer_id in side for h in selected):
        typo = [c for c in typo_candidates if _typo_rule(c, payer, ledger, config)]
        passing += [(c, "an invoice number with one typo") for c in typo]
    if not named:
        typo_exact = [c for c in typo_candidates if c.fit is Fit.EXACT]
        if not passing and not typo_exact and len(payer.iban_customers) == 1 and not paid:
            owner = payer.iban_customers[0]
            fitting = [
                c
                for c in ranked
                if c.customer_id == owner and c.source is not Source.TYPO and _account_fits(c, tx, config)
            ]
            if len(fitting) == 1 and fitting[0].exhaustive:
                passing.append((fitting[0], "the payer's account and the only fitting open amount"))
        if (
            not passing
            and th.name_only_auto_match
            and not payer.iban_known
            and payer.identified_by_name
            and not paid
            and not typo_exact
        ):
            fitting = [
                c
                for c in ranked
                if c.customer_id == payer.identified_by_name
                and c.source is not Source.TYPO
                and c.fit is Fit.EXACT
            ]
            if len(fitting) == 1 and fitting[0].exhaustive:
                passing.append((fitting[0], "the payer's name and the only fitting open amount"))

    # Of what is shown only the first few count (the suggestions, the best one): enough are collected.
    wanted = max(th.max_suggestions, 1) if th.max_suggestions >= 0 else len(ranked)
    shown: list[Candidate] = []
    for c in ranked:
        if c.score >= th.suggestion_min_score and c.fit is not Fit.OTHER_CURRENCY:
            shown.append(c)
            if len(shown) >= wanted:
                break
    shown += [c for c in ranked if c.fit is Fit.OTHER_CURRENCY]
    for c in {id(c): c for c in [*shown[: th.max_suggestions], *(c for c, _ in passing)]}.values():
        score(c, tx, payer, ledger, config, phrases=True)
    made: dict[int, Suggestion] = {}  # see _suggestion
    suggestions = tuple(_suggestion(c, ledger, made) for c in shown[: th.max_suggestions])
    distinct = {c.key: (c, rule) for c, rule in passing}
    if len(distinct) == 1:
        c, rule = next(iter(distinct.values()))
        alloc, credit = allocations(c, tx, ledger)
        shortfall = c.difference if c.fit is Fit.SHORT else None
        first = _suggestion(c, ledger, made)
        rest = tuple(s for s in suggestions if s.invoice_ids != first.invoice_ids)
        text = explain.matched(c, ledger, rule, first.explanation)
        if paid_ids:
            text += f"; also named, already paid: {', '.join(paid_ids)}"
        return Decision(
            tx,
            Status.MATCHED,
            text,
            reason=c.fit.value,
            allocations=alloc,
            confidence=max(c.score, 0.5),
            suggestions=(first, *rest)[: th.max_suggestions],
            customer_id=c.customer_id,
            difference=shortfall,
            difference_reason=c.difference_reason if shortfall else None,
            customer_credit=credit,
            already_paid=paid_ids,
        )
    if len(distinct) > 1:
        tied = [c for c, _ in distinct.values()]
        tied.sort(key=lambda c: (-c.score, c.key))
        tied_suggestions = tuple(_suggestion(c, ledger, made) for c in tied)
        merged = tied_suggestions + tuple(
            s for s in suggestions if s.invoice_ids not in {t.invoice_ids for t in tied_suggestions}
        )
        ids = " / ".join(" + ".join(s.invoice_ids) for s in tied_suggestions)
        return Decision(
            tx,
            Status.SUGGESTED,
            f"equally plausible, not picked by chance: {ids}",
            reason="tie",
            suggestions=merged[: max(th.max_suggestions, len(tied))],
            confidence=tied[0].score,
            customer_id=_common_customer(tied),
        )
    if paid_ids and not named:
        cause = (
            f"second payment for already paid invoice(s) {', '.join(paid_ids)}: not applied; "
            "check for a duplicate payment or a refund"
        )
        status = Status.SUGGESTED if suggestions else Status.UNMATCHED
        return Decision(
            tx,
            status,
            explain.suggested(cause, shown, ledger, _best_described(shown, ledger, made)),
            reason="already paid",
            suggestions=suggestions,
            already_paid=paid_ids,
            customer_id=ledger.invoices[paid[0].invoice].customer_id,
            confidence=shown[0].score if shown else 0.0,
        )
    if suggestions:
        cause = _why_not(ranked, named, payer)
        return Decision(
            tx,
            Status.SUGGESTED,
            explain.suggested(cause, shown, ledger, _best_described(shown, ledger, made)),
            reason=cause,
            suggestions=suggestions,
            confidence=shown[0].score if shown else 0.0,
            customer_id=_common_customer(shown[:1]),
            already_paid=paid_ids,
        )
    who = f"payer {tx.counterparty_name!r}" if tx.counterparty_name else "unknown payer"
    return Decision(
        tx,
        Status.UNMATCHED,
        f"no open invoice fits: {who}, amount {tx.amount} {tx.currency}",
        reason="no candidate",
        already_paid=paid_ids,
    )


def _suggestion(c: Candidate, ledger: Ledger, made: dict[int, Suggestion]) -> Suggestion:
    """What a candidate suggests (its invoices, score and description), put into words once per decision
    (``made``): the same candidate is a suggestion, the match and its explanation."""
    found = made.get(id(c))
    if found is None:
        found = made[id(c)] = Suggestion(explain.invoice_ids(c, ledger), c.score, explain.describe(c, ledger))
    return found


def _best_described(shown: list[Candidate], ledger: Ledger, made: dict[int, Suggestion]) -> str | None:
    return _suggestion(shown[0], ledger, made).explanation if shown else None


def _common_customer(cands: list[Candidate]) -> str | None:
    found = {c.customer_id for c in cands}
    return found.pop() if len(found) == 1 else None


def _why_not(ranked: list[Candidate], named: set[int], payer: Payer) -> str:
    if any(c.fit is Fit.OTHER_CURRENCY for c in ranked) and not named:
        return "named invoice is in another currency: no cross-currency match"
    if named:
        return "named invoices do not fit the amount or the payer"
    if not payer.iban_known:
        return "no reference and the payer account is not known"
    return "no reference and no unique open amount of the payer"
