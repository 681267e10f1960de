"""MT940 generator: SWIFT-enveloped messages (``{1:}{2:}{4: ... -}``), CRLF, lines of at most 65
characters, alternating between a German account (``?``-subfield ``:86:``, GVC codes, SEPA ``EREF+``
/``SVWZ+`` keywords) and a Dutch account (ING-style ``/EREF/``, ``/CNTP/``, ``/REMI/`` ``:86:``).

Each message is one statement of up to ``PAGE`` transactions; every account's balances chain from
message to message and each message adds up (``:60F:`` + its ``:61:`` lines = ``:62F:``). A few lines
are reversals (``RC`` = reversal of a credit, booked as a debit; ``RD`` the other way, SWIFT MT940
field 61 subfield 3).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TextIO

from bench.statements.checksums import iban
from bench.statements.parties import Kind, Payment, PaymentSource
from bench.statements.plan import Truth, cents_text, entries, signed_text, summarize

VERSION = 1
PAGE = 500
START = date(2026, 10, 1)
DAYS = 31
LINE = 65  # SWIFT MT940: 65 characters per line in fields 86 and 61
REVERSAL_SHARE = 0.003

_GERMAN = ("COBADEFFAXXX", "37040044/0532013000", 4_200_000)
_DUTCH = ("INGBNL2AAXXX", iban("NL", "INGB0001234567"), 1_800_000)

_GVC = {
    (Kind.TRANSFER, True): ("166", "SEPA-GUTSCHRIFT", "NTRF"),
    (Kind.SALARY, True): ("153", "SEPA-GUTSCHR.LOHN/GEHALT", "NTRF"),
    (Kind.TRANSFER, False): ("116", "SEPA-UEBERWEISUNG", "NTRF"),
    (Kind.DIRECT_DEBIT, False): ("105", "SEPA-BASISLASTSCHRIFT", "NDDT"),
    (Kind.CARD, False): ("106", "KARTENZAHLUNG", "NMSC"),
    (Kind.FEE, False): ("805", "ENTGELTABSCHLUSS", "NCHG"),
}
# SWIFT "x" character set; "?" and "/" are the :86: separators, so text never carries them.
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:().,'+ ")


@lru_cache(maxsize=8192)
def _swift(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("&", "+")).encode("ascii", "ignore").decode("ascii")
    return "".join(ch if ch in _ALLOWED else " " for ch in plain)


def _wrap(text: str, first: int) -> Iterator[str]:
    """Split ``text`` into lines (the first ``first`` characters long); a continuation line never
    starts with ``:`` or ``-`` (it would read as a new field or the end of the message) nor splits a
    ``?NN`` subfield code."""
    width = first
    while len(text) > width:
        cut = width
        while cut > 1 and (text[cut] in ":-" or "?" in text[cut - 2 : cut]):
            cut -= 1
        yield text[:cut]
        text = text[cut:]
        width = LINE
    yield text


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _german_86(p: Payment, credit: bool) -> str:
    gvc, label, _ = _GVC[(p.kind, credit)]
    words: list[str] = []
    if p.end_to_end_id != "NOTPROVIDED" and p.kind != Kind.FEE:
        words.append(f"EREF+{p.end_to_end_id}")
    if p.mandate_id:
        words += [f"MREF+{p.mandate_id}", f"CRED+{p.creditor_id}"]
    words.append(f"SVWZ+{_swift(p.remittance or p.creditor_reference)}")
    # DFUe/DTAUS: each ?2x purpose subfield holds at most 27 characters; ?20-?29 then ?60-?63.
    purpose = [chunk for word in words for chunk in _chunks(word, 27)]
    codes = [f"?{20 + i}" for i in range(10)] + [f"?{60 + i}" for i in range(4)]
    body = f"{gvc}?00{label}?10{9310 + len(purpose) % 7}"
    body += "".join(f"{code}{part}" for code, part in zip(codes, purpose, strict=False))
    if p.counterparty is not None:
        name = _swift(p.counterparty.name)
        body += f"?30{p.counterparty.bic}?31{p.counterparty.iban}?32{name[:27]}"
        if len(name) > 27:
            body += f"?33{name[27:54]}"
    return body + "?34997"


def _dutch_86(p: Payment) -> str:
    parts = []
    if p.end_to_end_id != "NOTPROVIDED":
        parts.append(f"/EREF/{p.end_to_end_id}")
    if p.mandate_id:
        parts.append(f"/MARF/{p.mandate_id}/CSID/{p.creditor_id}")
    if p.counterparty is not None:
        bic = p.counterparty.bic[:8]
        parts.append(f"/CNTP/{p.counterparty.iban}/{bic}/{_swift(p.counterparty.name)}/")
    if p.creditor_reference:
        parts.append(f"/REMI/STRD/CUR/{p.creditor_reference}/")
    else:
        parts.append(f"/REMI/USTD//{_swift(p.remittance)}/")
    return "/".join(parts)


def _balance(tag: str, cents: int, day: date, currency: str = "EUR") -> str:
    return f":{tag}:{'C' if cents >= 0 else 'D'}{day:%y%m%d}{currency}{cents_text(cents, ',')}\r\n"


def _message(
    out: TextIO,
    account: tuple[str, str, int],
    german: bool,
    seq: int,
    opening: int,
    batch: list[tuple[int, Payment]],
    rng: random.Random,
) -> int:
    bic, acct, _ = account
    first, last = batch[0][1].booking_date, batch[-1][1].booking_date
    out.write(
        f"{{1:F01{bic}0000000000}}{{2:O9402215{last:%y%m%d}{bic}0000{seq:06d}{last:%y%m%d}2215N}}{{4:\r\n"
        f":20:{'STARTUMSE' if german else f'P{last:%y%m%d}{seq:06d}'}\r\n:25:{acct}\r\n"
        f":28C:{seq:05d}/001\r\n"
    )
    out.write(_balance("60F", opening, first))
    balance = opening
    for cents, p in batch:
        balance += cents
        credit = cents >= 0
        mark = "C" if credit else "D"
        if rng.random() < REVERSAL_SHARE:
            mark = "RD" if credit else "RC"
        code = _GVC[(p.kind, credit)][2]
        custref = "NONREF" if german else ("EREF" if p.end_to_end_id != "NOTPROVIDED" else "NONREF")
        out.write(
            f":61:{p.value_date:%y%m%d}{p.booking_date:%m%d}{mark}{cents_text(cents, ',')}{code}"
            f"{custref}//{p.bank_ref}\r\n"
        )
        if not german:
            out.write(f"/TRCD/{_GVC[(p.kind, credit)][0]}00/\r\n")
        narrative = _german_86(p, credit) if german else _dutch_86(p)
        out.write(":86:" + "\r\n".join(_wrap(narrative, LINE - 4)) + "\r\n")
    out.write(_balance("62F", balance, last))
    out.write(_balance("64", balance, last))
    out.write("-}\r\n")
    return balance


def write(path: Path, transactions: int, seed: int = 2026) -> Truth:
    """Write ``transactions`` :61: lines in messages of at most ``PAGE``, alternating accounts."""
    count, total = summarize(seed, transactions)
    payments = PaymentSource(seed + 1, START, DAYS)
    rng = random.Random(seed + 2)
    accounts = [_GERMAN, _DUTCH]
    balances = [_GERMAN[2], _DUTCH[2]]
    plan = (details[0] for details in entries(seed, transactions))
    messages = 0
    number = 0
    first_opening = last_closing = 0
    with path.open("w", encoding="ascii", newline="") as out:
        while True:
            amounts = list(islice(plan, PAGE))
            if not amounts:
                break
            which = messages % 2
            batch = []
            for cents in amounts:
                batch.append((cents, payments.next(cents >= 0, number / count)))
                number += 1
            opening = balances[which]
            if messages == 0:
                first_opening = opening
            messages += 1
            balances[which] = last_closing = _message(out, accounts[which], which == 0, messages, opening, batch, rng)
    return Truth(
        format="mt940",
        transactions=transactions,
        entries=count,
        statements=messages,
        total=signed_text(total),
        opening=signed_text(first_opening),
        closing=signed_text(last_closing),
        seed=seed,
        generator_version=VERSION,
    )
