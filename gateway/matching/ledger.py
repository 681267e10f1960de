"""Receivables indexed for lookup, with open amounts that change as payments are applied in a run.

Every lookup goes through a dict (reference, invoice-number key, customer, IBAN, amount, name word), so a
payment is compared with a handful of invoices, never with all of them. The caller's invoices are not
modified: open amounts live in ``open_amounts`` here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from gateway.matching.normalize import compact_reference, name_tokens, normalize_name
from gateway.model.invoice import Customer, Invoice

# Words of customer names shared by more customers than this say nothing about who paid.
_COMMON_NAME_WORD = 300
_DIGITS = re.compile(r"\d+").findall


def _add(index: dict[Any, int | list[int]], key: object, i: int) -> None:
    """Multimap kept small: a single position is stored bare, a second one turns it into a list."""
    found = index.get(key)
    if found is None:
        index[key] = i
    elif isinstance(found, int):
        if found != i:
            index[key] = [found, i]
    elif found[-1] != i:  # each invoice adds each of its keys once; lookups drop repeats
        found.append(i)


def _get(index: dict[Any, int | list[int]], key: object) -> list[int]:
    found = index.get(key)
    if found is None:
        return []
    return [found] if isinstance(found, int) else list(dict.fromkeys(found))


class Ledger:
    """Invoices (open and paid) and customers, indexed; the open amounts of this run."""

    def __init__(self, invoices: Iterable[Invoice], customers: Iterable[Customer] = ()) -> None:
        self.invoices: list[Invoice] = []
        self.open_amounts: list[Decimal] = []
        self.by_id: dict[str, int] = {}
        self._by_reference: dict[str, int | list[int]] = {}
        self._by_number: dict[str, int | list[int]] = {}
        self._by_customer: dict[str, list[int]] = {}
        self._by_amount: dict[tuple[str, Decimal], int | list[int]] = {}
        self.customer_names: dict[str, str] = {}
        self._iban_customers: dict[str, list[str]] = {}
        self.customer_ibans: dict[str, tuple[str, ...]] = {}
        for c in customers:
            self.customer_names[c.customer_id] = c.name
            self.customer_ibans[c.customer_id] = c.ibans
            for iban in c.ibans:
                owners = self._iban_customers.setdefault(iban, [])
                if c.customer_id not in owners:
                    owners.append(c.customer_id)
        self._add_invoices(invoices)
        # Customers whose items are sorted oldest due first (done on first use: few are ever asked for).
        self._sorted: set[str] = set()
        self._open_items: dict[tuple[str, str], list[int]] = {}  # see open_of_customer
        # Payer names already looked up in this run (see evidence.find_payer).
        self.payer_names: dict[str, tuple[dict[str, float], list[str], str | None]] = {}
        self._normalized: dict[str, str] = {}
        self._by_name: dict[str, list[str]] = {}
        self._by_name_word: dict[str, list[str]] = {}
        for cid, name in self.customer_names.items():
            norm = normalize_name(name) if name else ""
            self._normalized[cid] = norm
            if norm:
                self._by_name.setdefault(norm, []).append(cid)
                for word in set(name_tokens(norm)):
                    self._by_name_word.setdefault(word, []).append(cid)

    def _add_invoices(self, invoices: Iterable[Invoice]) -> None:
        """Index the invoices; one loop with everything at hand, as a million of them pass through here."""
        all_invoices, open_amounts, by_id = self.invoices, self.open_amounts, self.by_id
        by_customer, customer_names = self._by_customer, self.customer_names
        by_reference, by_number, by_amount = self._by_reference, self._by_number, self._by_amount
        number_keys = self.invoice_number_keys
        i = len(all_invoices)
        for inv in invoices:
            all_invoices.append(inv)
            open_amount = inv.open_amount
            open_amounts.append(open_amount)
            by_id[inv.invoice_id] = i
            cid = inv.customer_id
            items = by_customer.get(cid)
            if items is None:
                items = by_customer[cid] = []
                if not customer_names.get(cid):
                    customer_names[cid] = inv.customer_name
            items.append(i)
            reference = inv.reference
            if reference:
                # A reference that is already compact (the usual case) needs no regular expression.
                ref = reference.upper() if reference.isascii() and reference.isalnum() else None
                ref = ref if ref is not None else compact_reference(reference)
                if ref:
                    _add(by_reference, ref, i)
            for key in number_keys(inv.invoice_id):
                _add(by_number, key, i)
            if open_amount:
                _add(by_amount, (inv.currency, open_amount), i)
            i += 1

    def _own(self, customer_id: str) -> list[int]:
        """All items of a customer, oldest due first."""
        items = self._by_customer.get(customer_id)
        if items is None:
            return []
        if customer_id not in self._sorted:
            invoices = self.invoices
            items.sort(key=lambda i: (invoices[i].due_date, invoices[i].invoice_id))
            self._sorted.add(customer_id)
        return items

    @staticmethod
    def invoice_number_keys(invoice_id: str) -> tuple[str, ...]:
        """Keys an invoice number is found by (see ``number_keys``). The per-group key is only needed when
        an inner group has leading zeros: otherwise it finds nothing the all-digits key does not."""
        groups = _DIGITS(invoice_id)
        if not groups:
            return ()
        whole = "".join(groups).lstrip("0")
        if len(groups) > 1 and any(g[0] == "0" for g in groups[1:]):
            return (whole, ".".join(g.lstrip("0") or "0" for g in groups)) if whole else ()
        return (whole,) if whole else ()

    def _index_amount(self, i: int) -> None:
        inv = self.invoices[i]
        key = (inv.currency, self.open_amounts[i])
        found = self._by_amount.get(key)
        if found is None:
            self._by_amount[key] = i
        elif isinstance(found, int):
            if found != i:
                self._by_amount[key] = [found, i]
        else:
            # An amount seen again after a partial payment may list an invoice twice: lookups drop repeats.
            found.append(i)

    # --- lookups -----------------------------------------------------------------------------------

    def by_reference(self, compact: str) -> list[int]:
        return _get(self._by_reference, compact)

    def by_number(self, key: str) -> list[int]:
        return _get(self._by_number, key)

    def by_numbers(self, keys: Iterable[str]) -> list[int]:
        """Invoices found by any of these keys, in key order; an invoice may come more than once."""
        index = self._by_number
        out: list[int] = []
        for key in keys:
            found = index.get(key)
            if found is None:
                continue
            if isinstance(found, int):
                out.append(found)
            else:
                out += found
        return out

    def open_of_customer(self, customer_id: str, currency: str) -> list[int]:
        """Open items (invoices and credit notes) of a customer in one currency, oldest due first. Kept
        until one of them changes (big customers are asked again and again); callers do not modify it."""
        key = (customer_id, currency)
        found = self._open_items.get(key)
        if found is None:
            opens, invoices = self.open_amounts, self.invoices
            own = self._own(customer_id)
            found = self._open_items[key] = [i for i in own if opens[i] and invoices[i].currency == currency]
        return found

    def customer_size(self, customer_id: str) -> int:
        """Invoices of a customer, open or not (cheap: no scan)."""
        return len(self._by_customer.get(customer_id, ()))

    def amount_count(self, currency: str, amount: Decimal) -> int:
        """How many invoices were ever indexed under this amount (an upper bound of the open ones)."""
        found = self._by_amount.get((currency, amount))
        if found is None:
            return 0
        return 1 if isinstance(found, int) else len(found)

    def open_with_amount(self, currency: str, amount: Decimal, *, in_due_order: bool = True) -> list[int]:
        """Open invoices of exactly this amount, oldest due first. Callers check ``amount_count`` first:
        a common amount (100.00) may have many thousands."""
        found = self._by_amount.get((currency, amount))
        if found is None:
            return []
        if isinstance(found, int):
            return [found] if self.open_amounts[found] == amount else []
        items = [i for i in dict.fromkeys(found) if self.open_amounts[i] == amount]
        if in_due_order:
            items.sort(key=lambda i: (self.invoices[i].due_date, self.invoices[i].invoice_id))
        return items

    def open_of_customer_with_amount(self, customer_id: str, currency: str, amount: Decimal) -> list[int]:
        """A customer's open items of exactly this amount (for customers too big to combine)."""
        own = self._by_customer.get(customer_id, ())
        if self.amount_count(currency, amount) < len(own):
            items = [
                i
                for i in self.open_with_amount(currency, amount)
                if self.invoices[i].customer_id == customer_id
            ]
            return items
        own = self._own(customer_id)
        return [i for i in own if self.open_amounts[i] == amount and self.invoices[i].currency == currency]

    def customers_of_iban(self, iban: str) -> list[str]:
        return self._iban_customers.get(iban, [])

    def normalized_name(self, customer_id: str) -> str:
        found = self._normalized.get(customer_id)
        if found is None:
            name = self.customer_names.get(customer_id, "")
            found = normalize_name(name) if name else ""
        return found

    def customers_named(self, normalized: str) -> list[str]:
        return self._by_name.get(normalized, [])

    def customers_sharing_words(self, normalized: str) -> set[str]:
        """Customers whose name shares a distinctive word with this one (candidates for fuzzy comparison)."""
        out: set[str] = set()
        for word in name_tokens(normalized):
            owners = self._by_name_word.get(word, ())
            if len(owners) <= _COMMON_NAME_WORD:
                out.update(owners)
        return out

    # --- changes during a run ----------------------------------------------------------------------

    def apply(self, i: int, amount: Decimal) -> None:
        """Reduce an invoice's open amount (a payment applied, or written off)."""
        self.open_amounts[i] -= amount
        self._changed(i)
        if self.open_amounts[i]:
            self._index_amount(i)

    def reopen(self, i: int, amount: Decimal) -> None:
        """Give back what a returned collection had paid (never beyond the invoice amount)."""
        inv = self.invoices[i]
        new = self.open_amounts[i] + amount
        if abs(new) > abs(inv.amount):
            new = inv.amount
        self.open_amounts[i] = new
        self._changed(i)
        if new:
            self._index_amount(i)

    def _changed(self, i: int) -> None:
        inv = self.invoices[i]
        self._open_items.pop((inv.customer_id, inv.currency), None)
