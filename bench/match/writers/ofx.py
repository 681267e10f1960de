"""OFX 1.0.2 (SGML: header lines, unclosed leaf elements, CRLF, CHARSET 1252 so ASCII names) as some
banks still export for accounting packages. OFX names no counterparty account: only NAME and MEMO."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from bench.match.bookings import FEE, INTEREST, RETURN, TRANSFER_OUT, Booking, OurAccount
from bench.match.names import ascii_fold
from bench.match.writers.common import amount_text

OPENING = Decimal("31000.00")
_HEADER = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\n"
    "COMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)
_TYPES = {FEE: "SRVCHG", INTEREST: "INT", TRANSFER_OUT: "DEBIT", RETURN: "DEBIT"}


def _stamp(day: date) -> str:
    return f"{day:%Y%m%d}120000.000[+1:CET]"


def _leaf(tag: str, value: str) -> str:
    return f"<{tag}>{value}\r\n"


def write(path: Path, account: OurAccount, bookings: list[Booking], start: date, end: date, seq: int) -> None:
    closing = OPENING + sum((b.amount for b in bookings), Decimal(0))
    with path.open("w", encoding="ascii", newline="") as out:
        out.write(_HEADER)
        out.write(
            "<OFX>\r\n<SIGNONMSGSRSV1>\r\n<SONRS>\r\n<STATUS>\r\n<CODE>0\r\n<SEVERITY>INFO\r\n</STATUS>\r\n"
            f"{_leaf('DTSERVER', _stamp(end))}{_leaf('LANGUAGE', 'FRA')}</SONRS>\r\n</SIGNONMSGSRSV1>\r\n"
            f"<BANKMSGSRSV1>\r\n<STMTTRNRS>\r\n{_leaf('TRNUID', str(seq))}"
            "<STATUS>\r\n<CODE>0\r\n<SEVERITY>INFO\r\n"
            f"</STATUS>\r\n<STMTRS>\r\n{_leaf('CURDEF', account.currency)}<BANKACCTFROM>\r\n"
            f"{_leaf('BANKID', account.iban[4:9])}{_leaf('ACCTID', account.iban[14:25])}"
            f"{_leaf('ACCTTYPE', 'CHECKING')}</BANKACCTFROM>\r\n<BANKTRANLIST>\r\n"
            f"{_leaf('DTSTART', _stamp(start))}{_leaf('DTEND', _stamp(end))}"
        )
        for b in bookings:
            kind = _TYPES.get(b.kind, "CREDIT" if b.amount >= 0 else "DEBIT")
            sign = "-" if b.amount < 0 else ""
            out.write(
                f"<STMTTRN>\r\n{_leaf('TRNTYPE', kind)}{_leaf('DTPOSTED', _stamp(b.booking_date))}"
                f"{_leaf('TRNAMT', sign + amount_text(b.amount))}{_leaf('FITID', b.bank_ref)}"
            )
            if b.name:
                out.write(_leaf("NAME", escape(ascii_fold(b.name)[:32])))
            memo = " ".join(p for p in (b.reference, b.text) if p)
            if memo:
                out.write(_leaf("MEMO", escape(ascii_fold(memo))))
            out.write("</STMTTRN>\r\n")
        out.write(
            f"</BANKTRANLIST>\r\n<LEDGERBAL>\r\n{_leaf('BALAMT', f'{closing:.2f}')}"
            f"{_leaf('DTASOF', _stamp(end))}"
            "</LEDGERBAL>\r\n</STMTRS>\r\n</STMTTRNRS>\r\n</BANKMSGSRSV1>\r\n</OFX>\r\n"
        )
