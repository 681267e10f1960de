"""The ledger side of the world: customers (similar names, several accounts in several EU countries),
their invoices (three numbering series, repeating amounts, structured references where the country
uses them), written as the ``invoices.csv`` and ``customers.csv`` that ``gateway reconcile`` reads."""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bench.match.identifiers import (
    COUNTRIES,
    FAST_COUNTRIES,
    SERIES,
    invoice_id,
    make_iban,
    nl_payment_reference,
    ogm_reference,
    rf_reference,
)
from bench.match.names import company_name

CENT = Decimal("0.01")
PERIOD_START = date(2026, 10, 1)  # the statements cover October and November 2026
PERIOD_END = date(2026, 11, 30)
FIRST_ISSUE = date(2026, 5, 1)
LAST_ISSUE = date(2026, 11, 25)
# Prices that many customers are billed: list prices and round net amounts with 19/21 % VAT.
COMMON_AMOUNTS = tuple(
    Decimal(a)
    for a in (
        "49.00",
        "59.50",
        "99.00",
        "119.00",
        "149.00",
        "250.00",
        "297.50",
        "500.00",
        "595.00",
        "1000.00",
        "1190.00",
        "1210.00",
        "1500.00",
        "2380.00",
    )
)
_COUNTRY_WEIGHTS = {"DE": 34, "NL": 18, "BE": 12, "FR": 10, "AT": 8, "IT": 6, "ES": 5, "LU": 3, "PL": 4}
_VAT = (Decimal("1.19"), Decimal("1.21"), Decimal("1.20"), Decimal("1.00"))


@dataclass(slots=True)
class Customer:
    id: str
    name: str
    country: str
    ibans: list[str]
    currency: str = "EUR"
    mandate_id: str | None = None  # set when we collect this customer's invoices by SEPA direct debit
    recurring: list[Decimal] = field(default_factory=list)


@dataclass(slots=True)
class Invoice:
    id: str
    customer_id: str
    currency: str
    amount: Decimal
    open_amount: Decimal
    issue_date: date
    due_date: date
    reference: str = ""


@dataclass(slots=True)
class World:
    customers: list[Customer]
    invoices: list[Invoice]
    by_customer: dict[str, list[Invoice]]
    customer: dict[str, Customer]
    invoice: dict[str, Invoice]
    known_ibans: set[str]


def _countries(rng: random.Random, fast: bool) -> str:
    if fast:
        return rng.choice(FAST_COUNTRIES)
    return rng.choices(list(_COUNTRY_WEIGHTS), weights=list(_COUNTRY_WEIGHTS.values()))[0]


def _net_amount(rng: random.Random) -> Decimal:
    # Log-uniform 40 .. 25,000: many small invoices, a tail of large ones; half are round net prices.
    value = math.exp(rng.uniform(math.log(40), math.log(25_000)))
    net = Decimal(round(value)) if rng.random() < 0.5 else Decimal(f"{value:.2f}")
    return (net * rng.choice(_VAT)).quantize(CENT)


def _reference(rng: random.Random, country: str, seq: int, inv_id: str) -> str:
    roll = rng.random()
    if country == "BE" and roll < 0.8:
        return ogm_reference(seq * 7919 + 1_000_000)
    if country == "NL" and roll < 0.6:
        return nl_payment_reference(seq * 104_729 + 10**12)
    if country in ("FR", "IT", "ES", "LU", "PL", "AT") and roll < 0.5:
        return rf_reference(inv_id.replace("-", "").replace("/", ""))
    if country == "DE" and roll < 0.15:
        return rf_reference(inv_id.replace("-", "").replace("/", ""))
    return ""


