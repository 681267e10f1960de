"""What a transaction tells about which invoices it pays: references, invoice numbers, the payer.

Each finding is an ``Evidence`` with the weight it adds to a candidate's score and a phrase for the
explanation. Finding evidence is pure lookup in the ``Ledger``; weighing candidates happens elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process

from gateway.matching.config import MatchingConfig
from gateway.matching.ledger import Ledger
from gateway.matching.normalize import compact_reference, normalize_name, number_tokens, typo_variants
from gateway.model.references import OTHER, CreditorReference
from gateway.model.statement import Transaction


class Kind(StrEnum):
    STRUCTURED_REFERENCE = "structured reference"
    REFERENCE_IN_TEXT = "reference in text"
    END_TO_END_ID = "end-to-end id"
    INVOICE_ID = "invoice number as written"
    INVOICE_NUMBER = "invoice number"
    INVOICE_NUMBER_TYPO = "invoice number with a typo"


# Kinds that name one invoice by an identifier printed for that purpose (not merely a number in text).
IDENTIFYING = frozenset({Kind.STRUCTURED_REFERENCE, Kind.REFERENCE_IN_TEXT, Kind.END_TO_END_ID})
EXACT = IDENTIFYING | {Kind.INVOICE_ID, Kind.INVOICE_NUMBER}
# How sure a finding is that this invoice was meant: a printed reference beats the invoice number as
# written, which beats a number that only matches without its separators, prefix or zeros.
_TIER = {Kind.INVOICE_ID: 1, Kind.INVOICE_NUMBER: 2, Kind.INVOICE_NUMBER_TYPO: 3} | dict.fromkeys(
    IDENTIFYING, 0
)

# Strongest kind first (the order the kinds are declared in).
_RANK = {kind: rank for rank, kind in enumerate(Kind)}


@dataclass(frozen=True, slots=True)
class Hit:
    """An invoice that the transaction points at, and how."""

    invoice: int
    kind: Kind
    found: str  # the text that was found


@dataclass(slots=True)
class Payer:
    """Who paid, as far as the transaction says: customers owning the IBAN, and name similarities."""

    iban_customers: list[str] = field(default_factory=list)
    iban_known: bool = False  # the IBAN belongs to some customer (maybe several)
    normalized_name: str = ""
    name_scores: dict[str, float] = field(default_factory=dict)  # customer -> 0..100
    identified_by_name: str | None = None  # one customer whose name stands out
    similar_customers: list[str] = field(default_factory=list)  # names at least name_match, best first

    def name_score(self, ledger: Ledger, customer_id: str) -> float:
        """Similarity of the payer name to a customer's name (0..100), computed on first use."""
        if customer_id not in self.name_scores:
            self.name_scores[customer_id] = similarity(
                self.normalized_name, ledger.normalized_name(customer_id)
            )
        return self.name_scores[customer_id]


def similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


# (similarity per customer, customers similar enough best first, the customer the name identifies)
_NameMatch = tuple[dict[str, float], list[str], str | None]

# References people type into free text: RF with check digits, Belgian +++/***, Dutch 16 digits.
_RF_IN_TEXT = re.compile(r"\bRF\s?\d{2}(?:\s?[0-9A-Z]){1,21}\b", re.IGNORECASE)
_OGM_IN_TEXT = re.compile(
    r"(?:\+{3}|\*{3})\s*\d{3}\s*/\s*\d{4}\s*/\s*\d{5}\s*(?:\+{3}|\*{3})|\b\d{3}/\d{4}/\d{5}\b"
)
_NL_IN_TEXT = re.compile(r"\b\d{4}\s?\d{4}\s?\d{4}\s?\d{4}\b")
_MAX_TYPO_KEYS = 3
_WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-/.]{4,}[0-9A-Za-z]")


def _texts(tx: Transaction) -> list[str]:
    return [t for t in (tx.remittance_text, tx.entry_ref if tx.entry_ref != tx.bank_ref else None) if t]


