"""Company names the way a B2B ledger and bank statements hold them: families of similar names across
countries ("Müller GmbH", "Mueller Handels GmbH", "Muller BV"), legal forms, and the variants payers'
banks write (capitals, umlauts spelled out or dropped, legal form shortened or missing, truncated)."""

from __future__ import annotations

import random
import unicodedata

# Stems that recur across many customers, so names collide the way real ledgers' do.
STEMS = (
    "Müller",
    "Mueller",
    "Muller",
    "Schmidt",
    "Schmitt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Meier",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Janssen",
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Smits",
    "de Jong",
    "Mulder",
    "Peeters",
    "Maes",
    "Claes",
    "Willems",
    "Dubois",
    "Lambert",
    "Martin",
    "Bernard",
    "Moreau",
    "Laurent",
    "Rossi",
    "Russo",
    "Ferrari",
    "Bianchi",
    "García",
    "Fernández",
    "López",
    "Kowalski",
    "Nowak",
    "Huber",
    "Gruber",
    "Bauer",
    "Pichler",
    "Nordlicht",
    "Alpenland",
    "Rheintal",
    "Hansa",
    "Euro",
    "Atlas",
    "Delta",
)
TRADES = (
    "",
    "",
    "",
    "Handels",
    "Logistik",
    "Bau",
    "Technik",
    "Transport",
    "Metallbau",
    "Elektro",
    "Consulting",
    "Trading",
    "Services",
    "Holding",
    "Industries",
    "Maschinenbau",
    "Food",
    "Pharma",
    "Textil",
    "Software",
    "Installatie",
    "Transporten",
    "Metaalbouw",
    "Bouw",
    "Distribution",
    "Systems",
    "Packaging",
    "Chemie",
)
# Legal forms by IBAN country, with how banks often shorten or spell them out.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "DE": ("GmbH", "GmbH", "AG", "GmbH & Co. KG", "KG", "e.K.", "OHG", "UG (haftungsbeschränkt)"),
    "AT": ("GmbH", "Ges.m.b.H.", "AG", "KG"),
    "NL": ("B.V.", "BV", "N.V.", "V.O.F."),
    "BE": ("BV", "NV", "SRL", "SA", "BVBA"),
    "FR": ("SARL", "SAS", "S.A.", "EURL"),
    "IT": ("S.r.l.", "S.p.A.", "S.a.s."),
    "ES": ("S.L.", "S.A."),
    "LU": ("S.à r.l.", "S.A."),
    "PL": ("Sp. z o.o.", "S.A."),
}
_SPELLED_OUT = {
    "GmbH": "Gesellschaft mit beschränkter Haftung",
    "AG": "Aktiengesellschaft",
    "B.V.": "Besloten Vennootschap",
    "BV": "B.V.",
    "S.A.": "SA",
    "SARL": "S.A.R.L.",
    "GmbH & Co. KG": "GmbH u. Co. KG",
    "S.r.l.": "SRL",
    "Sp. z o.o.": "SP ZOO",
}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
PEOPLE = (
    "Hans Weber",
    "J. Smit",
    "Marie Dupont",
    "Piotr Zielinski",
    "Anna Rossi",
    "K. de Boer",
    "Lena Gruber",
    "Tom Peeters",
    "Sofia Martínez",
    "Erik Lindqvist",
    "M. Schulte",
    "Claire Fontaine",
)


PLACES = (
    "Nord",
    "Süd",
    "West",
    "Ost",
    "Berlin",
    "Hamburg",
    "München",
    "Köln",
    "Rotterdam",
    "Utrecht",
    "Wien",
    "Graz",
    "Antwerpen",
    "Lyon",
    "Milano",
    "Madrid",
    "Kraków",
    "Rhein-Main",
    "Europe",
    "International",
)


def company_name(rng: random.Random, country: str, qualified: bool = False) -> str:
    """Stem, trade and legal form; ``qualified`` adds a place (``Müller Bau Köln GmbH``), as big ledgers need
    once the plain combinations run out."""
    stem = rng.choice(STEMS)
    trade = rng.choice(TRADES)
    form = rng.choice(LEGAL_FORMS[country])
    place = rng.choice(PLACES) if qualified else ""
    return " ".join(p for p in (stem, trade, place, form) if p)


def ascii_fold(text: str) -> str:
    """What a bank that only sends ASCII makes of a name (MT940 SWIFT set, OFX 1.x)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def payer_variant(name: str, rng: random.Random) -> str:
    """The name as the payer's bank sends it: one or two of the usual distortions."""
    out = name
    for _ in range(rng.randint(1, 2)):
        roll = rng.random()
        if roll < 0.2:
            out = out.upper()
        elif roll < 0.4:
            out = out.translate(_UMLAUTS)
        elif roll < 0.55:
            for short, long in _SPELLED_OUT.items():
                if out.endswith(" " + short):
                    out = out[: -len(short)] + long
                    break
        elif roll < 0.7:
            words = out.split()
            if len(words) > 2:
                out = " ".join(words[:-1])  # legal form dropped
        elif roll < 0.85:
            out = out[:27]  # DK ?32 sub-field width: names get cut
        else:
            out = out.replace(" & ", " und ").replace(" Co. ", " Co ")
    return out.strip()
