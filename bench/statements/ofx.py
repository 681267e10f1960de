"""OFX bank statement generators: OFX 1.0.2 (SGML, header lines, unclosed leaf elements, CRLF) and
OFX 2.1.1 (XML with the ``<?OFX ...?>`` processing instruction). One STMTRS with N STMTTRN.

OFX carries no opening balance; LEDGERBAL is the closing one. OFX 1.x declares CHARSET 1252, so names
stay ASCII there (as US banks send them); OFX 2.x is UTF-8 and keeps accents.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from bench.statements.parties import Kind, Payment, PaymentSource
from bench.statements.plan import Truth, entries, signed_text, summarize

VERSION = 1
START = date(2026, 10, 1)
DAYS = 31
OPENING_CENTS = 1_250_000

_HEADER_102 = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\n"
    "COMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)
_HEADER_211 = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<?OFX OFXHEADER="200" VERSION="211" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
)
_TRNTYPE = {
    (Kind.TRANSFER, True): "CREDIT",
    (Kind.SALARY, True): "DIRECTDEP",
    (Kind.TRANSFER, False): "XFER",
    (Kind.DIRECT_DEBIT, False): "DIRECTDEBIT",
    (Kind.CARD, False): "POS",
    (Kind.FEE, False): "FEE",
}


@lru_cache(maxsize=4096)
def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@lru_cache(maxsize=4096)
def _x(text: str) -> str:
    return escape(text)


def _stamp(day: date, hour: int) -> str:
    return f"{day:%Y%m%d}{hour:02d}0000.000[-5:EST]"


def _elements(p: Payment, cents: int, number: int, sgml: bool) -> list[tuple[str, str]]:
    """The STMTTRN children in the order the OFX 2.1.1 schema requires."""
    kind = _TRNTYPE[(p.kind, cents >= 0)]
    out = [("TRNTYPE", kind), ("DTPOSTED", _stamp(p.booking_date, 12))]
    if p.value_date != p.booking_date:
        out.append(("DTUSER", _stamp(p.value_date, 9)))
    out += [("TRNAMT", signed_text(cents)), ("FITID", f"{p.bank_ref}{number % 7}")]
    if p.kind == Kind.TRANSFER and cents < 0 and number % 5 == 0:
        out.append(("CHECKNUM", str(1000 + number % 9000)))
    name = p.counterparty.name if p.counterparty else "ACCOUNT FEE"
    memo = p.remittance or p.creditor_reference
    if sgml:
        name, memo = _ascii(name), _ascii(memo)
    out.append(("NAME", _x(name[:32])))  # OFX 1.x/2.x: NAME is at most 32 characters
    if memo:
        out.append(("MEMO", _x(memo)))
    return out


def write(path: Path, transactions: int, seed: int = 2026, version: int = 102) -> Truth:
    """Write an OFX ``version`` (102 or 211) statement with ``transactions`` STMTTRN."""
    sgml = version < 200
    nl = "\r\n" if sgml else "\n"
    count, total = summarize(seed, transactions)
    closing = OPENING_CENTS + total
    end = date(START.year, START.month, DAYS)
    payments = PaymentSource(seed + 1, START, DAYS)

    def leaf(tag: str, value: str) -> str:
        return f"<{tag}>{value}{nl}" if sgml else f"<{tag}>{value}</{tag}>{nl}"

    with path.open("w", encoding="ascii" if sgml else "utf-8", newline="") as out:
        out.write(_HEADER_102 if sgml else _HEADER_211)
        status = f"<STATUS>{nl}{leaf('CODE', '0')}{leaf('SEVERITY', 'INFO')}</STATUS>{nl}"
        out.write(
            f"<OFX>{nl}<SIGNONMSGSRSV1>{nl}<SONRS>{nl}{status}{leaf('DTSERVER', _stamp(end, 23))}"
            f"{leaf('LANGUAGE', 'ENG')}<FI>{nl}{leaf('ORG', 'BENCHBANK')}{leaf('FID', '10898')}</FI>{nl}"
            f"</SONRS>{nl}</SIGNONMSGSRSV1>{nl}<BANKMSGSRSV1>{nl}<STMTTRNRS>{nl}"
            f"{leaf('TRNUID', '1001')}{status}"
            f"<STMTRS>{nl}{leaf('CURDEF', 'USD')}<BANKACCTFROM>{nl}{leaf('BANKID', '121000248')}"
            f"{leaf('ACCTID', '4417283902')}{leaf('ACCTTYPE', 'CHECKING')}</BANKACCTFROM>{nl}"
            f"<BANKTRANLIST>{nl}{leaf('DTSTART', _stamp(START, 0))}{leaf('DTEND', _stamp(end, 23))}"
        )
        for number, (cents,) in enumerate(entries(seed, transactions), start=1):
            payment = payments.next(cents >= 0, (number - 1) / count)
            body = "".join(leaf(tag, value) for tag, value in _elements(payment, cents, number, sgml))
            out.write(f"<STMTTRN>{nl}{body}</STMTTRN>{nl}")
        out.write(
            f"</BANKTRANLIST>{nl}<LEDGERBAL>{nl}{leaf('BALAMT', signed_text(closing))}"
            f"{leaf('DTASOF', _stamp(end, 23))}</LEDGERBAL>{nl}<AVAILBAL>{nl}"
            f"{leaf('BALAMT', signed_text(closing))}{leaf('DTASOF', _stamp(end, 23))}</AVAILBAL>{nl}"
            f"</STMTRS>{nl}</STMTTRNRS>{nl}</BANKMSGSRSV1>{nl}</OFX>{nl}"
        )
    return Truth(
        format=f"ofx{version}",
        transactions=transactions,
        entries=count,
        statements=1,
        total=signed_text(total),
        opening="",
        closing=signed_text(closing),
        seed=seed,
        generator_version=VERSION,
    )
