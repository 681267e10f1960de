"""``reconcile``: every transaction of a run decided against the receivables, in a fixed order.

Transactions are decided oldest first (booking date, then amount, references and names), whatever order
the statement files came in, so that one run always gives the same result; invoices paid by an earlier
transaction are no longer open for a later one, and a returned collection reopens what it had paid.
Decisions are reported in the order the transactions were given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gateway.matching.candidates import build_candidates
from gateway.matching.config import MatchingConfig
from gateway.matching.decide import decide_payment, is_return, not_a_payment
from gateway.matching.decision import Allocation, Decision, Status, Suggestion
from gateway.matching.evidence import Hit, Payer, find_hits, find_payer, select_named
from gateway.matching.ledger import Ledger
from gateway.model.invoice import Customer, Invoice
from gateway.model.statement import Transaction


@dataclass(frozen=True, slots=True)
class _Collection:
    """A credit decided earlier in the run, kept so that a return can find what it undoes."""

    bank_ref: str | None
    amount: Decimal
    allocations: tuple[tuple[int, Decimal], ...]  # (invoice position, amount applied incl. write-off)


def _order_key(tx: Transaction, origin: str) -> tuple[object, ...]:
    # Credits before debits of the same day: a return is never decided before its collection.
    return (
        tx.booking_date or tx.value_date or date.max,
        tx.amount < 0,
        tx.amount,
        tx.currency,
        tx.bank_ref or "",
        tx.end_to_end_id or "",
        tx.counterparty_iban or "",
        tx.counterparty_name or "",
        tx.remittance_text or "",
        tx.structured_reference.value if tx.structured_reference else "",
        origin,
        tx.location,
        tx.batch_index or 0,
    )


def reconcile(
    transactions: Sequence[Transaction],
    invoices: Iterable[Invoice] | Ledger,
    customers: Iterable[Customer] = (),
    config: MatchingConfig | None = None,
    *,
    origins: Sequence[str] | None = None,
) -> list[Decision]:
    """Decide every transaction; ``origins`` (e.g. file names) only break ties between identical ones."""
    config = config or MatchingConfig()
    ledger = invoices if isinstance(invoices, Ledger) else Ledger(invoices, customers)
    names = origins or [""] * len(transactions)
    order = sorted(range(len(transactions)), key=lambda k: _order_key(transactions[k], names[k]))
    by_e2e: dict[str, list[_Collection]] = {}
    by_mandate: dict[str, list[_Collection]] = {}
    decisions: list[Decision | None] = [None] * len(transactions)
    for k in order:
        tx = transactions[k]
        reason = not_a_payment(tx, config)
        if reason is not None:
            decisions[k] = Decision(tx, Status.IGNORED, f"ignored: {reason}", reason=reason)
            continue
        if is_return(tx, config):
            decisions[k] = _decide_return(tx, ledger, config, by_e2e, by_mandate)
            continue
        payer = find_payer(tx, ledger, config)
        hits = find_hits(tx, ledger, config, payer)
        ranked = build_candidates(tx, hits, payer, ledger, config)
        decision = decide_payment(tx, hits, payer, ranked, ledger, config)
        applied: list[tuple[int, Decimal]] = []
        for a in decision.allocations:
            i = ledger.by_id[a.invoice_id]
            ledger.apply(i, a.amount + a.write_off)
            applied.append((i, a.amount + a.write_off))
        collection = _Collection(tx.bank_ref, tx.amount, tuple(applied))
        if tx.end_to_end_id and tx.end_to_end_id.upper() != "NOTPROVIDED":
            by_e2e.setdefault(tx.end_to_end_id, []).append(collection)
        if tx.mandate_id:
            by_mandate.setdefault(tx.mandate_id, []).append(collection)
        decisions[k] = decision
    return [d for d in decisions if d is not None]


def _decide_return(
    tx: Transaction,
    ledger: Ledger,
    config: MatchingConfig,
    by_e2e: dict[str, list[_Collection]],
    by_mandate: dict[str, list[_Collection]],
) -> Decision:
    """Link a returned or reversed collection to what it undoes and reopen the invoices it had paid."""
    returned = -tx.amount
    why = (
        f"return of a collection (reason {tx.return_reason})" if tx.return_reason else "reversal of a credit"
    )
    base = {"is_return": True, "return_reason": tx.return_reason}
    linked: list[_Collection] = []
    if tx.end_to_end_id:
        same_id = by_e2e.get(tx.end_to_end_id, [])
        linked = [c for c in same_id if c.amount == returned] or list(same_id)
    elif tx.mandate_id:
        # Without an end-to-end id only the mandate is left; a recurring collection repeats its amount,
        # so this links only when exactly one collection of the run fits.
        linked = [c for c in by_mandate.get(tx.mandate_id, ()) if c.amount == returned]
    if len(linked) == 1 and linked[0].allocations:
        original = linked[0]
        reopen = _share_back(original.allocations, returned)
        alloc = tuple(Allocation(ledger.invoices[i].invoice_id, -amount) for i, amount in reopen)
        for i, amount in reopen:
            ledger.reopen(i, amount)
        ids = tuple(a.invoice_id for a in alloc)
        return Decision(
            tx,
            Status.MATCHED,
            f"{why}: undoes collection {original.bank_ref} that paid {', '.join(ids)}; reopened",
            reason="return",
            allocations=alloc,
            confidence=0.99,
            suggestions=(Suggestion(ids, 0.99, "the collection's invoices"),),
            customer_id=ledger.invoices[reopen[0][0]].customer_id,
            linked_bank_ref=original.bank_ref,
            linked_invoice_ids=ids,
            **base,
        )
    if len(linked) == 1:
        named = _named_by_return(tx, ledger, config)
        ids = tuple(dict.fromkeys(ledger.invoices[h.invoice].invoice_id for h in named))
        return Decision(
            tx,
            Status.UNMATCHED,
            f"{why}: undoes collection {linked[0].bank_ref}, which was not applied to an invoice"
            + (f" (it names {', '.join(ids)}): nothing to reopen" if ids else ""),
            reason="return",
            linked_bank_ref=linked[0].bank_ref,
            linked_invoice_ids=ids,
            **base,
        )
    # The collection is not in this run: find the invoice by the references the return carries.
    hits = _named_by_return(tx, ledger, config)
    fitting = [h for h in hits if ledger.invoices[h.invoice].amount == returned]
    if len(fitting) == 1:
        i = fitting[0].invoice
        inv = ledger.invoices[i]
        paid = inv.amount - ledger.open_amounts[i]
        if paid >= returned:
            ledger.reopen(i, returned)
            return Decision(
                tx,
                Status.MATCHED,
                f"{why}: {fitting[0].kind.value} {fitting[0].found} names {inv.invoice_id}, "
                f"paid {paid}; reopened",
                reason="return",
                allocations=(Allocation(inv.invoice_id, -returned),),
                confidence=0.9,
                suggestions=(Suggestion((inv.invoice_id,), 0.9, fitting[0].kind.value),),
                customer_id=inv.customer_id,
                linked_invoice_ids=(inv.invoice_id,),
                **base,
            )
    candidates = tuple(dict.fromkeys(ledger.invoices[h.invoice].invoice_id for h in (fitting or hits)))
    if candidates:
        return Decision(
            tx,
            Status.SUGGESTED,
            f"{why}: the collection is not in this run; invoices named: {', '.join(candidates)}",
            reason="return",
            suggestions=tuple(Suggestion((c,), 0.5, "named in the return") for c in candidates[:5]),
            linked_invoice_ids=candidates,
            **base,
        )
    return Decision(
        tx, Status.UNMATCHED, f"{why}: no collection or invoice found to link it to", reason="return", **base
    )


def _named_by_return(tx: Transaction, ledger: Ledger, config: MatchingConfig) -> list[Hit]:
    """Invoices the return names (its end-to-end id is usually our invoice number), surest first."""
    found = select_named(find_hits(tx, ledger, config), Payer(), ledger)
    return [h for h in found if ledger.invoices[h.invoice].currency == tx.currency]


def _share_back(applied: tuple[tuple[int, Decimal], ...], returned: Decimal) -> list[tuple[int, Decimal]]:
    """What to reopen: everything the collection applied, or (partial return) up to the returned amount,
    newest invoice first."""
    total = sum((a for _, a in applied), Decimal(0))
    if returned >= total:
        return [(i, a) for i, a in applied]
    left = returned
    out: list[tuple[int, Decimal]] = []
    for i, a in reversed(applied):
        if left <= 0:
            break
        take = min(a, left)
        out.append((i, take))
        left -= take
    return list(reversed(out))
