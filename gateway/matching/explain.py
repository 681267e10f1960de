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


def matched(c: Candidate, ledger: Ledger, rule: str, description: str | None = None) -> str:
    """``description``: ``describe(c, ledger)`` when the caller has it already."""
    return f"matched by {rule}: {description if description is not None else describe(c, ledger)}"


def suggested(cause: str, ranked: list[Candidate], ledger: Ledger, description: str | None = None) -> str:
    """``description``: ``describe(ranked[0], ledger)`` when the caller has it already."""
    if not ranked:
        return cause
    return f"{cause}; best candidate {description if description is not None else describe(ranked[0], ledger)}"
