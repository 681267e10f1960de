"""The statement of account: open items with their age and the ageing line, payments on account and the total
due per currency (what the ledger says the customer owes), the payments of the last days and what they paid;
as CSV with exact amounts, as escaped HTML, and as a PDF whose text reads back."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from weasyprint import HTML

from gateway.desk.documents import load_letterhead, render_csv, render_html, render_pdf, statement_of_account
from gateway.desk.documents.render import RefuseAll
from gateway.errors import ConfigError
from gateway.ledger.errors import NotFound
from gateway.ledger.exposure import open_items_by_currency
from tests.desk.conftest import AS_OF, CUSTOMER, NAME, OTHER, Case, letterhead, pdf_text, squeezed

D = Decimal


def test_open_items_are_aged_and_the_total_due_is_what_the_ledger_says_is_owed(case: Case) -> None:
    with case.sessions() as session:
        doc = statement_of_account(session, CUSTOMER, AS_OF, letterhead=letterhead())
        owed = open_items_by_currency(session, CUSTOMER)

    assert doc.customer.name == NAME and doc.customer.contact_name == "Erik Lund"
    eur, usd = doc.sections
    assert [(i.invoice_id, i.open_amount, i.days_overdue, i.bucket) for i in eur.items] == [
        ("INV-5", D("1220.00"), 90, "61-90"),  # 2000 - 500 settled in the ERP - 200 paid - 80 written off
        ("CN-1", D("-150.00"), 44, "31-60"),  # a credit note ages like an invoice
        ("INV-2", D("480.00"), 40, "31-60"),  # paid by direct debit, returned, 20 written off
        ("INV-3", D("300.00"), 28, "1-30"),  # the payment applied to it was undone
    ]
    assert [i.disputed for i in eur.items] == [False, False, False, True]
    assert eur.ageing == {
        "current": 0,
        "1-30": D("300.00"),
        "31-60": D("330.00"),
        "61-90": D("1220.00"),
        "90+": 0,
    }
    assert eur.open_total == D("1850.00") and eur.overdue == D("1850.00")
    assert [(c.bank_ref, c.amount, c.unapplied) for c in eur.on_account] == [
        (case.bank_ref("p5"), D("700.00"), D("500.00"))
    ]
    assert eur.total_due == D("1350.00")
    assert [(i.invoice_id, i.bucket) for i in usd.items] == [("USD-1", "current")]
    assert {s.currency: s.total_due for s in doc.sections} == owed == {"EUR": D("1350.00"), "USD": D("1200.00")}

    received = [(p.bank_ref, p.amount, p.applied) for p in doc.payments]
    assert received == [
        (case.bank_ref("p5"), D("700.00"), (("INV-5", D("200.00")),)),
        (case.bank_ref("p4"), D("300.00"), (("INV-4", D("300.00")),)),  # INV-3's undone part is not shown
        (case.bank_ref("p2"), D("600.00"), (("INV-1", D("600.00")),)),
        (case.bank_ref("r1"), D("-500.00"), (("INV-2", D("-500.00")),)),
        (case.bank_ref("p3"), D("500.00"), (("INV-2", D("500.00")),)),
        (case.bank_ref("p1"), D("400.00"), (("INV-1", D("400.00")),)),
    ]
    assert [p.returned for p in doc.payments] == [False, False, False, True, False, False]


def test_an_earlier_day_shows_the_account_as_it_stood_then(case: Case) -> None:
    """On 4 March the undo, the last payments and the write-offs had not happened; the return had."""
    with case.sessions() as session:
        doc = statement_of_account(session, CUSTOMER, date(2026, 3, 4), payments_days=14, letterhead=letterhead())
    eur, usd = doc.sections
    assert [(i.invoice_id, i.open_amount, i.bucket) for i in eur.items] == [
        ("INV-5", D("1500.00"), "61-90"),
        ("CN-1", D("-150.00"), "1-30"),
        ("INV-2", D("500.00"), "1-30"),
        ("INV-3", D("300.00"), "1-30"),
        ("INV-4", D("300.00"), "current"),
    ]
    assert eur.on_account == () and eur.total_due == D("2450.00")
    assert usd.total_due == D("1200.00")
    assert doc.payments_from == date(2026, 2, 19)
    assert [p.bank_ref for p in doc.payments] == [case.bank_ref(n) for n in ("p2", "r1", "p3")]


def test_the_csv_has_a_row_per_line_with_exact_amounts_and_hashes_to_the_document_id(case: Case) -> None:
    with case.sessions() as session:
        doc = statement_of_account(session, CUSTOMER, AS_OF, letterhead=letterhead())
    text = render_csv(doc)
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == doc.document_id
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["customer_id"] for r in rows} == {CUSTOMER} and {r["as_of"] for r in rows} == {"2026-03-31"}
    items = [r for r in rows if r["section"] == "open_item"]
    assert [(r["invoice_id"], r["open_amount"], r["bucket"]) for r in items] == [
        ("INV-5", "1220.00", "61-90"),
        ("CN-1", "-150.00", "31-60"),
        ("INV-2", "480.00", "31-60"),
        ("INV-3", "300.00", "1-30"),
        ("USD-1", "1200.00", "current"),
    ]
    assert items[3]["detail"] == "disputed"
    eur = [r for r in rows if r["currency"] == "EUR"]
    ageing = {r["bucket"]: D(r["open_amount"]) for r in eur if r["section"] == "ageing"}
    total = next(D(r["open_amount"]) for r in eur if r["section"] == "open_total")
    credits = [D(r["open_amount"]) for r in eur if r["section"] == "payment_on_account"]
    due = next(r["open_amount"] for r in eur if r["section"] == "total_due")
    assert sum(ageing.values()) == total == sum(D(r["open_amount"]) for r in items if r["currency"] == "EUR")
    assert due == "1350.00" and total + sum(credits) == D(due)
    paid = [(r["bank_ref"], r["invoice_id"], r["applied"]) for r in rows if r["section"] == "payment"]
    assert (case.bank_ref("r1"), "INV-2", "-500.00") in paid and len(paid) == 6

    with case.sessions() as session:  # the same data gives the same id, whenever it is printed
        again = statement_of_account(session, CUSTOMER, AS_OF, letterhead=letterhead())
    assert again.document_id == doc.document_id and again.generated_at != doc.generated_at


def test_html_escapes_what_customers_and_clerks_wrote(sqlite_case: Case) -> None:
    with sqlite_case.sessions() as session:
        doc = statement_of_account(session, CUSTOMER, AS_OF, letterhead=letterhead())
        empty = statement_of_account(session, OTHER, date(2025, 12, 31), letterhead=letterhead())
        with pytest.raises(NotFound, match="no customer 'X-1'"):
            statement_of_account(session, "X-1", AS_OF, letterhead=letterhead())
    html = render_html(doc)
    assert "Åsa &amp; &lt;Brothers&gt; Handel AB" in html and "<Brothers>" not in html
    assert f"Document {doc.document_id}" in html
    assert "Generated on " in html and "1,350.00 EUR" in html
    assert "http" not in html.replace("http-equiv", "")  # nothing to fetch: no links, fonts or images
    assert "Nothing is open on 2025-12-31" in render_html(empty)


def test_the_pdf_reads_back_with_customer_invoices_payments_and_totals(sqlite_case: Case) -> None:
    with sqlite_case.sessions() as session:
        doc = statement_of_account(session, CUSTOMER, AS_OF, letterhead=letterhead())
    fetcher = RefuseAll()
    pdf = render_pdf(doc, fetcher=fetcher)
    assert pdf.startswith(b"%PDF-") and fetcher.refused == []
    text = pdf_text(pdf)
    flat = squeezed(text)
    assert NAME in text and "Statement of account" in text
    for invoice_id in ("INV-5", "CN-1", "INV-2", "INV-3", "USD-1", "INV-4", "INV-1"):
        assert invoice_id in flat
    for name in ("p1", "p2", "p3", "p4", "p5", "r1"):
        assert sqlite_case.bank_ref(name) in flat
    assert "1,350.00EUR" in flat and "1,200.00USD" in flat and "1,220.00" in flat
    assert doc.document_id in flat and "page1of" in flat
    assert "IBANDE0212030000000020205" in flat  # our bank account, from the letterhead


def test_the_pdf_renderer_fetches_nothing_it_is_pointed_at() -> None:
    fetcher = RefuseAll()
    html = '<p>x</p><img src="http://127.0.0.1:9/logo.png"><link rel="stylesheet" href="file:///etc/passwd">'
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf is not None and pdf.startswith(b"%PDF-")
    assert sorted(fetcher.refused) == ["file:///etc/passwd", "http://127.0.0.1:9/logo.png"]


def test_the_letterhead_comes_from_config_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    ours = letterhead()
    assert ours.company.name and ours.bank.iban.startswith("DE")
    with pytest.raises(ConfigError, match="letterhead for documents file not found"):
        load_letterhead(tmp_path / "documents.toml")
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[company]\nname = "Us"\n[bank]\niban = "DE00 1234"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a valid IBAN"):
        load_letterhead(wrong)
