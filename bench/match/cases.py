"""The payments of the world, one planner per case of the issue. Each planner claims the invoices it
pays (so no two payments pay the same invoice unless the case says so) and labels its bookings.

Labels: ``expect`` is ``belongs`` (the payment pays ``invoice_ids``), ``ignored`` (not a customer payment),
``no-invoice`` (no open invoice is the right one) or ``return`` (undoes the collection of ``invoice_ids``);
``auto: false`` marks payments a careful clerk would not allocate without a look (a guess between equals,
the wrong currency): any automatic match of them counts as false.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations

from bench.match.bookings import (
    COLLECTION,
    FEE,
    INTEREST,
    RETURN,
    TRANSFER_IN,
    TRANSFER_OUT,
    Booking,
    OurAccount,
)
from bench.match.identifiers import make_iban, mistyped, nl_print, rf_print, spelled
from bench.match.names import PEOPLE, company_name, payer_variant
from bench.match.world import CENT, PERIOD_END, PERIOD_START, Customer, Invoice, World

CREDITOR_ID = "DE98ZZZ09999999999"
# Share of all payments per case: most are easy, a minority hard, like a real inbox.
MIX: dict[str, float] = {
    "structured-reference": 0.20,
    "invoice-number": 0.20,
    "invoice-number-variant": 0.10,
    "invoice-number-typo": 0.03,
    "direct-debit": 0.08,
    "iban-unique-amount": 0.10,
    "fuzzy-name": 0.03,
    "several-invoices": 0.035,
    "several-invoices-amount-only": 0.015,
    "partial": 0.02,
    "short-bank-charges": 0.015,
    "short-discount": 0.015,
    "overpayment": 0.01,
    "duplicate": 0.01,
    "unknown-payer": 0.01,
    "ambiguous": 0.01,
    "wrong-currency": 0.005,
    "dd-return": 0.015,
    "outgoing": 0.05,
    "bank-fee": 0.02,
    "interest": 0.005,
}
_TEMPLATES = {
    "DE": (
        "Rechnung {id}",
        "Rechnungsnr. {id}",
        "RE {id} vom {d}",
        "Zahlung Rg. {id}",
        "{id}",
        "Kd-Nr. {c} Rechnung {id}",
        "Ihre Rechnung {id} vom {d}",
    ),
    "AT": ("Rechnung {id}", "Zahlung zu {id}", "{id} danke"),
    "NL": ("Factuur {id}", "factuurnr {id}", "Betaling factuur {id}", "{id}"),
    "BE": ("Factuur {id}", "Facture {id}", "{id}"),
    "FR": ("Facture {id}", "Paiement facture n° {id}", "FACT {id} du {d}"),
    "LU": ("Facture {id}", "Invoice {id}"),
    "IT": ("Fattura {id}", "Saldo fattura n. {id} del {d}"),
    "ES": ("Factura {id}", "Pago factura {id}"),
    "PL": ("Faktura {id}", "FV {id}", "Invoice {id}"),
}
_GENERIC = ("", "", "Zahlung", "Payment", "Betaling", "Paiement", "Überweisung", "Ihre Rechnung", "Rechnung")
_SEVERAL = {"DE": "Rechnungen {ids}", "NL": "Facturen {ids}", "FR": "Factures {ids}"}


class Planner:
    def __init__(self, rng: random.Random, world: World, accounts: dict[str, OurAccount], fast: bool = False):
        self.rng = rng
        self.w = world
        self.accounts = accounts
        self.fast = fast  # the scale run: no uniqueness searches beyond the customer
        self.claimed: set[str] = set()
        self.bookings: list[Booking] = []
        self.counter = 0
        self.order = [b for b in world.invoices if b.open_amount > 0]
        rng.shuffle(self.order)
        self.paid = [b for b in world.invoices if b.open_amount == 0]
        rng.shuffle(self.paid)
        self.collections: list[Booking] = []
        self.seen_ibans = set(world.known_ibans)
        self.open_amounts: set[Decimal] | None = None
        self.stems: dict[str, list[str]] = {}
        for c in world.customers:
            self.stems.setdefault(c.name.split()[0], []).append(c.id)

    # --- helpers -------------------------------------------------------------------------------
    def ref(self) -> str:
        self.counter += 1
        return f"MB{self.counter:08d}"

    def take(self, pred: Callable[[Invoice], bool], tries: int = 4000) -> Invoice | None:
        """An unclaimed open invoice for which ``pred`` holds, claimed."""
        n = len(self.order)
        if not n:
            return None
        start = self.rng.randrange(n)
        for k in range(min(tries, n)):
            inv = self.order[(start + k) % n]
            if inv.id not in self.claimed and pred(inv):
                self.claimed.add(inv.id)
                return inv
        return None

    def open_of(self, customer_id: str) -> list[Invoice]:
        return [b for b in self.w.by_customer.get(customer_id, ()) if b.open_amount > 0]

    def day_after(self, *invoices: Invoice, latest: date = PERIOD_END) -> date:
        issued = max(b.issue_date for b in invoices)
        first = max(PERIOD_START, issued + timedelta(days=1))
        last = max(first, min(latest, issued + timedelta(days=60)))
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def new_iban(self, country: str) -> str:
        country = country if not self.fast else "DE"
        iban = make_iban(self.rng, country, national_check=not self.fast)
        while iban in self.seen_ibans:
            iban = make_iban(self.rng, country, national_check=not self.fast)
        self.seen_ibans.add(iban)
        return iban

    def route(self, c: Customer, currency: str, needs_iban: bool) -> str:
        """Which of our accounts the customer pays into: the currency's, else mostly the home bank's."""
        if currency != "EUR":
            return "usd"
        roll = self.rng.random()
        if c.country == "NL" and roll < 0.7:
            return "nl"
        if c.country == "BE" and roll < 0.7:
            return "be"
        if c.country in ("FR", "LU") and roll < 0.5 and not needs_iban:
            return "fr"
        return "main" if self.rng.random() < 0.7 else "de2"

    def text_for(self, c: Customer, number: str, inv: Invoice) -> str:
        template = self.rng.choice(_TEMPLATES[c.country])
        return template.format(id=number, d=f"{inv.issue_date:%d.%m.%Y}", c=c.id[1:].lstrip("0"))

    def payer(self, c: Customer, known: float) -> tuple[str, str]:
        """(name, IBAN) of a payment by ``c``: a known account with probability ``known``, else a new one."""
        if self.rng.random() < known:
            return payer_variant(c.name, self.rng) if self.rng.random() < 0.6 else c.name, self.rng.choice(c.ibans)
        return payer_variant(c.name, self.rng), self.new_iban(c.country)

    def add(
        self,
        account: str,
        day: date,
        amount: Decimal,
        currency: str,
        kind: str,
        label: dict,
        **fields: object,
    ) -> Booking:
        b = Booking(
            account=account,
            bank_ref=self.ref(),
            booking_date=day,
            amount=amount,
            currency=currency,
            kind=kind,
            label=label,
            **fields,
        )  # type: ignore[arg-type]
        self.bookings.append(b)
        return b

    def pay(
        self,
        case: str,
        inv: Invoice | list[Invoice],
        amount: Decimal,
        text: str | None,
        known: float = 0.85,
        needs_iban: bool = False,
        reference: str | None = None,
        issuer: str | None = None,
        expect: str = "belongs",
        auto: bool = True,
        currency: str | None = None,
        day: date | None = None,
        account: str | None = None,
    ) -> Booking:
        invs = inv if isinstance(inv, list) else [inv]
        c = self.w.customer[invs[0].customer_id]
        name, iban = self.payer(c, known)
        currency = currency or invs[0].currency
        where = account or self.route(c, currency, needs_iban)
        label: dict[str, object] = {"case": case, "expect": expect, "invoice_ids": sorted(b.id for b in invs)}
        if not auto:
            label["auto"] = False
        if expect != "belongs":
            label["related_invoice_ids"] = label.pop("invoice_ids")
        return self.add(
            where,
            day or self.day_after(*invs),
            amount,
            currency,
            TRANSFER_IN,
            label,
            name=name,
            iban=iban,
            text=text or None,
            reference=reference,
            reference_issuer=issuer,
            end_to_end_id=self.rng.choice((None, None, f"E2E{self.rng.randint(10**8, 10**9)}")),
        )

    def unique_amount(self, inv: Invoice, among: list[Invoice]) -> bool:
        return sum(1 for b in among if b.open_amount == inv.open_amount and b.currency == inv.currency) == 1

    # --- the cases -----------------------------------------------------------------------------
    def structured_reference(self) -> None:
        inv = self.take(lambda b: bool(b.reference))
        if inv is None:
            return
        ref = inv.reference
        shown, issuer = ref, None
        if ref.startswith("RF"):
            shown, issuer = (rf_print(ref) if self.rng.random() < 0.3 else ref), "ISO"
        elif ref.startswith("+++"):
            shown, issuer = ref.strip("+").replace("/", ""), "BBA"
        else:
            shown, issuer = (nl_print(ref) if self.rng.random() < 0.2 else ref), "CUR"
        if self.rng.random() < 0.25:  # typed into the free text instead of the structured field
            text = ref if not ref.startswith("RF") else shown
            self.pay("structured-reference", inv, inv.open_amount, text)
        else:
            self.pay("structured-reference", inv, inv.open_amount, None, reference=shown, issuer=issuer)

    def invoice_number(self, case: str) -> None:
        inv = self.take(lambda b: True)
        if inv is None:
            return
        c = self.w.customer[inv.customer_id]
        number = (
            inv.id
            if case == "invoice-number"
            else (spelled(inv.id, self.rng) if case == "invoice-number-variant" else mistyped(inv.id, self.rng))
        )
        self.pay(case, inv, inv.open_amount, self.text_for(c, number, inv), known=0.8)

    def direct_debit(self) -> None:
        inv = self.take(lambda b: bool(self.w.customer[b.customer_id].mandate_id) and b.currency == "EUR")
        if inv is None:
            return
        c = self.w.customer[inv.customer_id]
        day = self.day_after(inv)
        account = "main" if self.rng.random() < 0.8 else "de2"
        b = self.add(
            account,
            day,
            inv.open_amount,
            "EUR",
            COLLECTION,
            {"case": "direct-debit", "expect": "belongs", "invoice_ids": [inv.id]},
            name=c.name,
            iban=c.ibans[0],
            text=f"Rechnung {inv.id} Lastschrift",
            end_to_end_id=inv.id,
            mandate_id=c.mandate_id,
            creditor_id=CREDITOR_ID,
            batch=f"{account}-{day.isoformat()}" if account == "main" else None,
        )
        self.collections.append(b)

    def iban_unique_amount(self) -> None:
        inv = self.take(lambda b: self.unique_amount(b, self.open_of(b.customer_id)))
        if inv is None:
            return
        self.pay("iban-unique-amount", inv, inv.open_amount, self.rng.choice(_GENERIC), known=1.0, needs_iban=True)

    def fuzzy_name(self) -> None:
        def ok(b: Invoice) -> bool:
            stem = self.w.customer[b.customer_id].name.split()[0]
            similar = self.stems[stem] if not self.fast else [b.customer_id]
            return self.unique_amount(b, [x for cid in similar for x in self.open_of(cid)])

        inv = self.take(ok, tries=400)
        if inv is None:
            return
        self.pay("fuzzy-name", inv, inv.open_amount, self.rng.choice(_GENERIC), known=0.0)

    def several(self, with_numbers: bool) -> None:
        rng = self.rng
        for _ in range(50):
            first = self.take(lambda b: True)
            if first is None:
                return
            mine = [
                b for b in self.open_of(first.customer_id) if b.id not in self.claimed and b.currency == first.currency
            ]
            k = rng.randint(1, 3)
            if len(mine) < k:
                self.claimed.discard(first.id)
                continue
            group = [first, *rng.sample(mine, k)]
            total = sum((b.open_amount for b in group), Decimal(0))
            if not with_numbers and not self.unique_subset(group, total):
                self.claimed.discard(first.id)
                continue
            self.claimed.update(b.id for b in group)
            c = self.w.customer[first.customer_id]
            if with_numbers:
                numbers = [b.id if rng.random() < 0.7 else spelled(b.id, rng) for b in group]
                joined = rng.choice((", ", " ", " + ", "; ")).join(numbers)
                text = _SEVERAL.get(c.country, "Invoices {ids}").format(ids=joined)
                self.pay("several-invoices", group, total, text, known=0.8)
            else:
                text = rng.choice(("", "Sammelzahlung", "diverse Rechnungen", "Betaling facturen", "Payment"))
                self.pay("several-invoices-amount-only", group, total, text, known=1.0, needs_iban=True)
            return

    def unique_subset(self, group: list[Invoice], total: Decimal) -> bool:
        """No other set of at most four of the customer's open invoices adds up to ``total``."""
        pool = [b.open_amount for b in self.open_of(group[0].customer_id) if b.currency == group[0].currency]
        if len(pool) > 30:
            return False
        hits = 0
        for size in range(1, min(4, len(pool)) + 1):
            for combo in combinations(pool, size):
                if sum(combo) == total:
                    hits += 1
                    if hits > 1:
                        return False
        return hits == 1

    def partial(self) -> None:
        inv = self.take(lambda b: b.open_amount >= 100)
        if inv is None:
            return
        share = Decimal(self.rng.choice(("0.5", "0.3", "0.25", "0.4", "0.6")))
        amount = (
            (inv.open_amount * share).quantize(Decimal(1))
            if self.rng.random() < 0.5
            else (inv.open_amount * share).quantize(CENT)
        )
        text = self.rng.choice(
            ("Teilzahlung {n}", "{n} Anzahlung", "Rate 1 {n}", "Partial payment {n}", "Deelbetaling {n}")
        ).format(n=inv.reference or inv.id)
        self.pay("partial", inv, amount, text, known=0.9)

    def short(self, case: str) -> None:
        inv = self.take(lambda b: b.open_amount >= 150)
        if inv is None:
            return
        c = self.w.customer[inv.customer_id]
        if case == "short-bank-charges":
            fee = Decimal(self.rng.choice(("0.35", "1.50", "2.50", "5.00", "7.50", "10.00", "12.50", "15.00")))
            amount, note = (
                inv.open_amount - fee,
                self.rng.choice(("", " abzgl. Spesen", " less bank charges")),
            )
        else:
            rate = Decimal(self.rng.choice(("0.02", "0.02", "0.03")))
            amount = (inv.open_amount * (1 - rate)).quantize(CENT)
            note = self.rng.choice(("", f" abzgl. {rate * 100:.0f}% Skonto", f" -{rate * 100:.0f}% korting"))
        number = inv.id if self.rng.random() < 0.8 else spelled(inv.id, self.rng)
        self.pay(case, inv, amount, self.text_for(c, number, inv) + note, known=0.85)

    def overpayment(self) -> None:
        inv = self.take(lambda b: True)
        if inv is None:
            return
        c = self.w.customer[inv.customer_id]
        extra = self.rng.choice(
            (
                Decimal("10.00"),
                (inv.open_amount * Decimal("0.19")).quantize(CENT),
                Decimal(100) - inv.open_amount % 100 or Decimal(100),
            )
        )
        self.pay("overpayment", inv, inv.open_amount + extra, self.text_for(c, inv.id, inv), known=0.9)

    def duplicate(self) -> None:
        if self.rng.random() < 0.5 and self.paid:
            inv = self.paid.pop()  # paid before the period: the invoice shows open_amount 0
            c = self.w.customer[inv.customer_id]
            self.pay(
                "duplicate",
                inv,
                inv.amount,
                self.text_for(c, inv.id, inv),
                known=0.9,
                expect="no-invoice",
                day=self.day_after(inv),
            )
            return
        inv = self.take(lambda b: b.issue_date < PERIOD_END - timedelta(days=20))
        if inv is None:
            return
        c = self.w.customer[inv.customer_id]
        text = self.text_for(c, inv.id, inv)
        first = self.pay(
            "invoice-number",
            inv,
            inv.open_amount,
            text,
            known=1.0,
            day=self.day_after(inv, latest=PERIOD_END - timedelta(days=10)),
        )
        later = first.booking_date + timedelta(days=self.rng.randint(1, 9))
        second = self.pay(
            "duplicate",
            inv,
            inv.open_amount,
            text,
            known=1.0,
            expect="no-invoice",
            day=later,
            account=first.account,
        )
        second.name, second.iban = first.name, first.iban

    def unknown_payer(self) -> None:
        if self.open_amounts is None:
            self.open_amounts = {b.open_amount for b in self.order}
        amounts = self.open_amounts
        amount = Decimal(f"{self.rng.uniform(20, 3000):.2f}")
        while amount in amounts:
            amount += CENT
        day = PERIOD_START + timedelta(days=self.rng.randint(0, (PERIOD_END - PERIOD_START).days))
        country = self.rng.choice(("DE", "NL", "AT"))
        self.add(
            self.rng.choice(("main", "de2", "nl")),
            day,
            amount,
            "EUR",
            TRANSFER_IN,
            {"case": "unknown-payer", "expect": "no-invoice"},
            name=self.rng.choice(PEOPLE),
            iban=self.new_iban(country),
            text=self.rng.choice(("", "Spende", "Erstattung", "Zahlung", "Overboeking", "Rückzahlung")) or None,
        )

    def ambiguous(self) -> None:
        def twins(b: Invoice) -> bool:
            return any(
                x.id != b.id
                and x.id not in self.claimed
                and x.open_amount == b.open_amount
                and x.currency == b.currency
                for x in self.open_of(b.customer_id)
            )

        inv = self.take(twins)
        if inv is None:
            return
        twins = [
            x
            for x in self.open_of(inv.customer_id)
            if x.id not in self.claimed and x.open_amount == inv.open_amount and x.currency == inv.currency
        ]
        self.claimed.update(x.id for x in twins)  # all stay open: the guess stays a guess for the engine
        # The customer meant the oldest one, as a clerk would assume; the engine must not assume it.
        meant = min([inv, *twins], key=lambda b: (b.due_date, b.issue_date, b.id))
        booking = self.pay(
            "ambiguous",
            meant,
            meant.open_amount,
            self.rng.choice(_GENERIC),
            known=1.0,
            needs_iban=True,
            auto=False,
            day=self.day_after(inv, *twins),
        )
        booking.label["acceptable"] = [[x.id] for x in sorted([inv, *twins], key=lambda b: b.id) if x is not meant]

    def wrong_currency(self) -> None:
        inv = self.take(lambda b: b.currency == "EUR")
        if inv is None:
            return
        c = self.w.customer[inv.customer_id]
        self.pay(
            "wrong-currency",
            inv,
            inv.open_amount,
            self.text_for(c, inv.id, inv),
            known=0.9,
            currency="USD",
            auto=False,
        )

    def dd_return(self) -> None:
        rng = self.rng
        reason = rng.choice(("AM04", "AM04", "MD06", "MS02", "AC04"))
        early = [
            b
            for b in self.collections
            if b.booking_date <= PERIOD_END - timedelta(days=10) and not b.label.get("returned")
        ]
        if early and rng.random() < 0.6:
            col = rng.choice(early)
            col.label["returned"] = True
            day = col.booking_date + timedelta(days=rng.randint(2, 8))
            self.add(
                col.account,
                day,
                -col.amount,
                "EUR",
                RETURN,
                {
                    "case": "dd-return",
                    "expect": "return",
                    "invoice_ids": col.label["invoice_ids"],
                    "undoes": {"bank_ref": col.bank_ref, "end_to_end_id": col.end_to_end_id},
                },
                name=col.name,
                iban=col.iban,
                end_to_end_id=col.end_to_end_id,
                mandate_id=col.mandate_id,
                creditor_id=CREDITOR_ID,
                return_reason=reason,
                text=f"Rücklastschrift {reason}",
            )
            return
        for inv in self.paid:
            c = self.w.customer[inv.customer_id]
            if c.mandate_id and inv.currency == "EUR":
                self.paid.remove(inv)
                day = max(PERIOD_START, inv.issue_date + timedelta(days=5)) + timedelta(days=rng.randint(0, 20))
                self.add(
                    rng.choice(("main", "de2")),
                    min(day, PERIOD_END),
                    -inv.amount,
                    "EUR",
                    RETURN,
                    {
                        "case": "dd-return",
                        "expect": "return",
                        "invoice_ids": [inv.id],
                        "undoes": {"end_to_end_id": inv.id},
                    },
                    name=c.name,
                    iban=c.ibans[0],
                    end_to_end_id=inv.id,
                    mandate_id=c.mandate_id,
                    creditor_id=CREDITOR_ID,
                    return_reason=reason,
                    text=f"Rücklastschrift {reason}",
                )
                return

    def not_customer(self, case: str) -> None:
        rng = self.rng
        day = PERIOD_START + timedelta(days=rng.randint(0, (PERIOD_END - PERIOD_START).days))
        label = {"case": case, "expect": "ignored"}
        account = rng.choice(("main", "main", "de2", "nl", "be", "fr"))
        if case == "outgoing":
            country = rng.choice(("DE", "NL", "AT"))
            amount = -Decimal(f"{rng.uniform(30, 12000):.2f}")
            self.add(
                account,
                day,
                amount,
                "EUR",
                TRANSFER_OUT,
                label,
                name=company_name(rng, country),
                iban=self.new_iban(country),
                end_to_end_id=f"PAY{rng.randint(10**6, 10**7)}",
                text=rng.choice(("Rechnung {n}", "Invoice {n}", "Miete {m}/2026", "Factuur {n}")).format(
                    n=rng.randint(1000, 99999), m=day.month
                ),
            )
        elif case == "bank-fee":
            self.add(
                account,
                day,
                -Decimal(rng.choice(("4.90", "9.80", "12.50", "0.35", "25.00"))),
                "EUR",
                FEE,
                label,
                text=rng.choice(
                    (
                        "Kontoführungsentgelt",
                        "Entgelt SEPA-Buchungen",
                        "Kosten rekening",
                        "Frais de tenue de compte",
                    )
                ),
            )
        else:
            amount = Decimal(f"{rng.uniform(0.5, 180):.2f}") * (1 if rng.random() < 0.8 else -1)
            self.add(
                account,
                day,
                amount,
                "EUR",
                INTEREST,
                label,
                text=rng.choice(("Habenzinsen", "Zinsen", "Rente", "Intérêts créditeurs")),
            )

    def plan(self, payments: int) -> list[Booking]:
        total = sum(MIX.values())
        counts = {case: max(1, round(share / total * payments)) for case, share in MIX.items()}
        steps: list[str] = [case for case, n in counts.items() for _ in range(n)]
        # Collections come first so that returns find them; then the rest in random order.
        steps.sort(key=lambda case: (case == "dd-return", case != "direct-debit"))
        head = [s for s in steps if s == "direct-debit"]
        rest = [s for s in steps if s not in ("direct-debit", "dd-return")]
        self.rng.shuffle(rest)
        for case in head + rest + [s for s in steps if s == "dd-return"]:
            self.run(case)
        for b in self.bookings:
            b.label.pop("returned", None)
        return self.bookings

    def run(self, case: str) -> None:
        if case == "structured-reference":
            self.structured_reference()
        elif case.startswith("invoice-number"):
            self.invoice_number(case)
        elif case == "direct-debit":
            self.direct_debit()
        elif case == "iban-unique-amount":
            self.iban_unique_amount()
        elif case == "fuzzy-name":
            self.fuzzy_name()
        elif case.startswith("several-invoices"):
            self.several(with_numbers=case == "several-invoices")
        elif case == "partial":
            self.partial()
        elif case.startswith("short-"):
            self.short(case)
        elif case == "overpayment":
            self.overpayment()
        elif case == "duplicate":
            self.duplicate()
        elif case == "unknown-payer":
            self.unknown_payer()
        elif case == "ambiguous":
            self.ambiguous()
        elif case == "wrong-currency":
            self.wrong_currency()
        elif case == "dd-return":
            self.dd_return()
        else:
            self.not_customer(case)
