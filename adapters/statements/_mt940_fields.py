"""Readers for the fixed-format MT940 fields: balances (60a/62a/64/65), the statement line (61) and
the account identification (25). Each raises InputError with a plain message; the caller adds the line.

Field layouts follow the SWIFT MT940 message reference (Standards MT, Category 9):

* balances ``1!a6!n3!a15d``: D/C mark, YYMMDD date, ISO currency, amount with decimal comma;
* field 61 ``6!n[4!n]2a[1!a]15d1!a3!c16x[//16x][34x]``: value date, entry date (MMDD), D/C mark
  (C, D, RC, RD), funds code (third letter of the currency), amount, transaction type (N/F/S + 3 chars),
  customer reference, ``//`` bank reference, and supplementary details on the next line.

Banks bend these rules: amounts without decimals (``C500NTRF``) or with a point, leading zeros, spaces.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from stdnum import iban as stdnum_iban

from gateway.errors import InputError
from gateway.model import BankTxCode

_BALANCE = re.compile(r"\s*([CD])\s*(\d{6})\s*([A-Z]{3})\s*(\d[\d,.]*|[,.]\d+)\s*")

_LINE61 = re.compile(
    r"""\s*
    (?P<vd>\d{6})(?P<ed>\d{4})?
    (?P<mark>RC|RD|EC|ED|C|D)
    (?P<fc>[A-Z](?=[\d,.]))?
    (?P<amt>\d[\d,.]*|[,.]\d+)
    (?P<type>[A-Z][A-Z0-9]{3})?
    (?P<rest>.*)
    """,
    re.VERBOSE,
)

# Counterparty IBANs are checked per transaction, so first the cheap shape test, then ISO 13616 mod 97.
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}")
_LETTER_VALUES = {chr(c): str(c - 55) for c in range(65, 91)}
_IBAN_TRANS = str.maketrans(_LETTER_VALUES)

_CURRENCY_SUFFIX = re.compile(r"^(.*?)\s*([A-Z]{3})$")


def parse_amount(text: str) -> Decimal:
    """An MT940 amount: decimal comma (``1234,56``), sometimes a point or no decimals at all."""
    s = text.replace(",", ".")
    if s.count(".") > 1:
        raise InputError(f"amount {text!r} has more than one decimal separator")
    if s.endswith("."):
        s = s[:-1]
    elif s.startswith("."):
        s = "0" + s
    try:
        return Decimal(s)
    except InvalidOperation:
        raise InputError(f"not an amount: {text!r}") from None


_DATES: dict[str, date] = {}


def parse_yymmdd(text: str, what: str) -> date:
    """SWIFT dates are YYMMDD; years 80-99 are read as 19xx (older files exist), the rest as 20xx."""
    found = _DATES.get(text)
    if found is not None:
        return found
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:6])
    try:
        found = date(1900 + yy if yy >= 80 else 2000 + yy, mm, dd)
    except ValueError:
        raise InputError(f"{what} {text} is not a valid date (YYMMDD)") from None
    if len(_DATES) > 50_000:  # a statement file spans few distinct dates; keep the cache small anyway
        _DATES.clear()
    _DATES[text] = found
    return found


def entry_date(mmdd: str, value_date: date) -> date:
    """The entry (booking) date has no year: take the value date's year, moving across New Year when the
    two dates are more than half a year apart (value 31 Dec, booked 2 Jan is the following January)."""
    mm, dd = int(mmdd[:2]), int(mmdd[2:])
    year = value_date.year
    if mm - value_date.month > 6:
        year -= 1
    elif value_date.month - mm > 6:
        year += 1
    try:
        return date(year, mm, dd)
    except ValueError:
        raise InputError(f"entry date {mmdd} is not a valid date (MMDD)") from None


class ParsedBalance:
    __slots__ = ("amount", "currency", "date")

    def __init__(self, amount: Decimal, currency: str, when: date) -> None:
        self.amount = amount
        self.currency = currency
        self.date = when


def parse_balance(text: str, tag: str) -> ParsedBalance:
    m = _BALANCE.fullmatch(text)
    if m is None:
        raise InputError(
            f"balance :{tag}: {text.strip()!r} does not read as D/C mark, date YYMMDD, currency and amount"
        )
    mark, yymmdd, currency, amount = m.groups()
    value = parse_amount(amount)
    return ParsedBalance(
        -value if mark == "D" else value, currency, parse_yymmdd(yymmdd, f"balance :{tag}: date")
    )


# Read-only and shared: one BankTxCode per SWIFT transaction type instead of one per transaction.
_SWIFT_CODES: dict[str, BankTxCode] = {}


def swift_code(tx_type: str) -> BankTxCode:
    code = _SWIFT_CODES.get(tx_type)
    if code is None:
        if len(_SWIFT_CODES) > 4096:  # the types are a short list; this only guards against odd input
            _SWIFT_CODES.clear()
        code = _SWIFT_CODES[tx_type] = BankTxCode(proprietary=tx_type, issuer="SWIFT")
    return code


# Value date and entry date of field 61 by their text ("2609281001"): a statement has few distinct dates.
_LINE_DATES: dict[str, tuple[date, date | None]] = {}


def line_dates(vd: str, ed: str | None) -> tuple[date, date | None]:
    key = vd if ed is None else vd + ed
    found = _LINE_DATES.get(key)
    if found is None:
        value_date = parse_yymmdd(vd, "value date")
        found = (value_date, entry_date(ed, value_date) if ed else None)
        if len(_LINE_DATES) > 50_000:
            _LINE_DATES.clear()
        _LINE_DATES[key] = found
    return found


# The shape nearly every bank writes: value and entry date, C/D/RC/RD, an amount with a decimal comma, a
# transaction type. Where it matches, _LINE61 reads the same groups (its funds code is then empty).
_LINE61_USUAL = re.compile(r"([0-9]{10})(RC|RD|C|D)([0-9]+,[0-9]+)([A-Z][A-Z0-9]{3})(.*)")


def parse_line(
    text: str,
) -> tuple[Decimal, date, date | None, bool, str | None, str | None, str | None, str | None]:
    """Field 61 taken apart, signs applied, as one tuple (no object per line): ``(signed amount, value date,
    entry date, is reversal, funds code, transaction type, customer reference, bank reference)``."""
    m = _LINE61_USUAL.match(text)
    if m is not None:
        dates, mark, amt, tx_type, rest = m.groups()
        found = _LINE_DATES.get(dates)
        value_date, booked = found if found is not None else line_dates(dates[:6], dates[6:])
        value = Decimal(amt.replace(",", "."))
        fc = None
        if mark == "D" or mark == "RC":
            value = -value
    else:
        m = _LINE61.match(text)
        if m is None:
            raise _line61_error(text)
        vd, ed, mark, fc, amt, tx_type, rest = m.groups()
        value_date, booked = line_dates(vd, ed)
        value = parse_amount(amt)
        # SWIFT MT940 field 61 subfield 3: RC = reversal of credit (a debit), RD = reversal of debit (a
        # credit); MT942 also knows EC/ED (expected credit/debit).
        if mark == "D" or mark == "RC" or mark == "ED":
            value = -value
    if rest == "NONREF" or not rest:
        return value, value_date, booked, mark[0] == "R", fc, tx_type, None, None
    ref, sep, bank_ref = rest.partition("//")
    ref = ref.strip()
    bank_ref = bank_ref.strip()
    return (
        value,
        value_date,
        booked,
        mark[0] == "R",
        fc,
        tx_type,
        None if not ref or ref == "NONREF" else ref,
        bank_ref if sep and bank_ref else None,
    )


def _line61_error(text: str) -> InputError:
    return InputError(
        f"statement line :61: {text.strip()[:60]!r} does not start with a value date (YYMMDD), "
        "an optional entry date (MMDD), a debit/credit mark (C, D, RC, RD) and an amount"
    )


@lru_cache(maxsize=8192)
def iban_checks(text: str) -> bool:
    """ISO 13616 shape and mod-97 check digits (cheap enough to run on every counterparty)."""
    if _IBAN_SHAPE.fullmatch(text) is None:
        return False
    digits = (text[4:] + text[:4]).translate(_IBAN_TRANS)
    return int(digits) % 97 == 1


class AccountId:
    """Field 25 as written, plus what can be read from it: an IBAN, or ``BLZ/ACCOUNT``, and a currency suffix
    (``NL47INGB0001212121EUR``, ``NL34RABO0142623393 EUR``)."""

    __slots__ = ("bank_id", "currency", "iban", "number")

    def __init__(self, text: str) -> None:
        self.number = text.strip()
        self.iban: str | None = None
        self.bank_id: str | None = None
        self.currency: str | None = None
        body = text.strip()
        bank, slash, after = body.partition("/")
        if slash and bank.strip():
            self.bank_id = bank.strip()
            body = after.strip()
        for candidate in _iban_candidates(body):
            if stdnum_iban.is_valid(candidate[0]):
                self.iban = stdnum_iban.compact(candidate[0])
                self.currency = candidate[1]
                return


def _iban_candidates(text: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = [(text, None)]
    m = _CURRENCY_SUFFIX.match(text)
    if m and m.group(1):
        out.append((m.group(1), m.group(2)))
    return out
