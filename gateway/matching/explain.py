"""Sentences for decisions and suggestions: which evidence, what score."""

from __future__ import annotations

from gateway.matching.candidates import Candidate
from gateway.matching.ledger import Ledger


def invoice_ids(c: Candidate, ledger: Ledger) -> tuple[str, ...]:
    return tuple(ledger.invoices[i].invoice_id for i in c.invoices)


def describe(c: Candidate, ledger: Ledger) -> str:
    """E.g. 'INV-1 + INV-2 (customer C-7): structured reference ... (+0.60); ...; score 0.95'."""
    evidence = "; ".join(f"{phrase} ({value:+.2f})" for phrase, value in c.reasons)
    return f"{' + '.join(invoice_ids(c, ledger))} (customer {c.customer_id}): {evidence}; score {c.score:.2f}"


def matched(c: Candidate, ledger: Ledger, rule: str) -> str:
    return f"matched by {rule}: {describe(c, ledger)}"


def suggested(cause: str, ranked: list[Candidate], ledger: Ledger) -> str:
    if not ranked:
        return cause
    return f"{cause}; best candidate {describe(ranked[0], ledger)}"