def find_hits(
    tx: Transaction, ledger: Ledger, config: MatchingConfig, payer: Payer | None = None
) -> list[Hit]:
    """Invoices the transaction names, strongest finding per invoice first (typos only with a payer)."""
    hits: list[Hit] = []
    th = config.thresholds
    ref = tx.structured_reference
    if ref is not None:
        compact = compact_reference(ref.value)
        # A reference whose check digits fail was mistyped: it may still contain an invoice number.
        if ref.valid is not False:
            kind = Kind.STRUCTURED_REFERENCE if ref.type != OTHER else Kind.REFERENCE_IN_TEXT
            hits += [Hit(i, kind, ref.value) for i in ledger.by_reference(compact)]
    texts = _texts(tx)
    for text in texts:
        for found in _references_in_text(text):
            hits += [
                Hit(i, Kind.REFERENCE_IN_TEXT, found) for i in ledger.by_reference(compact_reference(found))
            ]
        for word in _WORD.findall(text):
            found_by_word = ledger.by_reference(compact_reference(word))
            if found_by_word:  # rarely: most words are no reference
                hits += [Hit(i, Kind.REFERENCE_IN_TEXT, word) for i in found_by_word]
    if tx.end_to_end_id and tx.end_to_end_id.upper() != "NOTPROVIDED":
        e2e = tx.end_to_end_id
        hits += [Hit(i, Kind.END_TO_END_ID, e2e) for i in ledger.by_reference(compact_reference(e2e))]
        exact = ledger.by_id.get(e2e)
        if exact is not None:
            hits.append(Hit(exact, Kind.END_TO_END_ID, e2e))
        texts = [*texts, e2e]
    if ref is not None:
        texts = [*texts, ref.value]
    folded = [t.casefold() for t in texts]
    number_hits, keys = _number_hits(texts, ledger, th.min_number_digits, th.number_max_hits)
    for h in number_hits:
        if h.kind is Kind.INVOICE_NUMBER:
            written = ledger.invoices[h.invoice].invoice_id.casefold()
            if any(_written_in(written, t) for t in folded):
                h = Hit(h.invoice, Kind.INVOICE_ID, ledger.invoices[h.invoice].invoice_id)
        hits.append(h)
    if payer is not None:
        hits += _typo_hits(tx, keys, hits, payer, ledger, config)
    best: dict[int, Hit] = {}
    for h in hits:
        if h.invoice not in best or _RANK[h.kind] < _RANK[best[h.invoice].kind]:
            best[h.invoice] = h
    return sorted(best.values(), key=lambda h: (_RANK[h.kind], ledger.invoices[h.invoice].invoice_id))


def _written_in(invoice_id: str, text: str) -> bool:
    """The invoice id appears in the text as a whole token (not as part of a longer number)."""
    start = text.find(invoice_id)
    while start >= 0:
        end = start + len(invoice_id)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() and invoice_id[0].isalnum()) and not (
            after.isdigit() and invoice_id[-1].isdigit()
        ):
            return True
        start = text.find(invoice_id, start + 1)
    return False


def select_named(hits: list[Hit], payer: Payer, ledger: Ledger) -> list[Hit]:
    """The invoices the payment names: the surest findings, plus weaker ones of the same customers.

    A weaker finding for another customer is noise (the same digits in another numbering series, a date);
    when the payer's account is known, findings for other customers are dropped as long as some remain.
    """
    exact = [h for h in hits if h.kind in EXACT]
    if not exact:
        return []
    best = min(_TIER[h.kind] for h in exact)
    top_customers = {ledger.invoices[h.invoice].customer_id for h in exact if _TIER[h.kind] == best}
    keep = [
        h for h in exact if _TIER[h.kind] == best or ledger.invoices[h.invoice].customer_id in top_customers
    ]
    own = [h for h in keep if ledger.invoices[h.invoice].customer_id in payer.iban_customers]
    return own or keep


def _references_in_text(text: str) -> list[str]:
    out: list[str] = []
    for pattern in (_RF_IN_TEXT, _OGM_IN_TEXT, _NL_IN_TEXT):
        for m in pattern.finditer(text):
            found = m.group()
            if CreditorReference.parse(found).valid:
                out.append(found)
    return out


def _number_hits(
    texts: list[str], ledger: Ledger, min_digits: int, max_hits: int
) -> tuple[list[Hit], list[str]]:
    """Invoices whose number is in the texts, and the number keys found (for the typo search)."""
    hits: list[Hit] = []
    keys_seen: list[str] = []
    for text in texts:
        for keys in number_tokens(text, min_digits):
            if len(keys) == 1:
                exact = ledger.by_number(keys[0])  # without repeats already
            else:
                exact = []
                for key in keys:
                    exact += ledger.by_number(key)
                exact = list(dict.fromkeys(exact))
            if 0 < len(exact) <= max_hits:
                hits += [Hit(i, Kind.INVOICE_NUMBER, keys[0]) for i in exact]
            keys_seen.append(keys[0])
    return hits, keys_seen


