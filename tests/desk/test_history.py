"""The payment-history file: every invoice with each payment, its bank reference and the bank statement and file
it came from, returns, undos and write-offs, days late, reminders, promises, disputes and notes; totals that add
up to the ledger's open amounts (or no file at all); the events in date order with a running balance; as CSV,
escaped HTML and a PDF that reads back."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from gateway.desk.documents import DoesNotReconcile, payment_history, render_csv, render_html, render_pdf
from gateway.desk.documents.render import RefuseAll
from gateway.storage.ledger_tables import LedgerInvoice
from tests.desk.conftest import AS_OF, CUSTOMER, NAME, NOTE_TEXT, Case, letterhead, pdf_text, squeezed

D = Decimal


def _ledger_open(case: Case) -> dict[str, Decimal]:
    """Sum of the ledger's open amounts per currency, read independently of the documents."""
    totals: dict[str, Decimal] = {}
    with case.sessions() as session:
        for currency, amount in session.execute(
            select(LedgerInvoice.currency, LedgerInvoice.open_amount).where(LedgerInvoice.customer_id == CUSTOMER)
        ):
            totals[currency] = totals.get(currency, D(0)) + amount
    return totals


def test_the_file_holds_every_movement_with_its_bank_statement_and_adds_up_to_the_ledger(case: Case) -> None:
    with case.sessions() as session:
        doc = payment_history(session, CUSTOMER, AS_OF, letterhead=letterhead())

    eur, usd = doc.totals
    assert (eur.invoiced, eur.credit_notes, eur.settled_before, eur.paid, eur.written_off, eur.open) == (
        D("4350.00"),
        D("-150.00"),
        D("750.00"),  # INV-5 in part, INV-6 in full
        D("1500.00"),  # 1000 on INV-1, 300 on INV-4, 200 on INV-5: the return and the undo net out
        D("100.00"),
        D("1850.00"),
    )
    assert eur.on_account == D("500.00") and usd.open == D("1200.00")
    assert {t.currency: t.open for t in doc.totals} == {t.currency: t.ledger_open for t in doc.totals}
    assert {t.currency: t.open for t in doc.totals} == _ledger_open(case)
    assert doc.later_movements == 0

    invoices = {i.invoice_id: i for i in doc.invoices}
    assert list(invoices) == ["INV-5", "INV-6", "INV-1", "INV-2", "INV-3", "INV-4", "CN-1", "USD-1"]
    assert (invoices["INV-1"].paid_date, invoices["INV-1"].days_late) == (date(2026, 3, 1), 25)
    assert (invoices["INV-4"].paid_date, invoices["INV-4"].days_late) == (date(2026, 3, 5), 0)
    assert invoices["INV-6"].settled_before == D("250.00") and invoices["INV-6"].days_late is None
    assert invoices["INV-3"].paid_date is None and invoices["INV-3"].days_overdue == 28
    assert eur.paid_invoices == 2 and eur.average_days_late == D("12.5")

    inv2 = invoices["INV-2"]
    assert [(a.kind, a.amount, a.payment.bank_ref, a.payment.end_to_end_id) for a in inv2.allocations] == [
        ("manual", D("500.00"), case.bank_ref("p3"), "DD-INV-2"),
        ("return", D("-500.00"), case.bank_ref("r1"), "DD-INV-2"),
    ]
    assert inv2.allocations[1].payment.return_reason == "MD06"
    assert [(w.amount, w.reason, w.approved_by) for w in inv2.write_offs] == [
        (D("20.00"), "bank charges deducted", None)
    ]
    assert [(w.reason, w.approved_by) for w in invoices["INV-5"].write_offs] == [
        ("goodwill: damaged pallet", "manager.mia")
    ]
    undone, undo = invoices["INV-3"].allocations
    assert (undone.reversed_by, undo.reverses_id, undo.kind, undo.reason) == (
        undo.id,
        undone.id,
        "reversal",
        "wrong invoice",
    )
    assert undo.effective == undone.effective == date(2026, 3, 5)  # an undo belongs to its payment's day

    source = invoices["INV-1"].allocations[0].payment.source
    assert (source.statement_id, source.account, source.period_start) == (
        "BOOK-STMT-1",
        "DE44500105175407324931",
        date(2026, 2, 10),
    )
    processed = case.book.config.processed
    assert sorted(f.file_name for f in doc.statements) == [f"book-{n:04d}.xml" for n in range(1, 7)]
    for f in doc.statements:  # the very file the bank sent, by its hash
        assert hashlib.sha256((processed / f.file_name).read_bytes()).hexdigest() == f.file_sha256

    assert [(r.run_date, r.level, r.channel, r.status) for r in doc.reminders] == [
        (date(2026, 3, 20), 1, "email", "sent")  # the second one went out after the 31st
    ]
    assert [i.invoice_id for i in doc.reminders[0].items] == ["INV-2", "INV-5"]
    (plan,) = doc.promises
    assert (plan.kind, plan.status, [i.status for i in plan.instalments]) == ("plan", "open", ["kept", "open"])
    assert [(d.invoice_id, d.status) for d in doc.disputes] == [("INV-2", "resolved"), ("INV-3", "open")]
    assert [n.text for n in invoices["INV-3"].notes] == [NOTE_TEXT]
    assert len(doc.notes) == 2

    balances = {}
    for e in doc.events:
        if e.balance is not None:
            balances[e.currency] = e.balance
    assert balances == {"EUR": D("1850.00"), "USD": D("1200.00")}


