"""Receivables indexed for lookup, with open amounts that change as payments are applied in a run.

Every lookup goes through a dict (reference, invoice-number key, customer, IBAN, amount, name word), so a
payment is compared with a handful of invoices, never with all of them. The caller's invoices are not
modified: open amounts live in ``open_amounts`` here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from gateway.matching.normalize import compact_reference, name_tokens, normalize_name
from gateway.model.invoice import Customer, Invoice

# Words of customer names shared by more customers than this say nothing about who paid.
_COMMON_NAME_WORD = 300
_DIGITS = re.compile(r"\d+").findall


def _add(index: dict[str, int | list[int]], key: str, i: int) -> None:
    """Multimap kept small: a single position is stored bare, a second one turns it into a list."""
    found = index.get(key)
    if found is None:
        index[key] = i
    elif isinstance(found, int):
        if found != i:
            index[key] = [found, i]
    elif found[-1] != i:  # each invoice adds each of its keys once; lookups drop repeats
        found.append(i)


def _get(index: dict[str, int | list[int]], key: str) -> list[int]:
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
        for inv in invoices:
            self._add_invoice(inv)
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

    def _add_invoice(self, inv: Invoice) -> None:
        i = len(self.invoices)
        self.invoices.append(inv)
        self.open_amounts.append(inv.open_amount)
        self.by_id[inv.invoice_id] = i
        cid = inv.customer_id
        items = self._by_customer.get(cid)
        if items is None:
            items = self._by_customer[cid] = []
            if not self.customer_names.get(cid):
                self.customer_names[cid] = inv.customer_name
        items.append(i)
        if inv.reference:
            ref = compact_reference(inv.reference)
            if ref:
                _add(self._by_reference, ref, i)
        for key in self.invoice_number_keys(inv.invoice_id):
            _add(self._by_number, key, i)
        if inv.open_amount:
            self._index_amount(i)

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

    def open_of_customer(self, customer_id: str, currency: str) -> list[int]:
        """Open items (invoices and credit notes) of a customer in one currency, oldest due first."""
        items = [
            i
            for i in self._by_customer.get(customer_id, ())
            if self.open_amounts[i] and self.invoices[i].currency == currency
        ]
        items.sort(key=lambda i: (self.invoices[i].due_date, self.invoices[i].invoice_id))
        return items

    def customer_size(self, customer_id: str) -> int:
        """Invoices of a customer, open or not (cheap: no scan)."""
        return len(self._by_customer.get(customer_id, ()))

    def amount_count(self, currency: str, amount: Decimal) -> int:
        """How many invoices were ever indexed under this amount (an upper bound of the open ones)."""
        found = self._by_amount.get((currency, amount))
        if found is None:
            return 0
        return 1 if isinstance(found, int) else len(found)

    def open_with_amount(self, currency: str, amount: Decimal) -> list[int]:
        """Open invoices of exactly this amount, oldest due first. Callers check ``amount_count`` first:
        a common amount (100.00) may have many thousands."""
        found = self._by_amount.get((currency, amount))
        if found is None:
            return []
        if isinstance(found, int):
            return [found] if self.open_amounts[found] == amount else []
        items = [i for i in dict.fromkeys(found) if self.open_amounts[i] == amount]
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
        items = [i for i in own if self.open_amounts[i] == amount and self.invoices[i].currency == currency]
        items.sort(key=lambda i: (self.invoices[i].due_date, self.invoices[i].invoice_id))
        return items

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
        if self.open_amounts[i]:
            self._index_amount(i)

    def reopen(self, i: int, amount: Decimal) -> None:
        """Give back what a returned collection had paid (never beyond the invoice amount)."""
        inv = self.invoices[i]
        new = self.open_amounts[i] + amount
        if abs(new) > abs(inv.amount):
            new = inv.amount
        self.open_amounts[i] = new
        if new:
            self._index_amount(i)
