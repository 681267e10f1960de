"""Who pays whom and why, for generated statements: counterparties with valid IBANs, remittance
texts, end-to-end ids, mandates and creditor references, drawn from a seeded random generator."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from bench.statements.checksums import iban, random_iban, rf_reference

_FIRST = ("Anna", "Jan", "Sophie", "Lukas", "Emma", "Daan", "Léa", "Jürgen", "Zoë", "Noah", "Marie", "Sven")
_LAST = (
    "Müller",
    "de Vries",
    "Schmidt",
    "Janssen",
    "Dubois",
    "Weiß",
    "Bakker",
    "O'Brien",
    "Nowak",
    "Fischer",
)
_COMPANIES = (
    "Stadtwerke Köln GmbH",
    "Albert Heijn B.V.",
    "Deutsche Telekom AG",
    "Vattenfall N.V.",
    "Müller & Söhne KG",
    "Bol.com B.V.",
    "Allianz Versicherungs-AG",
    "Finanzamt München",
    "Ziggo Services B.V.",
    "Lidl Dienstleistung GmbH & Co. KG",
    "Orange S.A.",
    "Uber B.V.",
    "Amazon EU S.à r.l.",
    "Belastingdienst",
    "Rundfunk ARD, ZDF, DRadio",
    "Shell Nederland Verkoop B.V.",
)
_BICS = (
    "DEUTDEFFXXX",
    "COBADEFFXXX",
    "INGBNL2AXXX",
    "ABNANL2AXXX",
    "RABONL2UXXX",
    "BNPAFRPPXXX",
    "GENODEF1S04",
    "BYLADEM1001",
    "GKCCBEBBXXX",
    "RZOOAT2L420",
)
_PURPOSES = (
    "Rechnung {n} vom {d}",
    "Invoice {n}",
    "Miete {m}",
    "Abschlag Strom {m}",
    "Gehalt {m}",
    "Kundennummer {n} Vertrag {k}",
    "Factuur {n} termijn {k}",
    "Bestelling {n}",
    "Beitrag {m}",
    "Erstattung Auftrag {n}",
    "Lastschrift {m} Mandat {k}",
    "Paiement facture {n}",
)
_MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


class Kind:
    """The kinds of booking a generated statement mixes, with their bank transaction codes."""

    TRANSFER = "transfer"  # SEPA credit transfer, either direction
    DIRECT_DEBIT = "direct_debit"  # SEPA core direct debit (debit on our side)
    CARD = "card"  # card payment (debit)
    FEE = "fee"  # account fee (debit, no counterparty)
    SALARY = "salary"  # incoming salary / standing order (credit)


@dataclass(slots=True)
class Party:
    name: str
    iban: str
    bic: str


@dataclass(slots=True)
class Payment:
    """Everything but the amount of one generated transaction."""

    kind: str
    counterparty: Party | None
    booking_date: date
    value_date: date
    bank_ref: str
    end_to_end_id: str
    remittance: str  # unstructured text; empty when a creditor reference is used instead
    creditor_reference: str  # RF reference or empty
    mandate_id: str
    creditor_id: str


class PaymentSource:
    """A seeded stream of payments over a statement period; counterparties recur like real ones do."""

    def __init__(self, seed: int, start: date, days: int) -> None:
        self._rng = random.Random(seed)
        self._start = start
        self._days = days
        rng = self._rng
        people = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(400)]
        names = people + list(_COMPANIES) * 10
        self._parties = [Party(name, random_iban(rng), rng.choice(_BICS)) for name in names]
        self._counter = 0

    def next(self, credit: bool, position: float) -> Payment:
        """The next payment; ``position`` (0..1) places it in the period so dates ascend through the file."""
        rng = self._rng
        self._counter += 1
        n = self._counter
        booking = self._start + timedelta(days=min(self._days - 1, int(position * self._days)))
        value = booking if rng.random() < 0.9 else booking - timedelta(days=rng.randint(1, 3))
        roll = rng.random()
        if credit:
            kind = Kind.SALARY if roll < 0.15 else Kind.TRANSFER
        else:
            kind = (
                Kind.DIRECT_DEBIT
                if roll < 0.35
                else Kind.CARD
                if roll < 0.7
                else Kind.FEE
                if roll < 0.73
                else Kind.TRANSFER
            )
        party = None if kind == Kind.FEE else rng.choice(self._parties)
        remittance = creditor_reference = mandate = creditor_id = ""
        if kind == Kind.FEE:
            remittance = f"Kontoführungsentgelt {_MONTHS[booking.month - 1]} {booking.year}"
        elif kind == Kind.CARD:
            clock = f"{rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}"
            remittance = f"Kartenzahlung {booking:%d.%m} {clock} Terminal {rng.randint(10000, 99999)}"
        elif rng.random() < 0.1:
            creditor_reference = rf_reference(f"{rng.randint(10**7, 10**12)}")
        else:
            template = rng.choice(_PURPOSES)
            remittance = template.format(
                n=f"{booking.year}-{rng.randint(1000, 99999)}",
                d=f"{booking:%d.%m.%Y}",
                m=f"{_MONTHS[booking.month - 1]} {booking.year}",
                k=rng.randint(100, 99999),
            )
        if kind == Kind.DIRECT_DEBIT:
            mandate = f"MNDT-{rng.randint(100000, 9999999)}"
            # SEPA creditor identifier: IBAN-style check digits over the national part; ZZZ is skipped.
            national = f"0000{rng.randint(1000000, 9999999)}"
            creditor_id = f"{iban('DE', national)[:4]}ZZZ{national}"
        e2e = "NOTPROVIDED" if rng.random() < 0.2 else f"E2E-{booking:%Y%m%d}-{n:07d}"
        return Payment(
            kind=kind,
            counterparty=party,
            booking_date=booking,
            value_date=value,
            bank_ref=f"{booking:%y%m%d}{n:09d}",
            end_to_end_id=e2e,
            remittance=remittance,
            creditor_reference=creditor_reference,
            mandate_id=mandate,
            creditor_id=creditor_id,
        )
