"""MT940 statements, one message per booking day, in the two ways banks fill field 86: Dutch
(``/EREF/../NAME/../IBAN/../REMI/USTD//..``, as ING and Rabobank send it) and German (GVC code and
``?20``..``?29`` Verwendungszweck sub-fields with ``EREF+``/``MREF+``/``SVWZ+``, ``?31`` IBAN, ``?32``
name)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import groupby
from pathlib import Path

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
from bench.match.writers.common import amount_text, swift_text, wrap

OPENING = Decimal("84000.00")
LINE = 65
SUBFIELD = 27  # DK: a ?2x purpose sub-field holds 27 characters
# kind -> (SWIFT transaction type, German GVC, German booking text, Dutch transaction code)
_TYPES = {
    TRANSFER_IN: ("NTRF", "166", "SEPA-GUTSCHRIFT", "944"),
    COLLECTION: ("NDDT", "171", "SEPA-LASTSCHRIFTEINZUG", "071"),
    RETURN: ("NRTI", "109", "SEPA-LS RUECKBELASTUNG", "078"),
    TRANSFER_OUT: ("NTRF", "116", "SEPA-UEBERWEISUNG", "544"),
    FEE: ("NCHG", "805", "ENTGELTABSCHLUSS", "093"),
    INTEREST: ("NINT", "814", "ZINSEN", "094"),
}


def _balance(tag: str, amount: Decimal, day: date, currency: str) -> str:
    return f":{tag}:{'C' if amount >= 0 else 'D'}{day:%y%m%d}{currency}{amount_text(amount, ',')}\r\n"


def _dutch_86(b: Booking) -> str:
    parts = []
    if b.return_reason:
        parts.append(f"/RTRN/{b.return_reason}")
    parts.append(f"/EREF/{swift_text(b.end_to_end_id) if b.end_to_end_id else 'NOTPROVIDED'}")
    if b.mandate_id:
        parts.append(f"/MARF/{swift_text(b.mandate_id)}/CSID/{b.creditor_id or ''}")
    if b.iban:
        parts.append(f"/IBAN/{b.iban}")
    if b.bic:
        parts.append(f"/BIC/{b.bic}")
    if b.name:
        parts.append(f"/NAME/{swift_text(b.name)}")
    if b.reference:
        parts.append(f"/REMI/STRD/CUR/{b.reference}/")
    elif b.text:
        parts.append(f"/REMI/USTD//{swift_text(b.text)}/")
    return "".join(parts)


def _german_86(b: Booking) -> str:
    _, gvc, label, _ = _TYPES[b.kind]
    words = []
    if b.end_to_end_id:
        words.append(f"EREF+{swift_text(b.end_to_end_id)}")
    if b.mandate_id:
        words += [f"MREF+{swift_text(b.mandate_id)}", f"CRED+{b.creditor_id or ''}"]
    if b.return_reason:
        words.append(f"RTRN+{b.return_reason}")
    purpose = " ".join(p for p in (b.reference, b.text) if p)
    words.append(f"SVWZ+{swift_text(purpose)}")
    chunks = [w[i : i + SUBFIELD] for w in words for i in range(0, len(w), SUBFIELD)][:14]
    codes = [f"?{20 + i}" for i in range(10)] + [f"?{60 + i}" for i in range(4)]
    body = f"{gvc}?00{label}?109310" + "".join(f"{c}{v}" for c, v in zip(codes, chunks, strict=False))
    if b.bic:
        body += f"?30{b.bic}"
    if b.iban:
        body += f"?31{b.iban}"
    if b.name:
        name = swift_text(b.name)
        body += f"?32{name[:SUBFIELD]}" + (f"?33{name[SUBFIELD : 2 * SUBFIELD]}" if len(name) > SUBFIELD else "")
    return body + "?34997"


def _lines_61(b: Booking, german: bool) -> Iterator[str]:
    swift_type, _, _, dutch_code = _TYPES[b.kind]
    mark = "C" if b.amount >= 0 else "D"
    if b.kind == RETURN and german:
        mark = "RC"  # reversal of the credit the collection booked
    yield (
        f":61:{b.booking_date:%y%m%d}{b.booking_date:%m%d}{mark}{amount_text(b.amount, ',')}{swift_type}"
        f"{'NONREF' if german else 'EREF'}//{b.bank_ref}\r\n"
    )
    if not german:
        yield f"/TRCD/{dutch_code}/\r\n"
    narrative = _german_86(b) if german else _dutch_86(b)
    yield ":86:" + "\r\n".join(wrap(narrative, LINE - 4, LINE)) + "\r\n"


def write(path: Path, account: OurAccount, bookings: list[Booking], start: date, end: date, seq: int) -> None:
    """Messages of ``account``, one per booking day, balances chained from message to message."""
    german = account.format == "mt940-german"
    bic = account.bic if len(account.bic) == 12 else account.bic[:8] + "A" + account.bic[8:].ljust(3, "X")
    acct = account.iban if not german else f"{account.iban[4:12]}/{account.iban[12:]}"
    balance = OPENING
    number = seq
    with path.open("w", encoding="ascii", newline="") as out:
        for day, group in groupby(bookings, key=lambda b: b.booking_date):
            items = list(group)
            number += 1
            out.write(
                f"{{1:F01{bic}0000000000}}{{2:O9402200{day:%y%m%d}{bic}0000{number:06d}{day:%y%m%d}2200N}}{{4:\r\n"
                f":20:{'STARTUMSE' if german else f'P{day:%y%m%d}{number:04d}'}\r\n:25:{acct}\r\n"
                f":28C:{number:05d}/001\r\n"
            )
            out.write(_balance("60F", balance, day, account.currency))
            for b in items:
                balance += b.amount
                out.writelines(_lines_61(b, german))
            out.write(_balance("62F", balance, day, account.currency))
            out.write("-}\r\n")
