"""camt.053.001.08 statement generator: one statement, N transaction details.

Entries carry TxDtls with Refs, RltdPties (camt.053.001.08 wraps party names in ``Pty``), RmtInf with
Ustrd or a Strd RF creditor reference (ISO 11649), and a share of batch entries (``Btch`` plus several
TxDtls, as banks book a direct-debit collection). Opening + booked entries = closing.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

from bench.statements.checksums import iban
from bench.statements.parties import Kind, Payment, PaymentSource
from bench.statements.plan import Truth, cents_text, entries, signed_text, summarize

VERSION = 1
NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
OWNER = "Beispiel Handels GmbH"
OWNER_IBAN = iban("DE", "370400440532013000")
OWNER_BIC = "COBADEFFXXX"
OPENING_CENTS = 25_000_000
START = date(2026, 10, 1)
DAYS = 31
BATCH_SHARE = 0.02

# ISO 20022 bank transaction codes (domain/family/subfamily) and a German GVC as the proprietary code.
_CODES: dict[tuple[str, bool], tuple[str, str, str, str]] = {
    (Kind.TRANSFER, True): ("PMNT", "RCDT", "ESCT", "NTRF+166"),
    (Kind.SALARY, True): ("PMNT", "RCDT", "SALA", "NTRF+153"),
    (Kind.TRANSFER, False): ("PMNT", "ICDT", "ESCT", "NTRF+116"),
    (Kind.DIRECT_DEBIT, False): ("PMNT", "IDDT", "ESDD", "NDDT+105"),
    (Kind.CARD, False): ("PMNT", "CCRD", "POSD", "NMSC+106"),
    (Kind.FEE, False): ("ACMT", "MDOP", "CHRG", "NCHG+805"),
}


@lru_cache(maxsize=4096)
def _x(text: str) -> str:
    return escape(text)


def _amount(cents: int) -> str:
    return f'<Amt Ccy="EUR">{cents_text(cents)}</Amt><CdtDbtInd>{"CRDT" if cents >= 0 else "DBIT"}</CdtDbtInd>'


def _balance(code: str, cents: int, day: date) -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>{_amount(cents)}"
        f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>\n"
    )


def _details(p: Payment, cents: int, with_amount: bool) -> str:
    credit = cents >= 0
    refs = f"<AcctSvcrRef>{p.bank_ref}</AcctSvcrRef><EndToEndId>{_x(p.end_to_end_id)}</EndToEndId>"
    if p.mandate_id:
        refs += f"<MndtId>{p.mandate_id}</MndtId>"
    parts = [f"<TxDtls><Refs>{refs}</Refs>"]
    if with_amount:
        parts.append(_amount(cents))
    if p.counterparty is not None:
        them = (p.counterparty.name, p.counterparty.iban)
        dbtr, cdtr = (them, (OWNER, OWNER_IBAN)) if credit else ((OWNER, OWNER_IBAN), them)
        # A direct debit names the creditor's SEPA creditor identifier next to its name.
        cdtr_id = (
            f"<Id><PrvtId><Othr><Id>{p.creditor_id}</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id>"
            if p.creditor_id
            else ""
        )
        parts.append(
            f"<RltdPties><Dbtr><Pty><Nm>{_x(dbtr[0])}</Nm></Pty></Dbtr>"
            f"<DbtrAcct><Id><IBAN>{dbtr[1]}</IBAN></Id></DbtrAcct>"
            f"<Cdtr><Pty><Nm>{_x(cdtr[0])}</Nm>{cdtr_id}</Pty></Cdtr>"
            f"<CdtrAcct><Id><IBAN>{cdtr[1]}</IBAN></Id></CdtrAcct></RltdPties>"
        )
        agent = "DbtrAgt" if credit else "CdtrAgt"
        parts.append(
            f"<RltdAgts><{agent}><FinInstnId><BICFI>{p.counterparty.bic}</BICFI></FinInstnId></{agent}></RltdAgts>"
        )
    if p.creditor_reference:
        parts.append(
            "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{p.creditor_reference}</Ref></CdtrRefInf></Strd></RmtInf>"
        )
    elif p.remittance:
        parts.append(f"<RmtInf><Ustrd>{_x(p.remittance)}</Ustrd></RmtInf>")
    parts.append("</TxDtls>")
    return "".join(parts)


def _entry(out: TextIO, number: int, details: list[int], payments: list[Payment]) -> None:
    first = payments[0]
    total = sum(details)
    domain, family, sub, prop = _CODES[(first.kind, total >= 0)]
    out.write(
        f"<Ntry><NtryRef>{number}</NtryRef>{_amount(total)}<Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{first.booking_date.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{first.value_date.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{first.bank_ref}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn>"
        f"<Prtry><Cd>{prop}</Cd><Issr>DK</Issr></Prtry></BkTxCd><NtryDtls>"
    )
    batch = len(details) > 1
    if batch:
        out.write(f"<Btch><NbOfTxs>{len(details)}</NbOfTxs>{_amount(total)}</Btch>")
    for cents, payment in zip(details, payments, strict=True):
        out.write(_details(payment, cents, batch))
    out.write("</NtryDtls></Ntry>\n")


def write(path: Path, transactions: int, seed: int = 2026) -> Truth:
    """Write the statement to ``path`` and return what a parser must find in it."""
    entry_count, total = summarize(seed, transactions, BATCH_SHARE)
    closing = OPENING_CENTS + total
    end = date(START.year, START.month, DAYS)
    payments = PaymentSource(seed + 1, START, DAYS)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Document xmlns="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            "<BkToCstmrStmt>\n"
            f"<GrpHdr><MsgId>BENCH-{seed}-{transactions}</MsgId><CreDtTm>{end.isoformat()}T22:15:00+01:00</CreDtTm>"
            "<MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn></GrpHdr>\n"
            f"<Stmt><Id>STMT-{end:%Y%m%d}-{seed}</Id><ElctrncSeqNb>{end.timetuple().tm_yday}</ElctrncSeqNb>"
            f"<LglSeqNb>{end.month}</LglSeqNb><CreDtTm>{end.isoformat()}T22:15:00+01:00</CreDtTm>"
            f"<FrToDt><FrDtTm>{START.isoformat()}T00:00:00+01:00</FrDtTm>"
            f"<ToDtTm>{end.isoformat()}T23:59:59+01:00</ToDtTm></FrToDt>\n"
            f"<Acct><Id><IBAN>{OWNER_IBAN}</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>{_x(OWNER)}</Nm></Ownr>"
            f"<Svcr><FinInstnId><BICFI>{OWNER_BIC}</BICFI></FinInstnId></Svcr></Acct>\n"
        )
        out.write(_balance("OPBD", OPENING_CENTS, START))
        out.write(_balance("CLBD", closing, end))
        out.write(f"<TxsSummry><TtlNtries><NbOfNtries>{entry_count}</NbOfNtries></TtlNtries></TxsSummry>\n")
        for number, details in enumerate(entries(seed, transactions, BATCH_SHARE), start=1):
            position = (number - 1) / entry_count
            payments_of = [payments.next(details[0] >= 0, position)]
            # A batch books many payments of one collection: same date and kind, different payers.
            payments_of += [payments.next(details[0] >= 0, position) for _ in details[1:]]
            _entry(out, number, details, payments_of)
        out.write("</Stmt>\n</BkToCstmrStmt>\n</Document>\n")
    return Truth(
        format="camt053",
        transactions=transactions,
        entries=entry_count,
        statements=1,
        total=signed_text(total),
        opening=signed_text(OPENING_CENTS),
        closing=signed_text(closing),
        seed=seed,
        generator_version=VERSION,
    )