def build_world(rng: random.Random, customers: int, invoices: int, fast_ibans: bool = False) -> World:
    """``customers`` customers and ``invoices`` invoices. ``fast_ibans`` draws IBANs from countries without
    national check digits only (the scale run: 50,000 customers)."""
    people: list[Customer] = []
    names: set[str] = set()
    ibans: set[str] = set()
    for n in range(1, customers + 1):
        country = _countries(rng, fast_ibans)
        name = company_name(rng, country)
        tries = 0
        while name in names:  # similar names abound; identical ones would make the labels a guess
            tries += 1
            name = company_name(rng, country, qualified=tries > 5)
            if tries > 50:
                name = f"{name} {n}"
        names.add(name)
        accounts = []
        for _ in range(rng.choices((1, 2, 3, 4), weights=(50, 30, 15, 5))[0]):
            # Most accounts are at home; a share sits abroad (a Dutch firm banking in Luxembourg...).
            where = country if rng.random() < 0.8 else _countries(rng, fast_ibans)
            iban = make_iban(rng, where, national_check=not fast_ibans)
            while iban in ibans:
                iban = make_iban(rng, where, national_check=not fast_ibans)
            ibans.add(iban)
            accounts.append(iban)
        c = Customer(f"C{n:06d}", name, country, accounts)
        if rng.random() < 0.03:
            c.currency = "USD"
        elif rng.random() < 0.2:
            c.mandate_id = f"MNDT-{n:06d}-{rng.randint(1, 3):02d}"
        c.recurring = [_net_amount(rng) for _ in range(rng.choice((0, 1, 1, 2)))]
        people.append(c)

    # Pareto-ish weights: a few customers get many invoices, most a handful.
    weights = [1.0 / (i + 1) ** 0.6 for i in range(len(people))]
    rng.shuffle(weights)
    owners = rng.choices(people, weights=weights, k=invoices)
    width = max(5, len(str(invoices)))
    counters = {s: 0 for s in SERIES}
    series_weights = (60, 25, 15)
    days = (LAST_ISSUE - FIRST_ISSUE).days
    bills: list[Invoice] = []
    for seq, owner in enumerate(owners, start=1):
        series = rng.choices(SERIES, weights=series_weights)[0]
        counters[series] += 1
        issue = FIRST_ISSUE + timedelta(days=int(days * (rng.random() ** 0.7)))
        inv_id = invoice_id(series, issue.year, counters[series], width)
        roll = rng.random()
        if owner.recurring and roll < 0.35:
            amount = rng.choice(owner.recurring)
        elif roll < 0.55:
            amount = rng.choice(COMMON_AMOUNTS)
        else:
            amount = _net_amount(rng)
        state = rng.random()
        if state < 0.05:
            open_amount = Decimal("0.00")  # paid before the period; still in the export
        elif state < 0.09:
            open_amount = (amount * Decimal(rng.choice(("0.5", "0.25", "0.6")))).quantize(CENT)
        else:
            open_amount = amount
        bills.append(
            Invoice(
                id=inv_id,
                customer_id=owner.id,
                currency=owner.currency,
                amount=amount,
                open_amount=open_amount,
                issue_date=issue,
                due_date=issue + timedelta(days=rng.choice((14, 30, 30, 60))),
                reference=_reference(rng, owner.country, seq, inv_id),
            )
        )
    by_customer: dict[str, list[Invoice]] = defaultdict(list)
    for b in bills:
        by_customer[b.customer_id].append(b)
    return World(
        customers=people,
        invoices=bills,
        by_customer=dict(by_customer),
        customer={c.id: c for c in people},
        invoice={b.id: b for b in bills},
        known_ibans=ibans,
    )


INVOICE_HEADER = (
    "invoice_id",
    "customer_id",
    "customer_name",
    "currency",
    "amount",
    "open_amount",
    "issue_date",
    "due_date",
    "reference",
)
CUSTOMER_HEADER = ("customer_id", "name", "iban")


def write_ledger(world: World, out: Path) -> None:
    """``invoices.csv`` and ``customers.csv`` in the issue's formats (UTF-8, ``,``, ``.`` decimals)."""
    with (out / "invoices.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(INVOICE_HEADER)
        for b in world.invoices:
            w.writerow(
                (
                    b.id,
                    b.customer_id,
                    world.customer[b.customer_id].name,
                    b.currency,
                    f"{b.amount:.2f}",
                    f"{b.open_amount:.2f}",
                    b.issue_date.isoformat(),
                    b.due_date.isoformat(),
                    b.reference,
                )
            )
    with (out / "customers.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(CUSTOMER_HEADER)
        for c in world.customers:
            for iban in c.ibans:
                w.writerow((c.id, c.name, iban))


__all__ = ["COUNTRIES", "Customer", "Invoice", "World", "build_world", "write_ledger"]
