"""The credit manager's desk over plain HTTP: the credit file, the ageing of the book, the follow-up worklist and
its run, the customer documents, and the desk's forms (CSRF, roles, errors as messages, nothing half done)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from pypdf import PdfReader
from sqlalchemy import func, select

from gateway.desk.behaviour import customer_behaviour
from gateway.settings import SmtpSettings
from gateway.storage.desk_tables import DeskDispute, DeskFollowUp, DeskNote, DeskPromise
from gateway.storage.ledger_tables import LedgerAudit
from tests.web.conftest import csrf_of, sign_in
from tests.web.desk_seed import AS_OF, NORDWIND
from tests.web.seed import BOOKED

FILE = f"/customers/{NORDWIND}/credit-file?as_of={AS_OF}"
PAGES = [FILE, f"/ageing?as_of={AS_OF}", "/ageing.csv", f"/follow-up?as_of={AS_OF}"]
DOCUMENTS = [
    f"/customers/{NORDWIND}/{kind}.{fmt}?as_of={AS_OF}"
    for kind in ("statement", "history")
    for fmt in ("html", "pdf", "csv")
]
ACTIONS = [
    f"/customers/{NORDWIND}/notes",
    f"/customers/{NORDWIND}/promises",
    "/invoices/INV-26-0011/disputes",
    "/disputes/1/resolve",
    "/promises/1/cancel",
    "/follow-up/run",
]


def doc(answer: Any) -> Any:
    assert answer.status_code == 200, answer.text[-2000:]
    return html.fromstring(answer.text)


def text_of(tree: Any, testid: str) -> str:
    found = tree.xpath(f"//*[@data-testid='{testid}']")
    assert found, f"no element with data-testid={testid!r}"
    return " ".join(" ".join(found[0].itertext()).split())


def count(client: TestClient, table: Any) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def flash(answer: Any) -> str:
    return text_of(html.fromstring(answer.text), "flash")


@pytest.fixture
def clara(client: TestClient) -> TestClient:
    sign_in(client, "clara")
    return client


# ---- sign-in and roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES + DOCUMENTS)
def test_every_desk_page_and_document_asks_for_sign_in_first(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


def test_every_desk_action_needs_a_sign_in(client: TestClient) -> None:
    for path in ACTIONS:
        answer = client.post(path, data={"csrf_token": "x"}, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login")


def test_the_nav_and_the_customer_page_lead_to_the_desk(clara: TestClient) -> None:
    tree = doc(clara.get(f"/customers/{NORDWIND}"))
    assert tree.xpath("//header//a[@href='/ageing']") and tree.xpath("//header//a[@href='/follow-up']")
    link = tree.xpath("//*[@data-testid='credit-file-link']")[0]
    assert link.get("href") == f"/customers/{NORDWIND}/credit-file"


# ---- the credit file -------------------------------------------------------------------------------------


def test_the_credit_file_shows_limit_exposure_headroom_and_behaviour(clara: TestClient) -> None:
    tree = doc(clara.get(FILE))
    assert "Nordwind Logistik GmbH" in tree.findtext(".//h1")
    assert text_of(tree, "as-of") == AS_OF.isoformat()
    limit = text_of(tree, "limit")
    assert "8,000.00 EUR" in limit and "credit decision of" in limit
    exposure = text_of(tree, "exposure")
    assert "6,668.40 EUR" in exposure and "open items 4,168.40 EUR" in exposure and "2,500.00 EUR" in exposure
    assert "1,331.60 EUR" in text_of(tree, "headroom")
    with clara.app.state.sessions() as session:  # type: ignore[attr-defined]
        expected = customer_behaviour(session, NORDWIND, AS_OF)
    assert expected.dso_days is not None
    assert f"{int(expected.dso_days)} days" in text_of(tree, "dso")
    late = text_of(tree, "days-late")
    # Days late of the eight invoices paid in the year: 5, 12, 0, 20, 8, 15, 3, 10 -> 9.125; by amount 9.62...
    assert late.startswith("Days late (12 months) 9.1 average") and "8 paid invoices" in late
    assert "weighted by amount 9.6" in late
    assert "104 days" in text_of(tree, "oldest-overdue")
    assert text_of(tree, "returned-debits").startswith("Returned direct debits 0")
    assert "0 kept · 1 broken" in text_of(tree, "promises-kept-broken")
    assert "Open disputes 0" in text_of(tree, "open-disputes")


def test_the_credit_file_draws_the_ageing_and_the_trend(clara: TestClient) -> None:
    tree = doc(clara.get(FILE))
    chart = tree.xpath("//*[@data-testid='ageing-chart']//svg")[0]
    assert chart.get("role") == "img" and "Nordwind" in chart.get("aria-label")
    bars = {r.get("data-bucket"): r.get("data-value") for r in chart.iter("rect") if r.get("data-bucket")}
    assert bars == {"current": "1190.00", "1-30": "168.40", "31-60": "420.00", "61-90": "640.00", "90+": "1750.00"}
    assert "4,168.40 EUR open, 2,978.40 EUR overdue" in text_of(tree, "ageing-chart")
    trend = tree.xpath("//*[@data-testid='trend-chart']//svg")[0]
    invoiced = [r for r in trend.iter("rect") if "bar-invoiced" in (r.get("class") or "")]
    assert len(invoiced) == 12
    paid = sum(Decimal(r.get("data-value")) for r in trend.iter("rect") if "bar-paid" in (r.get("class") or ""))
    assert paid == Decimal("11150.00")  # the seven history invoices and INV-26-0101, all paid within the year
    with clara.app.state.sessions() as session:  # type: ignore[attr-defined]
        months = customer_behaviour(session, NORDWIND, AS_OF).trend
    dots = [c.get("data-value") for c in trend.iter("circle") if c.get("class") == "dot-late"]
    assert dots == [str(m.avg_days_late) for m in months if m.avg_days_late is not None]  # a dot per month paid in
    assert len(tree.xpath("//*[@data-testid='trend-table']//tbody/tr")) == 12


def test_the_credit_file_lists_reports_decisions_items_notes_promises_and_reminders(clara: TestClient) -> None:
    tree = doc(clara.get(FILE))
    reports = tree.xpath("//*[@data-testid='reports']//tbody/tr")
    assert [r.xpath("string(td[3])").split()[0] for r in reports] == ["58", "71"]  # newest first
    assert "8,000.00 EUR" in reports[0].text_content() and "1 negative event" in reports[0].text_content()
    assert "creditsafe" in text_of(tree, "reports") and "DE-HRB-20931" in text_of(tree, "reports")
    decisions = [" ".join(r.text_content().split()) for r in tree.xpath("//*[@data-testid='decisions']//tbody/tr")]
    assert "2,500.00 EUR approve 8,000.00 EUR WITHIN_LIMIT" in decisions[0]
    assert "4,000.00 EUR refer SCORE_BELOW_APPROVE" in decisions[1]
    items = {r.get("data-invoice"): " ".join(r.text_content().split()) for r in tree.xpath("//tr[@data-invoice]")}
    assert list(items) == ["INV-25-1008", "INV-26-0010", "INV-26-0011", "CN-26-0001", "INV-26-0102", "INV-26-0012"]
    assert "104 over 90 days" in items["INV-25-1008"] and "-150.00 EUR" in items["CN-26-0001"]
    assert "waits for their controller's sign-off" in text_of(tree, "notes")
    assert "about INV-25-1008" in text_of(tree, "notes")
    promises = text_of(tree, "promises")
    assert "640.00 EUR" in promises and "broken" in promises and "INV-26-0010" in promises
    reminders = text_of(tree, "reminders")
    assert "Payment reminder" in reminders and "2,390.00 EUR" in reminders and "sent" in reminders
    links = tree.xpath("//*[@data-testid='documents']//a/@href")
    for kind in ("statement", "history"):
        for fmt in ("html", "pdf", "csv"):
            assert f"/customers/{NORDWIND}/{kind}.{fmt}?as_of={AS_OF}" in links


def test_an_override_is_the_limit_in_force(clara: TestClient) -> None:
    tree = doc(clara.get(f"/customers/C-1004/credit-file?as_of={AS_OF}"))
    limit = text_of(tree, "limit")
    assert "3,000.00 EUR" in limit and "set by the credit manager (max)" in limit and "guarantee" in limit
    assert "1,880.00 EUR" in text_of(tree, "headroom")  # 3,000.00 less the two open invoices of 560.00
    assert "No bureau profile" in text_of(tree, "reports")


def test_the_credit_file_as_it_stood_on_an_earlier_day(clara: TestClient) -> None:
    earlier = BOOKED - timedelta(days=30)  # after the first report and decision, before the second of each
    tree = doc(clara.get(f"/customers/{NORDWIND}/credit-file?as_of={earlier}"))
    assert len(tree.xpath("//*[@data-testid='reports']//tbody/tr[@data-report]")) == 1
    assert len(tree.xpath("//*[@data-testid='decisions']//tbody/tr[@data-decision]")) == 1
    assert "no override and no decision with a limit" in text_of(tree, "limit")  # the referral set no limit
    assert "no limit" in text_of(tree, "headroom")


def test_an_unknown_customer_or_a_bad_date_is_said_plainly(clara: TestClient) -> None:
    missing = clara.get("/customers/C-9999/credit-file")
    assert missing.status_code == 404 and "no customer &#39;C-9999&#39;" in missing.text
    bad = clara.get(f"/customers/{NORDWIND}/credit-file?as_of=27.11.2026")
    assert bad.status_code == 400 and "is not a date (YYYY-MM-DD)" in bad.text
    assert clara.get(f"/customers/C-9999/statement.pdf?as_of={AS_OF}").status_code == 404
    assert clara.get(f"/customers/{NORDWIND}/statement.docx").status_code == 404


# ---- the ageing of the book ------------------------------------------------------------------------------


def ageing_rows(tree: Any) -> list[str]:
    return [r.get("data-customer") for r in tree.xpath("//*[@data-testid='ageing']//tbody/tr[@data-customer]")]


def test_the_ageing_shows_the_book_totals_with_a_chart_and_one_row_per_customer(clara: TestClient) -> None:
    tree = doc(clara.get(f"/ageing?as_of={AS_OF}"))
    total = tree.xpath("//*[@data-testid='book-total']")[0]
    assert total.get("data-currency") == "EUR"
    assert "9,439.90 EUR open, 4,283.60 EUR overdue" in " ".join(total.text_content().split())
    bars = {r.get("data-bucket"): r.get("data-value") for r in total.iter("rect") if r.get("data-bucket")}
    assert bars == {"current": "5156.30", "1-30": "1473.60", "31-60": "420.00", "61-90": "640.00", "90+": "1750.00"}
    assert text_of(tree, "ageing-count") == "5 customers"
    assert ageing_rows(tree) == ["C-1001", "C-1003", "C-1004", "C-1005", "C-1006"]  # most overdue first, then by id
    first = tree.xpath("//tr[@data-customer='C-1001']")[0]
    assert first.xpath("string(td[@data-bucket='90+'])") == "1,750.00"
    assert first.xpath("string(td[@data-col='overdue'])") == "2,978.40"
    assert first.xpath(".//a/@href")[0] == f"/customers/C-1001/credit-file?as_of={AS_OF}"
    assert first.xpath(".//svg[contains(@class, 'chart-strip')]")


def test_the_ageing_sorts_filters_searches_and_pages(clara: TestClient) -> None:
    by_name = doc(clara.get(f"/ageing?as_of={AS_OF}&sort=name"))
    assert ageing_rows(by_name) == ["C-1003", "C-1004", "C-1006", "C-1005", "C-1001"]
    link = by_name.xpath("//a[@data-sort='name']/@href")[0]
    assert "sort=-name" in link  # a second click reverses
    assert ageing_rows(doc(clara.get(f"/ageing?as_of={AS_OF}&sort=-total")))[0] == "C-1001"
    assert ageing_rows(doc(clara.get(f"/ageing?as_of={AS_OF}&q=lumi"))) == ["C-1003"]
    none = doc(clara.get(f"/ageing?as_of={AS_OF}&currency=usd"))
    assert ageing_rows(none) == [] and "No open items" in text_of(none, "ageing")
    assert ageing_rows(doc(clara.get(f"/ageing?as_of={AS_OF}&sort=nonsense")))[0] == "C-1001"
    clara.app.state.web.page_size = 2  # type: ignore[attr-defined]
    second = doc(clara.get(f"/ageing?as_of={AS_OF}&sort=customer&page=2"))
    assert ageing_rows(second) == ["C-1004", "C-1005"]
    assert "Page 2 of 3" in second.text_content()


def test_the_ageing_csv_has_every_row_with_exact_amounts(clara: TestClient) -> None:
    clara.app.state.web.page_size = 2  # type: ignore[attr-defined]  # the export is not paged
    answer = clara.get(f"/ageing.csv?as_of={AS_OF}&sort=customer")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == f'attachment; filename="ageing-{AS_OF}.csv"'
    lines = answer.text.splitlines()
    assert lines[0] == "customer_id,name,currency,current,1-30,31-60,61-90,90+,total,overdue,items,oldest_due"
    oldest = (BOOKED - timedelta(days=100)).isoformat()  # INV-25-1008
    nordwind = f"C-1001,Nordwind Logistik GmbH,EUR,1190.00,168.40,420.00,640.00,1750.00,4168.40,2978.40,6,{oldest}"
    assert lines[1] == nordwind
    assert [line.split(",")[0] for line in lines[1:]] == ["C-1001", "C-1003", "C-1004", "C-1005", "C-1006"]
    searched = clara.get(f"/ageing.csv?as_of={AS_OF}&q=fjord").text.splitlines()
    assert len(searched) == 2 and searched[1].startswith("C-1006,Fjord Marine AS,EUR,212.50,")


# ---- the follow-up -----------------------------------------------------------------------------------------


def test_the_worklist_shows_who_is_due_and_who_is_held(clara: TestClient) -> None:
    tree = doc(clara.get(f"/follow-up?as_of={AS_OF}"))
    assert text_of(tree, "worklist-count") == "1 to send, 1 held"
    nordwind = " ".join(tree.xpath("//tr[@data-customer='C-1001']")[0].text_content().split())
    assert "2. " in nordwind and "ap@nordwind.example" in nordwind and "INV-25-1008" in nordwind
    assert "1 on " in nordwind  # the first reminder, sent before
    held = " ".join(tree.xpath("//tr[@data-customer='C-1004']")[0].text_content().split())
    assert "held" in held and "promise" in held
    assert not tree.xpath("//*[@data-testid='run-form']")  # a clerk does not run it


class Inbox:
    """An SMTP server on 127.0.0.1 that keeps what it is given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    controller_module = pytest.importorskip("aiosmtpd.controller")
    handler = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = controller_module.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _smtp(client: TestClient, port: int) -> None:
    app = client.app  # type: ignore[attr-defined]
    app.state.settings = app.state.settings.model_copy(
        update={"smtp": SmtpSettings(host="127.0.0.1", port=port, timeout_seconds=5)}
    )


