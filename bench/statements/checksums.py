"""Check digits for the identifiers the generated statements carry: IBAN (ISO 13616) and RF creditor
references (ISO 11649). Both are the same mod-97 scheme over letters turned into two-digit numbers."""

from __future__ import annotations

import random
import string

# BBAN length and the kind of characters banks use, for the countries the statements draw from.
_BBAN: dict[str, tuple[int, str]] = {
    "DE": (18, string.digits),
    "NL": (14, "bank"),  # 4 letters (bank code) + 10 digits
    "FR": (23, string.digits),
    "AT": (16, string.digits),
    "BE": (12, string.digits),
}
_NL_BANKS = ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "KNAB")


def _mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 over ``text`` with letters as A=10 ... Z=35."""
    digits = "".join(str(int(ch, 36)) for ch in text)
    return int(digits) % 97


def iban(country: str, bban: str) -> str:
    """The IBAN for ``bban`` in ``country`` (ISO 13616: check digits make the mod-97 remainder 1)."""
    check = 98 - _mod97(bban + country + "00")
    return f"{country}{check:02d}{bban}"


def random_iban(rng: random.Random, country: str | None = None) -> str:
    country = country or rng.choice(("DE", "DE", "DE", "NL", "NL", "FR", "AT", "BE"))
    length, kind = _BBAN[country]
    if kind == "bank":
        bban = rng.choice(_NL_BANKS) + "".join(rng.choices(string.digits, k=10))
    elif country == "BE":
        # Belgian BBAN carries its own mod-97 check in the last two digits.
        body = "".join(rng.choices(string.digits, k=10))
        check = int(body) % 97 or 97
        bban = f"{body}{check:02d}"
    else:
        bban = "".join(rng.choices(kind, k=length))
    return iban(country, bban)


def rf_reference(body: str) -> str:
    """ISO 11649 creditor reference ``RFkk<body>``: ``body`` + "RF00" rearranged, mod 97, 98 minus that."""
    check = 98 - _mod97(body.upper() + "RF00")
    return f"RF{check:02d}{body.upper()}"
