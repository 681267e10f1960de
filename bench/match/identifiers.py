"""Identifiers the world carries: IBANs (schwifty computes national and IBAN check digits), creditor
references with valid check digits (ISO 11649 RF, Belgian OGM/VCS, Dutch betalingskenmerk), invoice
numbers in three series, and the ways people mangle invoice numbers when they type them."""

from __future__ import annotations

import random
import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.be import ogm_vcs
from stdnum.iso7064 import mod_97_10

# (bank code, account code length) per country: bank codes schwifty knows, so BICs resolve where it can.
_BANKS: dict[str, tuple[tuple[str, ...], int]] = {
    "DE": (("37040044", "50010517", "10070000", "70150000", "20050550", "60050101"), 10),
    "NL": (("INGB", "RABO", "ABNA", "SNSB", "TRIO", "KNAB"), 10),
    "BE": (("539", "001", "310", "734", "063"), 7),
    "FR": (("3000600001", "3000400828", "1010700001"), 11),
    "AT": (("19043", "12000", "20111", "32000"), 11),
    "IT": (("0542811101", "0306909606"), 12),
    "ES": (("21000418", "00491500"), 10),
    "LU": (("001", "002"), 13),
    "PL": (("10901014", "10203017"), 16),
}
COUNTRIES = tuple(_BANKS)
FAST_COUNTRIES = ("DE", "NL", "AT", "LU")  # BBAN = bank code + account number, nothing else


def make_iban(rng: random.Random, country: str, national_check: bool = True) -> str:
    """A random IBAN of ``country`` whose national check digits hold too (where schwifty knows them,
    e.g. German account check methods, it rejects a random account number; draw again). Without
    ``national_check`` only the IBAN's own check digits are right: 100x faster, for the scale run."""
    banks, width = _BANKS[country]
    if not national_check:
        if country not in FAST_COUNTRIES:
            raise ValueError(f"{country} IBANs embed national check digits; draw them with national_check")
        bban = rng.choice(banks) + "".join(rng.choices("0123456789", k=width))
        return f"{country}{mod_97_10.calc_check_digits(bban + country)}{bban}"
    for _ in range(200):
        bank = rng.choice(banks)
        account = "".join(rng.choices("0123456789", k=width))
        try:
            iban = IBAN.generate(country, bank_code=bank, account_code=account)
            IBAN(str(iban), validate_bban=True)
        except SchwiftyException:
            continue
        return str(iban)
    raise RuntimeError(f"no valid {country} IBAN drawn")  # never seen; would mean a wrong bank code


def rf_reference(body: str) -> str:
    """ISO 11649: ``RF`` + two check digits + body, the digits making ``body + RF + kk`` mod 97 == 1."""
    body = body.upper()
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def rf_print(ref: str) -> str:
    """RF references are printed in groups of four."""
    return " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))


def ogm_reference(number: int) -> str:
    """Belgian structured communication ``+++123/4567/89012+++``: 10 digits, then mod 97 (97 for 0)."""
    body = f"{number % 10**10:010d}"
    digits = body + ogm_vcs.calc_check_digits(body)
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


_NL_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)


def nl_payment_reference(number: int) -> str:
    """Dutch 16-digit betalingskenmerk: a weighted mod-11 check digit in front of 15 digits."""
    body = f"{number % 10**15:015d}"
    total = sum(int(d) * _NL_WEIGHTS[i % 10] for i, d in enumerate(reversed(body)))
    check = 11 - total % 11
    check = {10: 1, 11: 0}.get(check, check)
    return f"{check}{body}"


def nl_print(ref: str) -> str:
    return " ".join(ref[i : i + 4] for i in range(0, 16, 4))


# Invoice number series: the main ERP's, a subsidiary's year/number, and a legacy plain number.
SERIES = ("INV", "SLASH", "PLAIN")


def invoice_id(series: str, year: int, number: int, width: int) -> str:
    if series == "INV":
        return f"INV-{year}-{number:0{width}d}"
    if series == "SLASH":
        return f"{year}/{number:0{max(3, width - 1)}d}"
    return str(10000 + number)


def _parts(inv_id: str) -> tuple[str, str, str]:
    """(prefix, year, number) of an invoice id; plain numbers have neither prefix nor year."""
    m = re.fullmatch(r"(?:(INV)-)?(\d{4})[-/](\d+)", inv_id)
    if m:
        return m.group(1) or "", m.group(2), m.group(3)
    return "", "", inv_id


def spelled(inv_id: str, rng: random.Random) -> str:
    """The invoice number as people type it: other separators, prefix dropped or changed, leading
    zeros lost. Always still the same number."""
    prefix, year, number = _parts(inv_id)
    short = str(int(number))
    if not year:
        return rng.choice((f"Nr. {number}", f"Rg-Nr {number}", f"#{number}", f"no.{number}", f"RE{number}"))
    choices = [
        f"{prefix} {year} {number}".strip(),
        f"{prefix}{year}{number}",
        f"{year}-{number}",
        f"{year}/{short}",
        f"{prefix or 'RE'}-{year}-{short}",
        f"{(prefix or 'inv').lower()}.{year}.{number}",
        f"{year}{number}",
        f"RG {year}/{short}",
    ]
    return rng.choice(choices)


def mistyped(inv_id: str, rng: random.Random) -> str:
    """One digit of the number wrong, or two adjacent digits swapped (the number part only)."""
    prefix, year, number = _parts(inv_id)
    digits = list(number)
    swappable = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]]
    if swappable and rng.random() < 0.5:
        i = rng.choice(swappable)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
    else:
        # Typos land on significant digits: a changed leading zero would be read past anyway.
        start = next((i for i, d in enumerate(digits) if d != "0"), 0)
        i = rng.randrange(start, len(digits))
        digits[i] = rng.choice([d for d in "0123456789" if d != digits[i] and (d != "0" or i > start)])
    typed = "".join(digits)
    if not year:
        return typed
    sep = "/" if "/" in inv_id else "-"
    return f"{prefix + '-' if prefix else ''}{year}{sep}{typed}"