def _typo_hits(
    tx: Transaction, keys: list[str], hits: list[Hit], payer: Payer, ledger: Ledger, config: MatchingConfig
) -> list[Hit]:
    """Invoices one typo away from a number in the text, when nothing found as written is plausible.

    With dense numbering every number is one typo away from dozens of invoices (and a mistyped number is
    often another invoice's), so only invoices of the payer or of exactly the paid amount are kept.
    """
    th = config.thresholds
    side = set(payer.iban_customers) | set(payer.similar_customers)

    def plausible(i: int) -> bool:
        return ledger.invoices[i].customer_id in side or (
            ledger.open_amounts[i] == tx.amount and ledger.invoices[i].currency == tx.currency
        )

    if any(plausible(h.invoice) for h in hits if h.kind in EXACT):
        return []
    already = {h.invoice for h in hits}
    out: list[Hit] = []
    # The longest numbers first and only a few: typos are looked for in invoice numbers, not in dates.
    long_keys = sorted({k for k in keys if len(k) >= th.typo_min_digits}, key=lambda k: (-len(k), k))
    invoices, opens, amount, currency = ledger.invoices, ledger.open_amounts, tx.amount, tx.currency
    for key in long_keys[:_MAX_TYPO_KEYS]:
        # ``plausible`` written out: dozens of invoices are one typo away from each number.
        near = [
            i
            for i in dict.fromkeys(ledger.by_numbers(typo_variants(key)))
            if i not in already
            and opens[i]
            and (invoices[i].customer_id in side or (opens[i] == amount and invoices[i].currency == currency))
        ]
        if 0 < len(near) <= th.number_max_hits:
            out += [Hit(i, Kind.INVOICE_NUMBER_TYPO, key) for i in near]
    return out


def find_payer(tx: Transaction, ledger: Ledger, config: MatchingConfig) -> Payer:
    payer = Payer()
    if tx.counterparty_iban:
        iban = compact_reference(tx.counterparty_iban)
        payer.iban_customers = list(ledger.customers_of_iban(iban))
        payer.iban_known = bool(payer.iban_customers)
    if tx.counterparty_name:
        payer.normalized_name = normalize_name(tx.counterparty_name)
    if payer.normalized_name:
        # The same payer name comes back in many payments and customer names do not change in a run.
        known = ledger.payer_names.get(payer.normalized_name)
        if known is None:
            known = ledger.payer_names[payer.normalized_name] = _match_name(
                payer.normalized_name, ledger, config
            )
        payer.name_scores, similar, payer.identified_by_name = known
        payer.similar_customers = list(similar)
    return payer


def _match_name(normalized: str, ledger: Ledger, config: MatchingConfig) -> _NameMatch:
    """Customers whose name equals or resembles the payer name: (similarities, similar best first, the one
    identified). The similarities are shared by every payment with this name and completed on demand."""
    th = config.thresholds
    exact = ledger.customers_named(normalized)
    if exact:
        return dict.fromkeys(exact, 100.0), sorted(exact), exact[0] if len(exact) == 1 else None
    # Scores below the cutoff neither make a customer similar nor spoil the margin of the best one, so
    # rapidfuzz may skip them; a later score() asks again for the few it needs.
    cutoff = min(th.name_match, th.name_identifies, th.name_identifies - th.name_margin)
    names = {cid: ledger.normalized_name(cid) for cid in ledger.customers_sharing_words(normalized)}
    scores: dict[str, float] = {}
    if cutoff > 0:
        names = {cid: name for cid, name in names.items() if name}
        for scorer in (fuzz.ratio, fuzz.token_sort_ratio):
            found = process.extract(normalized, names, scorer=scorer, score_cutoff=cutoff, limit=None)
            for _, s, cid in found:
                if s > scores.get(cid, -1.0):
                    scores[cid] = s
    else:
        scores = {cid: similarity(normalized, name) for cid, name in names.items()}
    scored = sorted(((s, cid) for cid, s in scores.items()), key=lambda t: (-t[0], t[1]))
    similar = [cid for s, cid in scored if s >= th.name_match]
    identified = None
    if (
        scored
        and scored[0][0] >= th.name_identifies
        and (len(scored) == 1 or scored[0][0] - scored[1][0] >= th.name_margin)
    ):
        identified = scored[0][1]
    return scores, similar, identified