def test_later_the_file_has_the_second_reminder_and_the_broken_plan(sqlite_case: Case) -> None:
    with sqlite_case.sessions() as session:
        doc = payment_history(session, CUSTOMER, date(2026, 4, 30), letterhead=letterhead())
    assert [r.level for r in doc.reminders] == [1, 2]
    assert (doc.reminders[1].fee, doc.reminders[1].interest) == (D("5.00"), D("3.12"))
    (plan,) = doc.promises
    assert (plan.status, plan.closed_on, plan.closed_reason) == ("broken", date(2026, 4, 20), "instalment 2 not paid")
    assert [i.status for i in plan.instalments] == ["kept", "broken"]
    assert [e.event for e in doc.events][-3:] == ["reminder", "instalment_due", "promise_closed"]


def test_an_earlier_day_leaves_out_what_came_later_and_says_so(sqlite_case: Case) -> None:
    with sqlite_case.sessions() as session:
        doc = payment_history(session, CUSTOMER, date(2026, 3, 4), letterhead=letterhead())
    eur = doc.totals[0]
    assert (eur.paid, eur.written_off, eur.open, eur.ledger_open) == (
        D("1000.00"),
        D("0"),
        D("2450.00"),
        D("1850.00"),
    )
    assert doc.later_movements == 6  # INV-3 paid and undone, INV-4 paid, INV-5 paid, two write-offs
    assert doc.reminders == () and doc.promises == ()
    assert "6 later movements after 2026-03-04 are not in this file" in " ".join(render_html(doc).split())


def test_a_history_that_does_not_add_up_to_the_ledger_is_not_produced(case: Case) -> None:
    with case.sessions() as session, session.begin():
        session.execute(
            update(LedgerInvoice).where(LedgerInvoice.invoice_id == "INV-3").values(open_amount=D("250.00"))
        )
    with case.sessions() as session, pytest.raises(DoesNotReconcile, match="invoice INV-3: .* ledger has 250.00 open"):
        payment_history(session, CUSTOMER, AS_OF, letterhead=letterhead())


def test_the_csv_has_one_row_per_event_in_date_order_with_a_running_balance(sqlite_case: Case) -> None:
    with sqlite_case.sessions() as session:
        doc = payment_history(session, CUSTOMER, AS_OF, letterhead=letterhead())
    text = render_csv(doc)
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == doc.document_id
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(doc.events)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    running: dict[str, Decimal] = {}
    for r in rows:
        if r["amount"]:
            running[r["currency"]] = running.get(r["currency"], D(0)) + D(r["amount"])
            assert D(r["balance"]) == running[r["currency"]], r
        else:
            assert r["balance"] == ""
    assert running == {"EUR": D("1850.00"), "USD": D("1200.00")}
    returned = next(r for r in rows if r["event"] == "return")
    assert (returned["amount"], returned["bank_ref"], returned["end_to_end_id"], returned["file_name"]) == (
        "500.00",
        sqlite_case.bank_ref("r1"),
        "DD-INV-2",
        "book-0003.xml",
    )
    assert len(returned["file_sha256"]) == 64
    kinds = {r["event"] for r in rows}
    assert {"invoice", "credit_note", "settled_before_import", "payment", "return", "reversal", "write_off"} <= kinds
    assert {"payment_on_account", "reminder", "promise", "instalment_due", "dispute_opened", "note"} <= kinds
    note = next(r for r in rows if r["event"] == "note" and r["invoice_id"] == "INV-3")
    assert note["detail"] == NOTE_TEXT


def test_the_pdf_reads_back_with_payments_statement_files_and_totals(sqlite_case: Case) -> None:
    with sqlite_case.sessions() as session:
        doc = payment_history(session, CUSTOMER, AS_OF, letterhead=letterhead())
    html = render_html(doc)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "Åsa &amp; &lt;Brothers&gt;" in html

    fetcher = RefuseAll()
    pdf = render_pdf(doc, fetcher=fetcher)
    assert pdf.startswith(b"%PDF-") and fetcher.refused == []
    text = pdf_text(pdf)
    flat = squeezed(text)
    assert NAME in text and "Payment history" in text
    for invoice_id in ("INV-1", "INV-2", "INV-3", "INV-4", "INV-5", "INV-6", "CN-1", "USD-1"):
        assert invoice_id in flat
    for name in ("p1", "p2", "p3", "p4", "p5", "r1"):
        assert sqlite_case.bank_ref(name) in flat
    for f in doc.statements:
        assert f.file_name in flat and f.file_sha256 in flat and f"{f.statement_id}" in flat
    for total in ("4,350.00", "-150.00", "-750.00", "-1,500.00", "-100.00", "1,850.00", "1,200.00"):
        assert total in flat
    assert "goodwill:damagedpallet;approvedbymanager.mia" in flat and "DD-INV-2" in flat
    assert doc.document_id in flat and "page1of" in flat

    (attached,) = PdfReader(io.BytesIO(pdf)).attachments.items()
    assert attached[0] == f"history-{CUSTOMER}-2026-03-31.csv"
    assert attached[1][0].decode() == render_csv(doc)
