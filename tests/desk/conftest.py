"""A customer in collections, for the document tests: partial payments, a returned direct debit, an allocation
undone and made again, write-offs with and without approval, a credit note, an invoice the ERP had partly
settled and one it had settled in full, a second currency, a payment on account, and the desk's records
(reminders, a broken payment plan, disputes, notes). Built through the real services (``tests.desk.books``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.desk.documents.config import Letterhead, load_letterhead
from gateway.ledger import service
from gateway.storage import make_engine, upgrade
from gateway.storage.desk_tables import (
    DeskContact,
    DeskDispute,
    DeskFollowUp,
    DeskFollowUpItem,
    DeskInstalment,
    DeskNote,
    DeskPromise,
)
from gateway.storage.ledger_tables import LedgerInvoice, LedgerPayment
from tests.desk.books import Book, make_book

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = "D-100"
NAME = "Åsa & <Brothers> Handel AB"
OTHER = "D-200"
AS_OF = date(2026, 3, 31)  # after everything the ledger recorded
NOTE_TEXT = "<script>alert(1)</script> delivery note missing & unsigned"


def letterhead() -> Letterhead:
    return load_letterhead(ROOT / "config" / "documents.toml")


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


@dataclass
class Case:
    engine: Engine
    sessions: sessionmaker[Session]
    book: Book
    payments: dict[str, int]  # p1..p5, r1 -> payment id

    def bank_ref(self, name: str) -> str:
        with self.sessions() as session:
            ref = session.get_one(LedgerPayment, self.payments[name]).bank_ref
            assert ref is not None
            return ref


def _invoice_pk(session: Session, invoice_id: str) -> int:
    return session.scalars(select(LedgerInvoice.id).where(LedgerInvoice.invoice_id == invoice_id)).one()


def _desk_records(session: Session) -> None:
    session.add(
        DeskContact(
            customer_id=CUSTOMER,
            email="ap@asa-brothers.example",
            contact_name="Erik Lund",
            language="en",
            updated_at=at(date(2026, 1, 2)),
        )
    )
    for run_date, level, name, channel, status, items in (
        (
            date(2026, 3, 20),
            1,
            "friendly reminder",
            "email",
            "sent",
            (("INV-2", "480.00", 29), ("INV-5", "1300.00", 79)),
        ),
        (date(2026, 4, 10), 2, "second reminder", "letter", "recorded", (("INV-2", "480.00", 50),)),
    ):
        follow_up = DeskFollowUp(
            customer_id=CUSTOMER,
            run_date=run_date,
            level=level,
            level_name=name,
            channel=channel,
            currency="EUR",
            total_overdue=sum((D(a) for _, a, _ in items), D(0)),
            fee=D("0.00") if level == 1 else D("5.00"),
            interest=D("0.00") if level == 1 else D("3.12"),
            recipient="ap@asa-brothers.example" if channel == "email" else None,
            subject=f"{name}: {NAME}",
            body="...",
            status=status,
            error=None,
            actor="follow-up",
            created_at=at(run_date),
            sent_at=at(run_date) if status == "sent" else None,
        )
        session.add(follow_up)
        session.flush()
        for invoice_id, amount, days in items:
            session.add(
                DeskFollowUpItem(
                    follow_up_id=follow_up.id,
                    invoice_id=_invoice_pk(session, invoice_id),
                    level=level,
                    open_amount=D(amount),
                    days_overdue=days,
                    fee=D("0.00"),
                    interest=D("0.00"),
                )
            )
    plan = DeskPromise(
        customer_id=CUSTOMER,
        kind="plan",
        currency="EUR",
        total=D("480.00"),
        starts_on=date(2026, 3, 21),
        grace_days=3,
        invoice_ids=["INV-2"],
        status="broken",
        note="two instalments agreed on the phone",
        created_by="clerk.anna",
        created_at=at(date(2026, 3, 21)),
        closed_at=at(date(2026, 4, 20)),
        closed_reason="instalment 2 not paid",
    )
    session.add(plan)
    session.flush()
    session.add_all(
        [
            DeskInstalment(
                promise_id=plan.id,
                seq=1,
                due_date=date(2026, 3, 28),
                amount=D("240.00"),
                paid=D("240.00"),
                status="kept",
                settled_on=date(2026, 3, 28),
            ),
            DeskInstalment(
                promise_id=plan.id,
                seq=2,
                due_date=date(2026, 4, 15),
                amount=D("240.00"),
                paid=D("0.00"),
                status="broken",
                settled_on=None,
            ),
        ]
    )
    session.add_all(
        [
            DeskDispute(
                invoice_id=_invoice_pk(session, "INV-3"),
                customer_id=CUSTOMER,
                reason="goods not received",
                status="open",
                opened_by="clerk.anna",
                opened_at=at(date(2026, 3, 15)),
            ),
            DeskDispute(
                invoice_id=_invoice_pk(session, "INV-2"),
                customer_id=CUSTOMER,
                reason="price disagreement",
                status="resolved",
                opened_by="clerk.anna",
                opened_at=at(date(2026, 2, 20)),
                resolved_by="manager.mia",
                resolved_at=at(date(2026, 3, 1)),
                resolution="credit note CN-1 agreed",
            ),
            DeskNote(
                customer_id=CUSTOMER,
                invoice_id=None,
                text="Called Erik Lund: INV-2 in two parts",
                author="clerk.anna",
                created_at=at(date(2026, 3, 18)),
            ),
            DeskNote(
                customer_id=CUSTOMER,
                invoice_id=_invoice_pk(session, "INV-3"),
                text=NOTE_TEXT,
                author="clerk.ben",
                created_at=at(date(2026, 3, 16)),
            ),
        ]
    )


def build_case(book: Book) -> Case:
    """The customer's story, in the order it happened (see the module docstring)."""
    book.customer(CUSTOMER, NAME)
    book.customer(OTHER, "Fjord Marine AS")
    book.invoice("INV-1", CUSTOMER, "1000.00", date(2026, 2, 4), issued=date(2026, 1, 5))
    book.invoice("INV-2", CUSTOMER, "500.00", date(2026, 2, 19), issued=date(2026, 1, 20))
    book.invoice("INV-3", CUSTOMER, "300.00", date(2026, 3, 3), issued=date(2026, 2, 1))
    book.invoice("INV-4", CUSTOMER, "300.00", date(2026, 3, 12), issued=date(2026, 2, 10))
    book.invoice("INV-5", CUSTOMER, "2000.00", date(2025, 12, 31), issued=date(2025, 12, 1), open_amount="1500.00")
    book.invoice("INV-6", CUSTOMER, "250.00", date(2026, 1, 31), issued=date(2026, 1, 1), open_amount="0.00")
    book.invoice("CN-1", CUSTOMER, "-150.00", date(2026, 2, 15), issued=date(2026, 2, 15))
    book.invoice("USD-1", CUSTOMER, "1200.00", date(2026, 3, 31), issued=date(2026, 3, 1), currency="USD")
    book.invoice("OTH-1", OTHER, "100.00", date(2026, 3, 1))
    payments = {
        "p1": book.pay(date(2026, 2, 10), "400.00", ("INV-1", "400.00")),
        "p3": book.pay(date(2026, 2, 19), "500.00", ("INV-2", "500.00"), e2e="DD-INV-2"),
    }
    payments["r1"] = book.returned(date(2026, 2, 24), "500.00", "DD-INV-2")
    payments["p2"] = book.pay(date(2026, 3, 1), "600.00", ("INV-1", "600.00"))
    payments["p4"] = book.pay(date(2026, 3, 5), "300.00", ("INV-3", "300.00"))
    book.undo(date(2026, 3, 6), payments["p4"])
    with book.sessions() as session, session.begin():
        service.allocate(session, payments["p4"], [("INV-4", D("300.00"))], actor="clerk.ben", reason="meant INV-4")
    payments["p5"] = book.pay(date(2026, 3, 10), "700.00", ("INV-5", "200.00"))
    book.clock.day = date(2026, 3, 25)
    with book.sessions() as session, session.begin():
        service.write_off(
            session,
            "INV-2",
            D("20.00"),
            "bank charges deducted",
            actor="clerk.ben",
            approved_by=None,
            config=book.config,
        )
    book.clock.day = date(2026, 3, 26)
    with book.sessions() as session, session.begin():
        service.write_off(
            session,
            "INV-5",
            D("80.00"),
            "goodwill: damaged pallet",
            actor="clerk.ben",
            approved_by="manager.mia",
            config=book.config,
        )
    with book.sessions() as session, session.begin():
        _desk_records(session)
    book.clock.day = AS_OF
    return Case(book.engine, book.sessions, book, payments)


@pytest.fixture
def case(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Case:
    """The story on SQLite and PostgreSQL."""
    return build_case(make_book(engine, tmp_path, monkeypatch))


@pytest.fixture(scope="session")
def sqlite_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    """The story once on SQLite, for the tests that only read it (rendering PDFs, the command line)."""
    folder = tmp_path_factory.mktemp("desk-documents")
    engine = make_engine(f"sqlite:///{folder / 'gateway.db'}")
    upgrade(engine)
    with pytest.MonkeyPatch.context() as monkeypatch:  # the clock only while the story is written
        built = build_case(make_book(engine, folder, monkeypatch))
    yield built
    engine.dispose()


def pdf_text(pdf: bytes) -> str:
    """The text of every page, as a reader gets it back out of the PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squeezed(text: str) -> str:
    """Without any whitespace: a long token a table cell wrapped is found again."""
    return "".join(text.split())
