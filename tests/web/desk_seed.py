"""The credit manager's desk on top of the sample ledger (``tests.web.seed``): a year of history for Nordwind
(invoices paid late by a statement of old payments, old items still open, a credit note), contacts, a broken
promise and an open one, a reminder sent, a dispute, a note, bureau reports, credit decisions, an approved
order not yet invoiced and a limit set by the credit manager.

Every date is counted from ``seed.BOOKED``, so the figures on ``AS_OF`` are the same whichever day the tests run.
Nordwind (C-1001) on ``AS_OF``:

    open items   INV-26-0012   1,190.00  due in 16 days            -> current
                 INV-26-0102     318.40  9 days past due           -> 1-30
                 CN-26-0001     -150.00  credit note, 24 days      -> 1-30
                 INV-26-0011     420.00  52 days                   -> 31-60
                 INV-26-0010     640.00  74 days                   -> 61-90
                 INV-25-1008   1,750.00  104 days                  -> 90+
    paid         INV-25-1001..1007 and INV-26-0101, 0 to 20 days late: average 9.125, weighted by amount 9.623...
    reserved     2,500.00 (the order approved two days before BOOKED)
    limit        8,000.00 EUR from that decision; Brightwater (C-1004) has an override of 3,000.00 EUR
    promises     one broken (closed today, so inside the year before AS_OF)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.credit import records
from gateway.desk.contacts import ContactRow, import_contacts
from gateway.desk.notes import add_note, open_dispute
from gateway.desk.promises import add_promise, track_promises
from gateway.importing import Importer, file_sha256
from gateway.ledger.apply import apply_transactions, pending_transactions
from gateway.ledger.erp_import import import_invoices
from gateway.matching import MatchingConfig
from gateway.model.credit_report import (
    CompanyIdentity,
    CompanyStatus,
    CreditReport,
    NegativeEvent,
    NegativeEventKind,
)
from gateway.model.invoice import Invoice
from gateway.model.money import Money
from gateway.storage.credit_tables import CreditDecisionRow, CreditOverride, CreditReservation
from gateway.storage.desk_tables import DeskFollowUp, DeskFollowUpItem
from gateway.storage.ledger_tables import LedgerInvoice
from gateway.storage.tables import ImportFile
from tests.web.seed import BOOKED, _entry

AS_OF = BOOKED + timedelta(days=4)  # the day the desk's tests look at: the day the sample ledger was built
NORDWIND = "C-1001"
NORDWIND_NAME = "Nordwind Logistik GmbH"
NORDWIND_IBAN = "DE89370400440532013000"

# (invoice, amount, days before BOOKED it was issued, days late it was paid); due 30 days after issue
PAID_HISTORY = [
    ("INV-25-1001", "1000.00", 320, 5),
    ("INV-25-1002", "2000.00", 290, 12),
    ("INV-25-1003", "1500.00", 260, 0),
    ("INV-25-1004", "800.00", 230, 20),
    ("INV-25-1005", "1200.00", 200, 8),
    ("INV-25-1006", "2500.00", 170, 15),
    ("INV-25-1007", "900.00", 140, 3),
]
# (invoice, amount, days before BOOKED it was issued): still open
OPEN_HISTORY = [
    ("INV-25-1008", "1750.00", 130),
    ("INV-26-0010", "640.00", 100),
    ("INV-26-0011", "420.00", 78),
    ("CN-26-0001", "-150.00", 50),  # a credit note, due 30 days after issue like the invoices
    ("INV-26-0012", "1190.00", 10),
]
BUREAU, BUREAU_ID = "creditsafe", "DE-HRB-20931"


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def history_invoices() -> list[Invoice]:
    rows = [(n, a, age) for n, a, age, _ in PAID_HISTORY] + OPEN_HISTORY
    return [
        Invoice(
            invoice_id=number,
            customer_id=NORDWIND,
            customer_name=NORDWIND_NAME,
            currency="EUR",
            amount=Decimal(amount),
            open_amount=Decimal(amount),
            issue_date=BOOKED - timedelta(days=age),
            due_date=BOOKED - timedelta(days=age) + timedelta(days=30),
        )
        for number, amount, age in rows
    ]


def write_history_statement(folder: Path) -> Path:
    """Nordwind's payments of the last year, each naming its invoice, booked on the day it was paid."""
    entries = "".join(
        _entry(
            f"H-{number[-4:]}",
            amount,
            "Nordwind Logistik",
            NORDWIND_IBAN,
            f"Rechnung {number}",
            None,
            BOOKED - timedelta(days=age) + timedelta(days=30 + late),
        )
        for number, amount, age, late in PAID_HISTORY
    )
    path = folder / "collections-history.camt053.xml"
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-HISTORY</MsgId><CreDtTm>{BOOKED}T05:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-HISTORY</Id><ElctrncSeqNb>12</ElctrncSeqNb><CreDtTm>{BOOKED}T05:00:00</CreDtTm>
      <Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>{entries}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""",
        encoding="utf-8",
    )
    return path


def _report(day: date, score: str, band: str, limit: str, *, events: int = 0) -> CreditReport:
    return CreditReport(
        bureau=BUREAU,
        company=CompanyIdentity(
            bureau_id=BUREAU_ID, name="NORDWIND LOGISTIK GMBH", country="DE", status=CompanyStatus.ACTIVE
        ),
        score=Decimal(score),
        bureau_score=score,
        bureau_band=band,
        credit_limit=Money(Decimal(limit), "EUR"),
        negative_events=tuple(
            NegativeEvent(kind=NegativeEventKind.PAYMENT_DEFAULT, date=day - timedelta(days=40)) for _ in range(events)
        ),
        report_date=day,
        fetched_at=_at(day, 7),
    )


def seed_credit(session: Session) -> None:
    now = datetime.now(UTC)
    records.set_profile(
        session,
        records.Profile(NORDWIND, "DE", NORDWIND_NAME, "HRB 20931", "DE811907980", BUREAU, BUREAU_ID),
        _at(BOOKED - timedelta(days=200), 6),
    )
    older = records.store_report(session, _report(BOOKED - timedelta(days=200), "71", "B", "12000.00"))
    newer = records.store_report(session, _report(BOOKED - timedelta(days=25), "58", "C", "8000.00", events=1))
    decisions = [
        # (days before BOOKED, order, decision, reasons, limit, exposure, report)
        (60, "4000.00", "refer", [("SCORE_BELOW_APPROVE", "score 71 is below the approval threshold")], None,
         "3760.00", older.id),
        (2, "2500.00", "approve", [("WITHIN_LIMIT", "exposure after the order is within the limit")], "8000.00",
         "4168.40", newer.id),
    ]
    for days, order, outcome, reasons, limit, exposure, report_id in decisions:
        decision_id = session.execute(
            insert(CreditDecisionRow).returning(CreditDecisionRow.id),
            [
                {
                    "decided_at": _at(BOOKED - timedelta(days=days), 10),
                    "request_id": f"ord-{days}",
                    "client": "webshop",
                    "customer_id": NORDWIND,
                    "order_amount": Decimal(order),
                    "currency": "EUR",
                    "decision": outcome,
                    "reasons": [{"code": c, "message": m} for c, m in reasons],
                    "credit_limit": None if limit is None else Decimal(limit),
                    "exposure": Decimal(exposure),
                    "report_id": report_id,
                    "override_id": None,
                    "details": {"limit_source": "bureau" if limit else None},
                }
            ],
        ).scalar_one()
        if outcome == "approve":  # the order is not invoiced yet: its amount is reserved for a month
            session.add(
                CreditReservation(
                    decision_id=decision_id,
                    customer_id=NORDWIND,
                    amount=Decimal(order),
                    currency="EUR",
                    created_at=now - timedelta(days=2),
                    expires_at=now + timedelta(days=28),
                )
            )
    session.add(
        CreditOverride(
            customer_id="C-1004",
            limit_amount=Decimal("3000.00"),
            currency="EUR",
            valid_until=BOOKED + timedelta(days=90),
            reason="parent company guarantee",
            created_by="max",
            created_at=_at(BOOKED - timedelta(days=10)),
            revoked_at=None,
        )
    )


def seed_follow_up(session: Session) -> None:
    """The first reminder Nordwind got, 40 days before BOOKED, for the two invoices overdue then."""
    day = BOOKED - timedelta(days=40)
    rows = session.execute(
        select(LedgerInvoice.invoice_id, LedgerInvoice.id).where(
            LedgerInvoice.invoice_id.in_(["INV-25-1008", "INV-26-0010"])
        )
    )
    ids = {number: pk for number, pk in rows}
    follow_up_id = session.execute(
        insert(DeskFollowUp).returning(DeskFollowUp.id),
        [
            {
                "customer_id": NORDWIND,
                "run_date": day,
                "level": 1,
                "level_name": "Payment reminder",
                "channel": "email",
                "currency": "EUR",
                "total_overdue": Decimal("2390.00"),
                "fee": Decimal("0.00"),
                "interest": Decimal("0.00"),
                "recipient": "ap@nordwind.example",
                "subject": "Payment reminder: 2 invoices overdue",
                "body": "Dear Ms Nordwind,\n\nour records show two invoices overdue ...",
                "status": "sent",
                "error": None,
                "actor": "follow-up",
                "created_at": _at(day, 6),
                "sent_at": _at(day, 6),
            }
        ],
    ).scalar_one()
    for number, amount, overdue in (("INV-25-1008", "1750.00", 60), ("INV-26-0010", "640.00", 30)):
        session.add(
            DeskFollowUpItem(
                follow_up_id=follow_up_id,
                invoice_id=ids[number],
                level=1,
                open_amount=Decimal(amount),
                days_overdue=overdue,
                fee=Decimal("0.00"),
                interest=Decimal("0.00"),
            )
        )


def seed_desk(sessions: sessionmaker[Session], folder: Path) -> None:
    with sessions() as session:
        import_invoices(session, history_invoices(), actor="erp")
        session.commit()
    path = write_history_statement(folder)
    report = Importer(sessions).import_file(path)
    assert report.ok, report.error
    sha, _ = file_sha256(path)
    with sessions() as session:
        file_id = session.scalar(select(ImportFile.id).where(ImportFile.sha256 == sha))
        assert file_id is not None
        apply_transactions(session, pending_transactions(session, file_id), MatchingConfig(), origin=path.name)
        session.commit()
        history = [n for n, *_ in PAID_HISTORY]
        still_open = session.scalars(
            select(LedgerInvoice.invoice_id).where(LedgerInvoice.invoice_id.in_(history), LedgerInvoice.is_open)
        ).all()
        assert not still_open, f"the matcher left history invoices open: {still_open}"

    with sessions() as session:
        import_contacts(
            session,
            [
                ContactRow(NORDWIND, "ap@nordwind.example", "Petra Nordwind"),
                ContactRow("C-1003", "compta@atelier-lumiere.example", "Service comptable", "fr"),
                ContactRow("C-1004", "accounts@brightwater.example", "Accounts payable"),
            ],
            actor="erp",
        )
        seed_credit(session)
        seed_follow_up(session)
        # A promise Nordwind broke two months ago ...
        add_promise(
            session,
            NORDWIND,
            "EUR",
            [(BOOKED - timedelta(days=60), Decimal("640.00"))],
            actor="max",
            invoice_ids=["INV-26-0010"],
            note="promised on the phone",
            grace_days=3,
            starts_on=BOOKED - timedelta(days=70),
        )
        track_promises(session, BOOKED - timedelta(days=50), actor="follow-up")
        # ... and one Brightwater made this week.
        add_promise(
            session,
            "C-1004",
            "EUR",
            [(BOOKED + timedelta(days=7), Decimal("560.00"))],
            actor="clara",
            invoice_ids=["INV-26-0401"],
            note="pays with the next payment run",
            starts_on=BOOKED,
        )
        open_dispute(session, "INV-26-0302", "two of twelve pallets were not delivered", actor="clara")
        add_note(
            session,
            NORDWIND,
            "Spoke to Petra (accounts payable): INV-25-1008 waits for their controller's sign-off.",
            actor="max",
            invoice_id="INV-25-1008",
        )
        session.commit()