def test_a_manager_runs_the_follow_up_and_the_reminder_goes_out(client: TestClient, inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    _smtp(client, port)
    sign_in(client, "max")
    tree = doc(client.get("/follow-up"))  # today: AS_OF
    form = tree.xpath("//*[@data-testid='run-form']")[0]
    answer = client.post("/follow-up/run", data={"csrf_token": csrf_of(client.get("/follow-up").text),
                                                 "as_of": form.xpath("string(.//input[@name='as_of']/@value)")})
    assert answer.status_code == 200
    assert "1 e-mail(s) sent, 0 letter(s) recorded, 1 held, 0 failed" in flash(answer)
    assert [m["To"] for m in handler.messages] == ["ap@nordwind.example"]
    assert "INV-25-1008" in handler.messages[0].get_payload(decode=True).decode()
    rows = doc(client.get(FILE)).xpath("//*[@data-testid='reminders']//tr[@data-reminder]")
    assert [r.xpath("string(td[2])").strip().split(".")[0] for r in rows] == ["2", "1"]  # levels, newest first
    assert [r.xpath("string(td[6])").strip() for r in rows] == ["sent", "sent"]
    again = client.post("/follow-up/run", data={"csrf_token": csrf_of(answer.text), "as_of": AS_OF.isoformat()})
    assert "0 e-mail(s) sent" in flash(again)  # the same day twice sends nothing twice
    assert len(handler.messages) == 1


def test_a_reminder_the_mail_server_refuses_is_reported_as_failed(client: TestClient) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = int(s.getsockname()[1])  # nobody listens there once the socket is closed
    _smtp(client, closed)
    sign_in(client, "max")
    token = csrf_of(client.get("/follow-up").text)
    answer = client.post("/follow-up/run", data={"csrf_token": token, "as_of": AS_OF.isoformat()})
    text = flash(answer)
    assert "0 e-mail(s) sent" in text and "1 failed" in text and "cannot be reached" in text
    assert count(client, DeskFollowUp) == 2  # the seeded one and the failed one, kept with its error


def test_only_a_manager_runs_the_follow_up_and_only_for_today(clara: TestClient) -> None:
    token = csrf_of(clara.get("/follow-up").text)
    refused = clara.post("/follow-up/run", data={"csrf_token": token, "as_of": AS_OF.isoformat()})
    assert refused.status_code == 403 and "Only a manager" in refused.text
    clara.post("/logout", data={"csrf_token": token})
    sign_in(clara, "max")
    token = csrf_of(clara.get("/follow-up").text)
    past = clara.post("/follow-up/run", data={"csrf_token": token, "as_of": (AS_OF - timedelta(days=1)).isoformat()})
    assert "runs for today" in flash(past)
    assert count(clara, DeskFollowUp) == 1


# ---- documents ---------------------------------------------------------------------------------------------


def test_the_statement_comes_as_html_pdf_and_csv(clara: TestClient) -> None:
    base = f"/customers/{NORDWIND}/statement"
    page = clara.get(f"{base}.html?as_of={AS_OF}")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-disposition"] == f'inline; filename="statement-{NORDWIND}-{AS_OF}.html"'
    assert "Nordwind Logistik GmbH" in page.text and "INV-25-1008" in page.text
    pdf = clara.get(f"{base}.pdf?as_of={AS_OF}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="statement-{NORDWIND}-{AS_OF}.pdf"'
    assert pdf.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Nordwind Logistik GmbH" in text and "INV-25-1008" in text
    sheet = clara.get(f"{base}.csv?as_of={AS_OF}")
    assert sheet.headers["content-type"] == "text/csv; charset=utf-8"
    assert sheet.headers["content-disposition"] == f'attachment; filename="statement-{NORDWIND}-{AS_OF}.csv"'
    assert "INV-25-1008" in sheet.text and "1750.00" in sheet.text


def test_the_payment_history_comes_as_html_pdf_and_csv(clara: TestClient) -> None:
    base = f"/customers/{NORDWIND}/history"
    for fmt, media in (("html", "text/html"), ("pdf", "application/pdf"), ("csv", "text/csv")):
        answer = clara.get(f"{base}.{fmt}?as_of={AS_OF}")
        assert answer.status_code == 200, answer.text[-500:]
        assert answer.headers["content-type"].startswith(media)
        assert f'filename="payment-history-{NORDWIND}-{AS_OF}.{fmt}"' in answer.headers["content-disposition"]
    sheet = clara.get(f"{base}.csv?as_of={AS_OF}").text
    assert "INV-25-1001" in sheet  # paid invoices are part of the history


def test_an_auditor_reads_the_documents(client: TestClient) -> None:
    sign_in(client, "ada")
    assert client.get(f"/customers/{NORDWIND}/statement.pdf?as_of={AS_OF}").status_code == 200


# ---- the forms ---------------------------------------------------------------------------------------------


def test_a_note_is_added_and_audited(clara: TestClient) -> None:
    token = csrf_of(clara.get(FILE).text)
    answer = clara.post(
        f"/customers/{NORDWIND}/notes",
        data={"csrf_token": token, "text": "Promised the rest <b>by Friday</b>", "invoice_id": "INV-26-0011",
              "back": FILE},
    )
    assert answer.status_code == 200 and str(answer.url).endswith(FILE)
    assert flash(answer) == "Note added about invoice INV-26-0011."
    notes = text_of(html.fromstring(answer.text), "notes")
    assert "Promised the rest <b>by Friday</b>" in notes and "clara · about INV-26-0011" in notes  # escaped text
    with clara.app.state.sessions() as session:  # type: ignore[attr-defined]
        entry = session.scalars(select(LedgerAudit).where(LedgerAudit.action == "note added")).all()[-1]
    assert entry.actor == "clara" and entry.entity_id == NORDWIND


def test_a_note_that_breaks_a_rule_changes_nothing(clara: TestClient) -> None:
    token = csrf_of(clara.get(FILE).text)
    empty = clara.post(f"/customers/{NORDWIND}/notes", data={"csrf_token": token, "text": "  "})
    assert "write something first" in flash(empty)
    foreign = clara.post(
        f"/customers/{NORDWIND}/notes", data={"csrf_token": token, "text": "x", "invoice_id": "INV-26-0301"}
    )
    assert "not an invoice of C-1001" in flash(foreign)
    assert count(clara, DeskNote) == 1


def test_a_dispute_is_opened_and_resolved(clara: TestClient) -> None:
    token = csrf_of(clara.get(FILE).text)
    opened = clara.post("/invoices/INV-26-0011/disputes", data={"csrf_token": token, "reason": "price differs"})
    assert "Dispute opened on invoice INV-26-0011" in flash(opened)
    assert str(opened.url).endswith(f"/customers/{NORDWIND}/credit-file")
    tree = html.fromstring(opened.text)
    assert "disputed" in tree.xpath("string(//tr[@data-invoice='INV-26-0011'])")
    assert "Open disputes 1" in text_of(tree, "open-disputes")
    twice = clara.post("/invoices/INV-26-0011/disputes", data={"csrf_token": token, "reason": "again"})
    assert "already disputed" in flash(twice)
    dispute_id = tree.xpath("//tr[@data-dispute]/@data-dispute")[0]
    resolved = clara.post(
        f"/disputes/{dispute_id}/resolve", data={"csrf_token": token, "resolution": "credit note", "back": FILE}
    )
    assert flash(resolved) == f"Dispute #{dispute_id} resolved."
    assert "resolved" in text_of(html.fromstring(resolved.text), "disputes")
    again = clara.post(f"/disputes/{dispute_id}/resolve", data={"csrf_token": token, "resolution": "x", "back": FILE})
    assert "already resolved" in flash(again)


def test_a_payment_plan_is_recorded_and_cancelled(clara: TestClient) -> None:
    token = csrf_of(clara.get(FILE).text)
    rows = {"due": ["", "", "", "", "", ""], "amount": ["", "", "", "", "", ""]}
    rows["due"][:2] = [(AS_OF + timedelta(days=7)).isoformat(), (AS_OF + timedelta(days=37)).isoformat()]
    rows["amount"][:2] = ["1,000.00", "750"]
    answer = clara.post(
        f"/customers/{NORDWIND}/promises",
        data={"csrf_token": token, "currency": "eur", "invoices": "INV-25-1008", "note": "agreed by phone",
              "grace_days": "5", "back": FILE, **rows},
    )
    assert "Payment plan of 2 instalments" in flash(answer) and "1750.00 EUR" in flash(answer)
    tree = html.fromstring(answer.text)
    plan = tree.xpath("//tr[@data-promise][1]")[0]
    assert "plan" in plan.text_content() and "1,750.00 EUR" in plan.text_content()
    promise_id = plan.get("data-promise")
    cancelled = clara.post(
        f"/promises/{promise_id}/cancel", data={"csrf_token": token, "reason": "customer asked", "back": FILE}
    )
    assert flash(cancelled) == f"Promise #{promise_id} cancelled."
    with clara.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.get(DeskPromise, int(promise_id)).status == "cancelled"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"due": ["2026-13-01"], "amount": ["10"]}, "is not a date"),
        ({"due": ["2030-01-01"], "amount": ["ten"]}, "is not an amount"),
        ({"due": ["2030-01-01"], "amount": [""]}, "give both a date and an amount"),
        ({"due": [""], "amount": [""]}, "at least one instalment"),
        ({"due": ["2030-01-01"], "amount": ["-5"]}, "must be positive"),
        ({"due": ["2030-01-01"], "amount": ["5"], "grace_days": "soon"}, "not a whole number"),
    ],
)
def test_a_promise_that_cannot_be_read_changes_nothing(clara: TestClient, fields: dict[str, Any], message: str) -> None:
    before = count(clara, DeskPromise)
    token = csrf_of(clara.get(FILE).text)
    answer = clara.post(f"/customers/{NORDWIND}/promises", data={"csrf_token": token, "currency": "EUR", **fields})
    assert message in flash(answer)
    assert count(clara, DeskPromise) == before


