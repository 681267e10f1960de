"""A ledger with realistic sample data, built the way production builds it: the ERP's customers and invoices
imported, the bank's statement file imported, and the matcher applying it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.api.auth import create_user
from gateway.importing import Importer, file_sha256
from gateway.ledger.apply import apply_transactions, pending_transactions
from gateway.ledger.erp_import import import_customers, import_invoices
from gateway.matching import MatchingConfig
from gateway.model.invoice import Customer, Invoice
from gateway.storage.tables import ImportFile

PASSWORD = "correct horse battery"  # every sample user's password
USERS = {"clara": "clerk", "max": "manager", "ada": "auditor", "mona": "manager"}
BOOKED = date.today() - timedelta(days=4)  # recent, as on a real morning

CUSTOMERS = [
    Customer("C-1001", "Nordwind Logistik GmbH", ("DE89370400440532013000",)),
    Customer("C-1002", "Van der Berg Bouw B.V.", ("NL91ABNA0417164300",)),
    Customer("C-1003", "Atelier Lumière SARL", ()),
    Customer("C-1004", "Brightwater Foods Ltd", ()),
    Customer("C-1005", "Kowalski Meble Sp. z o.o.", ()),
    Customer("C-1006", "Fjord Marine AS", ()),
]

# (invoice, customer, amount, days before BOOKED it was issued, creditor reference)
INVOICES = [
    ("INV-26-0101", "C-1001", "1250.00", 40, "RF18539007547034"),
    ("INV-26-0102", "C-1001", "318.40", 35, None),
    ("INV-26-0201", "C-1002", "2980.00", 30, None),
    ("INV-26-0301", "C-1003", "745.20", 28, None),
    ("INV-26-0302", "C-1003", "1204.80", 21, None),
    ("INV-26-0303", "C-1003", "99.00", 14, None),
    ("INV-26-0401", "C-1004", "560.00", 33, None),
    ("INV-26-0402", "C-1004", "560.00", 20, None),
    ("INV-26-0501", "C-1005", "1890.00", 25, None),
    ("INV-26-0601", "C-1006", "4320.00", 45, None),
    ("INV-26-0602", "C-1006", "212.50", 18, None),
]

# (bank ref, amount, payer, payer IBAN, remittance, creditor reference, days after BOOKED)
PAYMENTS = [
    ("B-7001", "1250.00", "Nordwind Logistik", "DE89370400440532013000", None, "RF18539007547034", 0),
    ("B-7002", "1950.00", "A. Lumiere", "FR1420041010050500013M02606", "Factures mars", None, 0),
    ("B-7003", "560.00", "Brightwater Foods", "GB29NWBK60161331926819", "Payment thank you", None, 1),
    ("B-7004", "2980.00", "Van der Berg Bouw BV", "NL91ABNA0417164300", "factuur INV-26-0201", None, 1),
    ("B-7005", "1885.00", "Kowalski Meble", "PL61109010140000071219812874", "FV 0501", None, 2),
    ("B-7006", "777.00", "Unknown Ltd", "GB33BUKB20201555555555", "ref 4471", None, 2),
    ("B-7007", "4320.00", "FJORD MARINE AS", "NO9386011117947", "INV-26-0601", None, 3),
    ("B-7008", "42.10", "Stadtwerke Refund", "DE44500105175407324931", "Gutschrift Abschlag", None, 3),
]


def sample_customers() -> list[Customer]:
    return list(CUSTOMERS)


def sample_invoices() -> list[Invoice]:
    names = {c.customer_id: c.name for c in CUSTOMERS}
    return [
        Invoice(
            invoice_id=number,
            customer_id=cid,
            customer_name=names[cid],
            currency="EUR",
            amount=Decimal(amount),
            open_amount=Decimal(amount),
            issue_date=BOOKED - timedelta(days=age),
            due_date=BOOKED - timedelta(days=age) + timedelta(days=30),
            reference=ref,
        )
        for number, cid, amount, age, ref in INVOICES
    ]


def _entry(ref: str, amount: str, payer: str, iban: str, text: str | None, scor: str | None, day: date) -> str:
    remittance = (
        f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{scor}</Ref></CdtrRefInf></Strd>"
        if scor
        else f"<Ustrd>{escape(text or '')}</Ustrd>"
    )
    return f"""
      <Ntry>
        <NtryRef>{ref}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>E2E-{ref}</EndToEndId></Refs>
          <Amt Ccy="EUR">{amount}</Amt>
          <RltdPties><Dbtr><Pty><Nm>{escape(payer)}</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>
          <RltdAgts><DbtrAgt><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></DbtrAgt></RltdAgts>
          <RmtInf>{remittance}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def write_statement(folder: Path) -> Path:
    """A camt.053 day statement of our collection account with the sample payments."""
    entries = "".join(
        _entry(ref, amount, payer, iban, text, scor, BOOKED + timedelta(days=after))
        for ref, amount, payer, iban, text, scor, after in PAYMENTS
    )
    day = BOOKED + timedelta(days=3)
    path = folder / f"collections-{day}.camt053.xml"
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-{day}</MsgId><CreDtTm>{day}T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-{day}</Id><ElctrncSeqNb>64</ElctrncSeqNb><CreDtTm>{day}T06:00:00</CreDtTm>
      <Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>{entries}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""",
        encoding="utf-8",
    )
    return path


def seed_users(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        for name, role in USERS.items():
            create_user(session, name, PASSWORD, role)
        session.commit()


def seed_ledger(sessions: sessionmaker[Session], folder: Path) -> None:
    with sessions() as session:
        import_customers(session, sample_customers(), actor="erp")
        import_invoices(session, sample_invoices(), actor="erp")
        session.commit()
    path = write_statement(folder)
    report = Importer(sessions).import_file(path)
    assert report.ok, report.error
    sha, _ = file_sha256(path)
    with sessions() as session:
        file_id = session.scalar(select(ImportFile.id).where(ImportFile.sha256 == sha))
        assert file_id is not None
        apply_transactions(session, pending_transactions(session, file_id), MatchingConfig(), origin=path.name)
        session.commit()
