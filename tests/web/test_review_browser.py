"""A finance clerk and a manager work through the morning's queue in a real browser (Debian's chromium).

Never downloads a browser: the tests drive /usr/bin/chromium and are skipped, with the reason, without it.
"""

from __future__ import annotations

from typing import Any

from tests.web.browser import flash, needs_chromium, sign_in

pytestmark = needs_chromium


def queue_amounts(page: Any) -> list[str]:
    cells = page.locator("[data-testid=queue] tbody tr td:nth-child(2)")
    return [t.split()[0] for t in cells.all_inner_texts()]


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_dashboard(open_page: Any) -> None:
    page = open_page
    sign_in(page, "clara", "not her password")
    assert "Wrong user name or password" in flash(page)
    assert page.url.endswith("/login")
    sign_in(page, "clara")
    assert page.get_by_test_id("whoami").inner_text().startswith("clara")
    assert page.get_by_test_id("dashboard").is_visible()


def test_the_queue_filters_by_status_and_amount_and_sorts_by_amount(open_page: Any) -> None:
    page = open_page
    sign_in(page, "clara")
    page.goto("/queue")
    assert page.get_by_test_id("queue-total").inner_text() == "5 payments"

    page.get_by_label("Status").select_option("suggested")
    page.get_by_role("button", name="Filter").click()
    assert page.get_by_test_id("queue-total").inner_text() == "2 payments"

    page.goto("/queue")
    page.get_by_label("Amount from").fill("500")
    page.get_by_label("Amount to").fill("2,000.00")
    page.get_by_role("button", name="Filter").click()
    assert sorted(queue_amounts(page)) == ["1,885.00", "1,950.00", "560.00", "777.00"]

    page.locator("a[data-sort=amount]").click()
    assert queue_amounts(page) == ["560.00", "777.00", "1,885.00", "1,950.00"]
    page.locator("a[data-sort=amount]").click()
    assert queue_amounts(page) == ["1,950.00", "1,885.00", "777.00", "560.00"]


def test_a_clerk_confirms_the_matchers_suggestion(open_page: Any) -> None:
    page = open_page
    sign_in(page, "clara")
    page.goto("/queue")
    page.get_by_role("link", name="560.00 EUR").click()
    assert "INV-26-0401" in page.get_by_test_id("suggestion-1").inner_text()
    page.get_by_test_id("suggestion-1").get_by_role("button", name="Confirm").click()
    assert "Suggestion 1 confirmed" in flash(page)
    assert page.get_by_test_id("payment-status").inner_text() == "allocated"
    assert "INV-26-0401" in page.get_by_test_id("allocations").inner_text()
    page.goto("/queue")
    assert page.get_by_test_id("queue-total").inner_text() == "4 payments"


def test_a_clerk_splits_a_payment_over_two_invoices_and_undoes_one_part(open_page: Any) -> None:
    page = open_page
    sign_in(page, "clara")
    page.goto("/queue")
    page.get_by_role("link", name="1,950.00 EUR").click()
    search = page.get_by_test_id("invoice-search")
    search.get_by_placeholder("customer id or name").fill("Lumière")
    search.get_by_role("button", name="Search").click()
    found = page.get_by_test_id("found-invoices").inner_text()
    assert "INV-26-0301" in found and "INV-26-0302" in found

    form = page.get_by_test_id("allocate-form")
    form.get_by_label("invoice 1").fill("INV-26-0301")
    form.get_by_label("amount 1").fill("745.20")
    form.get_by_label("invoice 2").fill("INV-26-0302")
    form.get_by_label("amount 2").fill("1204.80")
    form.get_by_role("button", name="Allocate").click()
    assert "allocated: INV-26-0301 745.20, INV-26-0302 1204.80" in flash(page)
    assert page.get_by_test_id("unapplied").inner_text() == "0.00 EUR"

    row = page.locator("[data-testid=allocations] tr", has_text="INV-26-0302").first
    row.get_by_placeholder("why undo").fill("customer says 0302 was paid by card")
    row.get_by_role("button", name="Undo").click()
    assert "undone" in flash(page)
    assert page.get_by_test_id("unapplied").inner_text() == "1,204.80 EUR"
    page.goto("/customers/C-1003")
    open_items = page.get_by_test_id("open-items").inner_text()
    assert "INV-26-0302" in open_items and "INV-26-0301" not in open_items


def test_a_clerk_cannot_write_off_above_the_limit_but_a_manager_approves_it(open_page: Any) -> None:
    page = open_page
    sign_in(page, "clara")
    # A small difference is the clerk's own call.
    write_off(page, "INV-26-0602", "2.50", "rounding")
    assert "Wrote off 2.50 EUR" in flash(page)

    write_off(page, "INV-26-0602", "210.00", "disputed freight, settled by phone")
    assert "Not written off" in flash(page) and "manager" in flash(page)
    assert "210.00 EUR" in page.get_by_test_id("open-items").inner_text()
    page.goto("/approvals")
    assert "pending" in page.get_by_test_id("approvals").inner_text()
    assert page.get_by_role("button", name="Approve").count() == 0

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "max")
    page.goto("/approvals")
    page.locator("[data-testid=approvals] tr", has_text="210.00").get_by_role("button", name="Approve").click()
    assert "Approved: wrote off 210.00 EUR of invoice INV-26-0602" in flash(page)
    page.goto("/customers/C-1006")
    assert "INV-26-0602" not in page.get_by_test_id("open-items").inner_text()
    assert "approved by max" in page.content()


def write_off(page: Any, invoice: str, amount: str, reason: str) -> None:
    page.goto("/customers/C-1006")
    page.get_by_label(f"write-off amount {invoice}").fill(amount)
    page.get_by_label(f"write-off reason {invoice}").fill(reason)
    page.locator(f"tr[data-invoice={invoice}]").get_by_role("button", name="Write off").click()