def test_a_second_open_promise_is_refused(clara: TestClient) -> None:
    token = csrf_of(clara.get(FILE).text)
    answer = clara.post(
        "/customers/C-1004/promises", data={"csrf_token": token, "currency": "EUR", "due": "2030-01-01", "amount": "5"}
    )
    assert "already has an open promise" in flash(answer)
    assert str(answer.url).endswith("/customers/C-1004/credit-file")


def test_the_back_address_stays_on_this_site(clara: TestClient) -> None:
    token = csrf_of(clara.get(FILE).text)
    answer = clara.post(
        f"/customers/{NORDWIND}/notes",
        data={"csrf_token": token, "text": "x", "back": "//evil.example/"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/customers/{NORDWIND}/credit-file"


def test_desk_forms_without_the_sessions_csrf_token_change_nothing(clara: TestClient) -> None:
    for token in ["", "forged"]:
        answer = clara.post(f"/customers/{NORDWIND}/notes", data={"csrf_token": token, "text": "sneaky"})
        assert answer.status_code == 403 and "did not come from this site" in answer.text
        answer = clara.post("/invoices/INV-26-0011/disputes", data={"csrf_token": token, "reason": "sneaky"})
        assert answer.status_code == 403
    assert count(clara, DeskNote) == 1 and count(clara, DeskDispute) == 1


def test_an_auditor_sees_the_desk_but_changes_nothing(client: TestClient) -> None:
    sign_in(client, "ada")
    tree = doc(client.get(FILE))
    assert not tree.xpath("//form[@method='post' and not(@action='/logout')]")
    token = csrf_of(client.get(FILE).text)
    for path, data in [
        (f"/customers/{NORDWIND}/notes", {"text": "x"}),
        ("/invoices/INV-26-0011/disputes", {"reason": "x"}),
        ("/disputes/1/resolve", {"resolution": "x"}),
        (f"/customers/{NORDWIND}/promises", {"due": "2030-01-01", "amount": "5"}),
        ("/promises/2/cancel", {"reason": "x"}),
        ("/follow-up/run", {"as_of": AS_OF.isoformat()}),
    ]:
        answer = client.post(path, data={"csrf_token": token, **data})
        assert answer.status_code == 403, path
        assert "Auditors can see everything but change nothing" in answer.text
    assert count(client, DeskNote) == 1 and count(client, DeskPromise) == 2 and count(client, DeskFollowUp) == 1
    assert not doc(client.get("/follow-up")).xpath("//*[@data-testid='run-form']")


def test_csv_text_cells_never_start_like_a_formula() -> None:
    from gateway.api.review.desk_pages import _csv_text

    assert [_csv_text(t) for t in ("=SUM(A1)", "+1", "-x", "@a", "Nordwind", None)] == [
        "'=SUM(A1)", "'+1", "'-x", "'@a", "Nordwind", ""
    ]
