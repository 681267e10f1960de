"""Receivables indexed for lookup, with open amounts that change as payments are applied in a run.

Every lookup goes through a dict (reference, invoice-number key, customer, IBAN, amount, name word), so a
payment is compared with a handful of invoices, never with all of them. The caller's invoices are not
modified: open amounts live in ``open_amounts`` here.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from gateway.matching.normalize import compact_reference, name_tokens, normalize_name
from gateway.model.invoice import Customer, Invoice

# Words of customer names shared by more customers than this say nothing about who paid.
_COMMON_NAME_WORD = 300
# Customers with at least this many open items in a currency have them grouped by amount when asked for one.
_GROUP_BY_AMOUNT_FROM = 32
_DIGITS = re.compile(r"\d+").findall
_first, _second = itemgetter(0), itemgetter(1)


def _add_taken(index: dict[Any, int | list[int]], key: object, found: int | list[int], i: int) -> None:
    """Multimap kept small: a single position is stored bare, a second one turns it into a list. For a key
    that ``setdefault`` found taken already (by ``found``)."""
    if isinstance(found, int):
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
        self._sort_keys: tuple[list[str], list[date]] | None = None  # see _in_due_order
        self._open_items: dict[tuple[str, str], list[int]] = {}  # see open_of_customer
        # A big customer's open items grouped by amount (see open_of_customer_with_amount).
        self._open_by_amount: dict[tuple[str, str], dict[Decimal, list[int]]] = {}
        # Open amounts as (decimals, integer) pairs, until they change (see in_units).
        self._units: dict[int, tuple[int, int]] = {}
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
        """Index the invoices; one loop with everything at hand, as a million of them pass through here.
        A key is put with ``setdefault`` (one lookup): it comes back as the position just put unless the
        key was taken already."""
        all_invoices, open_amounts, by_id = self.invoices, self.open_amounts, self.by_id
        by_customer, customer_names = self._by_customer, self.customer_names
        by_reference, by_number, by_amount = self._by_reference, self._by_number, self._by_amount
        put_reference, put_number, put_amount = by_reference.setdefault, by_number.setdefault, by_amount.setdefault
        add_invoice, add_open = all_invoices.append, open_amounts.append
        number_keys = self.invoice_number_keys
        i = len(all_invoices)
        for inv in invoices:
            add_invoice(inv)
            open_amount = inv.open_amount
            add_open(open_amount)
            invoice_id = inv.invoice_id
            by_id[invoice_id] = i
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
                    found = put_reference(ref, i)
                    if found is not i:
                        _add_taken(by_reference, ref, found, i)
            if invoice_id.isdecimal():  # all digits (as \d means): the one key, without the regex
                key = invoice_id.lstrip("0")
                if key:
                    found = put_number(key, i)
                    if found is not i:
                        _add_taken(by_number, key, found, i)
            else:
                for key in number_keys(invoice_id):
                    found = put_number(key, i)
                    if found is not i:
                        _add_taken(by_number, key, found, i)
            if open_amount:
                key = (inv.currency, open_amount)
                found = put_amount(key, i)
                if found is not i:
                    _add_taken(by_amount, key, found, i)
            i += 1

    def _own(self, customer_id: str) -> list[int]:
        """All items of a customer, oldest due first."""
        items = self._by_customer.get(customer_id)
        if items is None:
            return []
        if customer_id not in self._sorted:
            self._in_due_order(items)
            self._sorted.add(customer_id)
        return items

    def _in_due_order(self, items: list[int]) -> None:
        """Sort positions oldest due first, then by invoice id: as by the key (due date, invoice id), in two
        stable sorts whose keys are looked up in C (a million items pass through here)."""
        if self._sort_keys is None or len(self._sort_keys[0]) != len(self.invoices):
            invoices = self.invoices
            self._sort_keys = ([inv.invoice_id for inv in invoices], [inv.due_date for inv in invoices])
        invoice_ids, due_dates = self._sort_keys
        items.sort(key=invoice_ids.__getitem__)
        items.sort(key=due_dates.__getitem__)

    @staticmethod
    def invoice_number_keys(invoice_id: str) -> tuple[str, ...]:
        """Keys an invoice number is found by (see ``number_keys``). The per-group key is only needed when
        an inner group has leading zeros: otherwise it finds nothing the all-digits key does not."""
        groups = _DIGITS(invoice_id)
        if not groups:
            return ()
        whole = "".join(groups).lstrip("0")
        if not whole:
            return ()
        if len(groups) == 2:  # the usual prefix-year-number: no generators for two groups
            first, second = groups
            if second[0] == "0":
                return (whole, (first.lstrip("0") or "0") + "." + (second.lstrip("0") or "0"))
            return (whole,)
        if len(groups) > 1 and any(g[0] == "0" for g in groups[1:]):
            return (whole, ".".join(g.lstrip("0") or "0" for g in groups))
        return (whole,)

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

    def by_numbers(self, keys: set[str]) -> list[int]:
        """Invoices found by any of these keys, in no particular order; an invoice may come more than once.
        The keys that exist are found by intersecting with the index's keys: a loop in C over ``keys``."""
        index = self._by_number
        out: list[int] = []
        for key in index.keys() & keys:
            found = index[key]
            if isinstance(found, int):
                out.append(found)
            else:
                out += found
        return out

    def open_of_customer(self, customer_id: str, currency: str) -> list[int]:
        """Open items (invoices and credit notes) of a customer in one currency, oldest due first. Built
        once and then kept up to date as items close or reopen (big customers are asked again and again);
        callers do not modify it, nor keep it across a change."""
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
            self._in_due_order(items)
        return items

    def open_of_customer_with_amount(self, customer_id: str, currency: str, amount: Decimal) -> list[int]:
        """A customer's open items of exactly this amount, oldest due first (for customers too big to
        combine). The open items of a big customer are grouped by amount on first use and kept so (see
        ``_changed``): the payment's amount and the amounts before discount are looked up for payment after
        payment, and scanning thousands of items each time would cost more than keeping the groups."""
        key = (customer_id, currency)
        by_amount = self._open_by_amount.get(key)
        if by_amount is not None and amount:
            return list(by_amount.get(amount, ()))
        own = self._by_customer.get(customer_id, ())
        invoices, opens = self.invoices, self.open_amounts
        if self.amount_count(currency, amount) < len(own):
            # The customer's among the open items of that amount: picked out first, then put in due order.
            items = [
                i
                for i in self.open_with_amount(currency, amount, in_due_order=False)
                if invoices[i].customer_id == customer_id
            ]
            self._in_due_order(items)
            return items
        if not amount:  # not an open amount: paid items have it too
            own = self._own(customer_id)
            return [i for i in own if opens[i] == amount and invoices[i].currency == currency]
        # An item of a non-zero amount is open: its open items in that currency are all there is to look at.
        items = self.open_of_customer(customer_id, currency)
        if len(items) < _GROUP_BY_AMOUNT_FROM:
            return [i for i in items if opens[i] == amount]
        by_amount = self._open_by_amount[key] = {}
        for i in items:
            by_amount.setdefault(opens[i], []).append(i)
        return list(by_amount.get(amount, ()))

    def in_units(self, items: list[int], places: int) -> tuple[int, list[int]]:
        """The open amounts of ``items`` as integers: (p, amounts in units of 10**-p), p being ``places`` or
        more when one of the amounts has more decimals. Each amount is kept as (its decimals, its integer)
        until it changes: the same open items are combined for payment after payment."""
        cache = self._units
        own = [cache.get(i) or self._in_own_units(i) for i in items]
        kinds = set(map(_first, own))  # how many decimals the amounts have: nearly always one number
        p = max(places, max(kinds, default=places))
        if kinds == {p}:
            return p, list(map(_second, own))
        return p, [units if decimals == p else units * 10 ** (p - decimals) for decimals, units in own]

    def _in_own_units(self, i: int) -> tuple[int, int]:
        amount = self.open_amounts[i]
        exponent: int = amount.as_tuple().exponent  # type: ignore[assignment]  # finite: an int
        found = self._units[i] = (-exponent, int(amount.scaleb(-exponent)))
        return found

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
        was = self.open_amounts[i]
        self.open_amounts[i] = was - amount
        self._changed(i, was)
        if self.open_amounts[i]:
            self._index_amount(i)

    def reopen(self, i: int, amount: Decimal) -> None:
        """Give back what a returned collection had paid (never beyond the invoice amount)."""
        inv = self.invoices[i]
        was = self.open_amounts[i]
        new = was + amount
        if abs(new) > abs(inv.amount):
            new = inv.amount
        self.open_amounts[i] = new
        self._changed(i, was)
        if new:
            self._index_amount(i)

    def _changed(self, i: int, was: Decimal) -> None:
        """Keep what was worked out about the customer's open items as it would be worked out again: an
        item that closed leaves the list of open items (``open_of_customer``) and one that opened again goes
        back in due order; in the groups by amount (``open_of_customer_with_amount``) it moves from its old
        amount to its new one."""
        inv = self.invoices[i]
        key = (inv.customer_id, inv.currency)
        now = self.open_amounts[i]
        self._units.pop(i, None)
        by_amount = self._open_by_amount.get(key)
        if by_amount is not None and was != now:
            if was:
                group = by_amount[was]
                group.remove(i)
                if not group:
                    del by_amount[was]
            if now:
                bisect.insort(by_amount.setdefault(now, []), i, key=self._due_order)
        items = self._open_items.get(key)
        if items is None or bool(was) == bool(now):
            return  # a partial payment: the same items, in the same order
        if was:
            items.remove(i)
        else:
            bisect.insort(items, i, key=self._due_order)

    def _due_order(self, i: int) -> tuple[date, str, int]:
        """Where an item goes in a list of a customer's items: oldest due first (see ``_own``)."""
        inv = self.invoices[i]
        return inv.due_date, inv.invoice_id, i
