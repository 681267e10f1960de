"""camt.053 statements in the two versions banks send most: 001.08 (party names under ``Pty``, ``BICFI``,
``Sts/Cd``) and 001.02 (names directly under ``Dbtr``/``Cdtr``, ``BIC``, ``Sts`` as text). Direct-debit
collections of one run are one batch entry with a TxDtls per debtor; returns carry ``RtrInf``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

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
from bench.match.writers.common import amount_text

OWNER = "Beispiel Handels GmbH"
OPENING = Decimal("250000.00")
# ISO 20022 bank transaction codes per kind and direction.
_CODES = {
    (TRANSFER_IN, True): ("PMNT", "RCDT", "ESCT"),
    (TRANSFER_IN, False): ("PMNT", "ICDT", "ESCT"),
    (COLLECTION, True): ("PMNT", "IDDT", "ESDD"),
    (RETURN, False): ("PMNT", "IDDT", "UPDD"),
    (TRANSFER_OUT, False): ("PMNT", "ICDT", "ESCT"),
    (FEE, False): ("ACMT", "MDOP", "CHRG"),
    (INTEREST, True): ("ACMT", "MCOP", "INTR"),
    (INTEREST, False): ("ACMT", "MDOP", "INTR"),
}


def _x(text: str) -> str:
    return escape(text)


class _Camt:
    def __init__(self, account: OurAccount) -> None:
        self.v08 = account.format.endswith(".08")
        self.account = account

    def amt(self, amount: Decimal, currency: str) -> str:
        side = "CRDT" if amount >= 0 else "DBIT"
        return f'<Amt Ccy="{currency}">{amount_text(amount)}</Amt><CdtDbtInd>{side}</CdtDbtInd>'

    def party(self, role: str, name: str | None, extra: str = "") -> str:
        if not name and not extra:
            return ""
        nm = f"<Nm>{_x(name)}</Nm>" if name else ""
        return f"<{role}><Pty>{nm}{extra}</Pty></{role}>" if self.v08 else f"<{role}>{nm}{extra}</{role}>"

    def agent(self, role: str, bic: str | None) -> str:
        if not bic:
            return ""
        tag = "BICFI" if self.v08 else "BIC"
        return f"<{role}><FinInstnId><{tag}>{bic}</{tag}></FinInstnId></{role}>"

    def details(self, b: Booking, with_amount: bool) -> str:
        a = self.account
        refs = f"<AcctSvcrRef>{b.bank_ref}</AcctSvcrRef>"
        refs += f"<EndToEndId>{_x(b.end_to_end_id or 'NOTPROVIDED')}</EndToEndId>"
        if b.mandate_id:
            refs += f"<MndtId>{_x(b.mandate_id)}</MndtId>"
        out = [f"<TxDtls><Refs>{refs}</Refs>"]
        if with_amount:
            out.append(self.amt(b.amount, b.currency))
        if b.name or b.iban:
            # The customer is the debtor of a payment to us and of the collection a return undoes.
            customer_pays = b.amount > 0 or b.kind == RETURN
            them_acct = f"<Id><IBAN>{b.iban}</IBAN></Id>" if b.iban else ""
            us_acct = f"<Id><IBAN>{a.iban}</IBAN></Id>"
            cid = (
                f"<Id><PrvtId><Othr><Id>{b.creditor_id}</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id>"
                if b.creditor_id
                else ""
            )
            if customer_pays:
                parties = (
                    self.party("Dbtr", b.name)
                    + (f"<DbtrAcct>{them_acct}</DbtrAcct>" if them_acct else "")
                    + self.party("Cdtr", OWNER, cid)
                    + f"<CdtrAcct>{us_acct}</CdtrAcct>"
                )
                agents = self.agent("DbtrAgt", b.bic)
            else:
                parties = (
                    self.party("Dbtr", OWNER)
                    + f"<DbtrAcct>{us_acct}</DbtrAcct>"
                    + self.party("Cdtr", b.name)
                    + (f"<CdtrAcct>{them_acct}</CdtrAcct>" if them_acct else "")
                )
                agents = self.agent("CdtrAgt", b.bic)
            out.append(f"<RltdPties>{parties}</RltdPties>")
            if agents:
                out.append(f"<RltdAgts>{agents}</RltdAgts>")
        if b.reference or b.text:
            rmt = f"<Ustrd>{_x(b.text)}</Ustrd>" if b.text else ""
            if b.reference:
                issuer = f"<Issr>{b.reference_issuer}</Issr>" if b.reference_issuer else ""
                rmt += (
                    f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry>{issuer}</Tp>"
                    f"<Ref>{_x(b.reference)}</Ref></CdtrRefInf></Strd>"
                )
            out.append(f"<RmtInf>{rmt}</RmtInf>")
        if b.return_reason:
            out.append(f"<RtrInf><Rsn><Cd>{b.return_reason}</Cd></Rsn></RtrInf>")
        out.append("</TxDtls>")
        return "".join(out)

    def entry(self, out: TextIO, number: int, group: list[Booking]) -> None:
        first = group[0]
        total = sum((b.amount for b in group), Decimal(0))
        domain, family, sub = _CODES[(first.kind, total >= 0)]
        status = "<Sts><Cd>BOOK</Cd></Sts>" if self.v08 else "<Sts>BOOK</Sts>"
        reversal = "<RvslInd>true</RvslInd>" if first.kind == RETURN else ""
        entry_ref = first.bank_ref if len(group) == 1 else f"B{first.bank_ref}"
        out.write(
            f"<Ntry><NtryRef>{number}</NtryRef>{self.amt(total, first.currency)}{reversal}{status}"
            f"<BookgDt><Dt>{first.booking_date.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{first.booking_date.isoformat()}</Dt></ValDt><AcctSvcrRef>{entry_ref}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn>"
            "</BkTxCd><NtryDtls>"
        )
        if len(group) > 1:
            out.write(f"<Btch><NbOfTxs>{len(group)}</NbOfTxs>{self.amt(total, first.currency)}</Btch>")
        for b in group:
            out.write(self.details(b, len(group) > 1))
        out.write("</NtryDtls></Ntry>\n")


def _entries(bookings: Iterable[Booking]) -> list[list[Booking]]:
    groups: list[list[Booking]] = []
    batches: dict[str, list[Booking]] = {}
    for b in bookings:
        if b.batch is None:
            groups.append([b])
        elif b.batch in batches:
            batches[b.batch].append(b)
        else:
            batches[b.batch] = [b]
            groups.append(batches[b.batch])
    return groups


def write(path: Path, account: OurAccount, bookings: list[Booking], start: date, end: date, seq: int) -> None:
    """One statement of ``account`` from ``start`` to ``end`` holding ``bookings`` (in date order)."""
    c = _Camt(account)
    version = "001.08" if c.v08 else "001.02"
    total = sum((b.amount for b in bookings), Decimal(0))
    closing = OPENING + total
    groups = _entries(bookings)
    bic = f"<BICFI>{account.bic}</BICFI>" if c.v08 else f"<BIC>{account.bic}</BIC>"
    owner = f"<Ownr><Nm>{_x(OWNER)}</Nm></Ownr>"
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.{version}">\n<BkToCstmrStmt>\n'
            f"<GrpHdr><MsgId>{account.key.upper()}-{end:%Y%m%d}-{seq}</MsgId>"
            f"<CreDtTm>{end.isoformat()}T22:00:00+01:00</CreDtTm></GrpHdr>\n"
            f"<Stmt><Id>{account.key.upper()}-{end:%Y%m}-{seq}</Id><ElctrncSeqNb>{seq}</ElctrncSeqNb>"
            f"<CreDtTm>{end.isoformat()}T22:00:00+01:00</CreDtTm>"
            f"<FrToDt><FrDtTm>{start.isoformat()}T00:00:00+01:00</FrDtTm>"
            f"<ToDtTm>{end.isoformat()}T23:59:59+01:00</ToDtTm></FrToDt>\n"
            f"<Acct><Id><IBAN>{account.iban}</IBAN></Id><Ccy>{account.currency}</Ccy>{owner}"
            f"<Svcr><FinInstnId>{bic}</FinInstnId></Svcr></Acct>\n"
        )
        for code, amount, day in (("OPBD", OPENING, start), ("CLBD", closing, end)):
            out.write(
                f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>{c.amt(amount, account.currency)}"
                f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>\n"
            )
        out.write(f"<TxsSummry><TtlNtries><NbOfNtries>{len(groups)}</NbOfNtries></TtlNtries></TxsSummry>\n")
        for number, group in enumerate(groups, start=1):
            c.entry(out, number, group)
        out.write("</Stmt>\n</BkToCstmrStmt>\n</Document>\n")
