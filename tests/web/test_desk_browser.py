"""The credit manager at the desk in a real browser (Debian's chromium): the ageing of the book, a customer's
credit file with its charts, a note, and a statement of account downloaded as PDF.

Never downloads a browser: the tests drive /usr/bin/chromium and are skipped, with the reason, without it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from tests.web.browser import flash, needs_chromium, sign_in
from tests.web.desk_seed import AS_OF, NORDWIND

pytestmark = needs_chromium


def ageing_customers(page: Any) -> list[str]:
    return [str(c) for c in page.locator("[data-testid=ageing] tbody tr[data-customer]").evaluate_all(
        "rows => rows.map(r => r.dataset.customer)"
    )]


def test_the_ageing_overview_charts_the_book_and_filters_and_sorts_its_customers(open_page: Any) -> None:
    page = open_page
    sign_in(page, "max")
    page.get_by_role("link", name="Ageing").click()
    page.goto(f"/ageing?as_of={AS_OF}")
    chart = page.locator("[data-testid=book-total] svg[role=img]")
    assert chart.is_visible()
    assert chart.get_attribute("aria-label") == "Ageing of the book in EUR"
    assert chart.locator("rect.bar").count() == 5
    assert chart.locator("text.value[data-bucket='90+']").text_content() == "1,750.00"
    assert page.get_by_test_id("ageing-count").inner_text() == "5 customers"
    assert ageing_customers(page) == ["C-1001", "C-1003", "C-1004", "C-1005", "C-1006"]

    page.locator("a[data-sort=name]").click()
    assert ageing_customers(page)[0] == "C-1003"  # Atelier Lumière first
    page.locator("a[data-sort=name]").click()
    assert ageing_customers(page)[0] == "C-1001"  # Nordwind first, descending

    page.get_by_label("Customer").fill("nord")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("button", name="Filter").click()
    assert ageing_customers(page) == ["C-1001"]
    assert "2,978.40" in page.locator("tr[data-customer='C-1001'] td[data-col=overdue]").inner_text()


def test_from_the_ageing_to_a_credit_file_with_its_figures_charts_and_a_new_note(open_page: Any) -> None:
    page = open_page
    sign_in(page, "clara")
    page.goto(f"/ageing?as_of={AS_OF}")
    page.get_by_role("link", name="Nordwind Logistik GmbH").click()
    assert page.url.endswith(f"/customers/{NORDWIND}/credit-file?as_of={AS_OF}")
    assert "8,000.00 EUR" in page.get_by_test_id("limit").inner_text()
    assert "6,668.40 EUR" in page.get_by_test_id("exposure").inner_text()
    assert "1,331.60 EUR" in page.get_by_test_id("headroom").inner_text()
    assert "104 days" in page.get_by_test_id("oldest-overdue").inner_text()
    ageing = page.get_by_test_id("ageing-chart").locator("svg[role=img]")
    assert ageing.is_visible() and ageing.locator("rect.bar").count() == 5
    trend = page.get_by_test_id("trend-chart").locator("svg[role=img]")
    assert trend.is_visible() and trend.locator("rect.bar-invoiced").count() == 12
    assert trend.locator("circle.dot-late").count() >= 1
    box = trend.bounding_box()
    assert box is not None and box["width"] > 300  # drawn at a readable size, not collapsed
    assert page.get_by_test_id("reports").locator("tbody tr").count() == 2

    form = page.get_by_test_id("note-form")
    form.get_by_label("note text").fill("Called Petra: the controller signs INV-25-1008 off on Monday.")
    form.get_by_label("invoice the note is about").fill("INV-25-1008")
    form.get_by_role("button", name="Add note").click()
    assert flash(page) == "Note added about invoice INV-25-1008."
    assert page.url.endswith(f"/credit-file?as_of={AS_OF}")
    first = page.get_by_test_id("notes").locator("li").first
    assert "the controller signs INV-25-1008 off on Monday" in first.inner_text()
    assert "clara" in first.inner_text()


def test_the_statement_of_account_downloads_as_a_pdf(open_page: Any) -> None:
    from pypdf import PdfReader

    page = open_page
    sign_in(page, "clara")
    page.goto(f"/customers/{NORDWIND}/credit-file?as_of={AS_OF}")
    with page.expect_download() as caught:
        page.get_by_test_id("statement-pdf").click()
    download = caught.value
    assert download.suggested_filename == f"statement-{NORDWIND}-{AS_OF}.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Nordwind Logistik GmbH" in text
    assert "INV-25-1008" in text and "INV-26-0012" in text
