"""The credit manager's desk in the review app: a customer's credit file, the ageing of the whole book, the
follow-up worklist, the customer documents (statement of account, payment history) and the desk's forms.

Pages read through ``gateway.desk`` and draw their charts on the server (``gateway.desk.charts``). Forms change
things only through the desk's functions (which audit every change) inside this request's transaction; a broken
rule is shown as the next page's message and nothing is changed (see ``ledger_pages.act``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.api.auth import SignedIn
from gateway.api.deps import ACTING_ROLES, DB, Actor, Forbidden, Viewer
from gateway.api.review import forms
from gateway.api.review.ledger_pages import act, back_or
from gateway.api.review.render import page, templates
from gateway.desk import charts, credit_file, documents, notes, promises
from gateway.desk.ageing import BUCKETS, SORT_KEYS, book_ageing, bucket_of
from gateway.desk.behaviour import customer_behaviour
from gateway.desk.follow_up import worklist
from gateway.desk.follow_up_config import FollowUpConfig, load_follow_up_config
from gateway.desk.follow_up_run import FollowUpRun, run_follow_up
from gateway.desk.mail import Mailer
from gateway.desk.notes import DisputeView
from gateway.ledger.errors import LedgerError, NotFound
from gateway.storage.ledger_tables import LedgerCustomer, LedgerInvoice

router = APIRouter()

INSTALMENT_ROWS = 6  # lines of the promise / payment plan form


def today() -> date:
    return datetime.now(UTC).date()


def _as_of(text: str) -> date:
    return forms.day(text, "as of date") or today()


def days_text(value: Decimal | int | None) -> str:
    """Days as the desk computed them: whole days without decimals, else as exact as given (9.1)."""
    if value is None:
        return ""
    amount = Decimal(value)
    return f"{int(amount)}" if amount == amount.to_integral_value() else f"{amount:f}"


templates.env.filters["days"] = days_text


def _can_act(who: SignedIn) -> bool:
    return who.user.role in ACTING_ROLES


def _not_found(request: Request, db: Session, who: SignedIn, exc: Exception) -> Response:
    return page(request, db, who, "error.html", {"heading": "Not found", "message": str(exc)}, status=404)


def _bad_input(request: Request, db: Session, who: SignedIn, exc: Exception) -> Response:
    return page(request, db, who, "error.html", {"heading": "Cannot do that", "message": str(exc)}, status=400)


def _credit_file_url(customer_id: str, as_of: date | None = None) -> str:
    return f"/customers/{quote(customer_id, safe='')}/credit-file" + (f"?as_of={as_of.isoformat()}" if as_of else "")


# ---- the credit file -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open invoice or credit note on the credit file, with its age and dispute."""

    invoice_id: str
    reference: str | None
    currency: str
    amount: Decimal
    open_amount: Decimal
    issue_date: date
    due_date: date
    days_past_due: int
    bucket: str
    dispute: DisputeView | None  # the invoice's open dispute, if any


def _open_items(db: Session, customer_id: str, as_of: date, disputes: list[DisputeView]) -> list[OpenItem]:
    open_disputes = {d.invoice_id: d for d in disputes if d.status == "open"}
    rows = db.scalars(
        select(LedgerInvoice)
        .where(LedgerInvoice.customer_id == customer_id, LedgerInvoice.is_open.is_(True))
        .order_by(LedgerInvoice.due_date, LedgerInvoice.invoice_id)
    )
    items = []
    for inv in rows:
        days = (as_of - inv.due_date).days
        items.append(
            OpenItem(
                inv.invoice_id,
                inv.reference,
                inv.currency,
                inv.amount,
                inv.open_amount,
                inv.issue_date,
                inv.due_date,
                days,
                bucket_of(days),
                open_disputes.get(inv.invoice_id),
            )
        )
    return items


@router.get("/customers/{customer_id}/credit-file", response_class=HTMLResponse)
def credit_file_page(request: Request, db: DB, who: Viewer, customer_id: str, as_of: str = "") -> Response:
    try:
        day = _as_of(as_of)
    except forms.FormError as exc:
        return _bad_input(request, db, who, exc)
    try:
        behaviour = customer_behaviour(db, customer_id, day)
    except NotFound as exc:
        return _not_found(request, db, who, exc)
    credit = credit_file.credit_file(db, customer_id, day)
    disputes = notes.customer_disputes(db, customer_id)
    ageing_charts = [
        (line, charts.ageing_bars(line.buckets, line.currency, title=f"Ageing of {behaviour.name} in {line.currency}"))
        for line in behaviour.ageing
    ]
    if not ageing_charts:
        ageing_charts = [(None, charts.ageing_bars({}, behaviour.currency))]
    context = {
        "nav": "ageing",
        "b": behaviour,
        "cf": credit,
        "as_of": day,
        "headroom": credit_file.headroom(credit.limit, behaviour.exposure),
        "ageing_charts": ageing_charts,
        "trend_svg": charts.trend_chart(
            behaviour.trend, behaviour.currency, title=f"Invoiced and paid per month in {behaviour.currency}"
        ),
        "open_items": _open_items(db, customer_id, day, disputes),
        "notes": notes.customer_notes(db, customer_id),
        "disputes": disputes,
        "promises": promises.customer_promises(db, customer_id),
        "reminders": notes.follow_up_history(db, customer_id),
        "instalment_rows": INSTALMENT_ROWS,
        "can_act": _can_act(who),
        "buckets": BUCKETS,
        "bucket_labels": charts.BUCKET_LABELS,
        "back": _credit_file_url(customer_id, day if as_of else None),
    }
    return page(request, db, who, "credit_file.html", context)


# ---- the ageing of the book ------------------------------------------------------------------------------

def _currencies(db: Session) -> list[str]:
    found = db.scalars(select(LedgerInvoice.currency).where(LedgerInvoice.is_open.is_(True)).distinct())
    return sorted(found)


def _ageing_params(as_of: str, currency: str, sort: str, q: str) -> dict[str, str]:
    if sort.lstrip("-") not in SORT_KEYS:
        sort = "-overdue"
    return {"as_of": as_of, "currency": currency.strip().upper(), "sort": sort, "q": q.strip()}


@router.get("/ageing", response_class=HTMLResponse)
def ageing_page(
    request: Request,
    db: DB,
    who: Viewer,
    as_of: str = "",
    currency: str = "",
    sort: str = "-overdue",
    q: str = "",
    page_no: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    params = _ageing_params(as_of, currency, sort, q)
    size = request.app.state.web.page_size
    try:
        day = _as_of(as_of)
    except forms.FormError as exc:
        return _bad_input(request, db, who, exc)
    book = book_ageing(
        db,
        day,
        currency=params["currency"] or None,
        sort=params["sort"],
        search=params["q"] or None,
        limit=size,
        offset=(page_no - 1) * size,
    )
    totals = [
        (line, charts.ageing_bars(line.buckets, line.currency, title=f"Ageing of the book in {line.currency}"))
        for line in book.totals
    ]
    if not totals:
        totals = [(None, charts.ageing_bars({}, params["currency"] or "EUR", title="Ageing of the book"))]
    pages = max(1, -(-book.count // size))
    return page(
        request,
        db,
        who,
        "ageing.html",
        {
            "nav": "ageing",
            "book": book,
            "totals": totals,
            "rows": [(r, charts.ageing_strip(r.buckets, r.currency)) for r in book.rows],
            "params": params,
            "as_of": day,
            "currencies": _currencies(db),
            "page_no": page_no,
            "pages": pages,
            "buckets": BUCKETS,
            "bucket_labels": charts.BUCKET_LABELS,
        },
    )


# A text cell starting like a formula is opened as one by spreadsheets: such text gets a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


AGEING_CSV_HEADER = [
    "customer_id",
    "name",
    "currency",
    *BUCKETS,
    "total",
    "overdue",
    "items",
    "oldest_due",
]


@router.get("/ageing.csv")
def ageing_csv(
    db: DB, who: Viewer, as_of: str = "", currency: str = "", sort: str = "-overdue", q: str = ""
) -> Response:
    params = _ageing_params(as_of, currency, sort, q)
    try:
        day = _as_of(as_of)
    except forms.FormError as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    book = book_ageing(
        db, day, currency=params["currency"] or None, sort=params["sort"], search=params["q"] or None
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AGEING_CSV_HEADER)
    for r in book.rows:
        writer.writerow(
            [
                _csv_text(r.customer_id),
                _csv_text(r.name),
                r.currency,
                *(format(r.buckets[k], "f") for k in BUCKETS),
                format(r.total, "f"),
                format(r.overdue, "f"),
                r.items,
                r.oldest_due.isoformat() if r.oldest_due else "",
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ageing-{day.isoformat()}.csv"'},
    )


# ---- the follow-up worklist ------------------------------------------------------------------------------


@router.get("/follow-up", response_class=HTMLResponse)
def follow_up_page(request: Request, db: DB, who: Viewer, as_of: str = "") -> Response:
    try:
        day = _as_of(as_of)
    except forms.FormError as exc:
        return _bad_input(request, db, who, exc)
    entries = worklist(db, day, load_follow_up_config())
    going = [e for e in entries if e.held is None]
    return page(
        request,
        db,
        who,
        "follow_up.html",
        {
            "nav": "follow-up",
            "entries": entries,
            "going": len(going),
            "held": len(entries) - len(going),
            "as_of": day,
            "is_today": day == today(),
            "can_run": who.user.role == "manager",
        },
    )


def _mailer(request: Request, config: FollowUpConfig) -> Mailer:
    """The mail server of the app's settings (``[smtp]``), writing in the creditor's name."""
    return Mailer(request.app.state.settings.smtp, sender_name=config.creditor.name)


@router.post("/follow-up/run")
def follow_up_run(request: Request, db: DB, who: Actor, as_of: Annotated[str, Form()] = "") -> Response:
    if who.user.role != "manager":
        raise Forbidden("Only a manager may run the follow-up.")

    def action() -> str:
        day = _as_of(as_of)
        if day != today():
            raise LedgerError(f"the follow-up runs for today ({today()}), not for {day}")
        config = load_follow_up_config()
        result = run_follow_up(db, day, config, _mailer(request, config), actor=who.user.username)
        return _run_summary(result)

    return act(db, who, "/follow-up", action)


def _run_summary(result: FollowUpRun) -> str:
    text = (
        f"Follow-up run for {result.as_of}: {len(result.sent)} e-mail(s) sent, {len(result.recorded)} letter(s) "
        f"recorded, {len(result.held)} held, {len(result.failed)} failed."
    )
    if result.failed:
        first = result.failed[0]
        text += f" {first.entry.name}: {first.reason}. Failed reminders are tried again on the next run."
    return text


# ---- documents ---------------------------------------------------------------------------------------------

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}


def _document(
    request: Request,
    db: Session,
    who: SignedIn,
    customer_id: str,
    as_of: str,
    kind: str,
    fmt: str,
    build: Callable[[Session, str, date], Any],
) -> Response:
    try:
        day = _as_of(as_of)
        doc = build(db, customer_id, day)
    except forms.FormError as exc:
        return _bad_input(request, db, who, exc)
    except NotFound as exc:
        return _not_found(request, db, who, exc)
    except documents.DocumentError as exc:
        heading = "Cannot produce the document"
        return page(request, db, who, "error.html", {"heading": heading, "message": str(exc)}, status=409)
    body: str | bytes
    if fmt == "pdf":
        body = documents.render_pdf(doc)
    elif fmt == "csv":
        body = documents.render_csv(doc)
    else:
        body = documents.render_html(doc)
    name = f"{kind}-{_SAFE.sub('_', customer_id)}-{day.isoformat()}.{fmt}"
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"', "Cache-Control": "no-store"},
    )


def _known_customer(db: Session, customer_id: str) -> None:
    if db.get(LedgerCustomer, customer_id) is None:
        raise NotFound(f"no customer {customer_id!r} in the ledger")


def _statement(db: Session, customer_id: str, day: date) -> Any:
    _known_customer(db, customer_id)
    return documents.statement_of_account(db, customer_id, day)


def _history(db: Session, customer_id: str, day: date) -> Any:
    _known_customer(db, customer_id)
    return documents.payment_history(db, customer_id, day)


@router.get("/customers/{customer_id}/statement.{fmt}")
def statement(request: Request, db: DB, who: Viewer, customer_id: str, fmt: str, as_of: str = "") -> Response:
    if fmt not in MEDIA:
        return _not_found(request, db, who, NotFound(f"no statement as {fmt!r}: html, pdf or csv"))
    return _document(request, db, who, customer_id, as_of, "statement", fmt, _statement)


@router.get("/customers/{customer_id}/history.{fmt}")
def history(request: Request, db: DB, who: Viewer, customer_id: str, fmt: str, as_of: str = "") -> Response:
    if fmt not in MEDIA:
        return _not_found(request, db, who, NotFound(f"no payment history as {fmt!r}: html, pdf or csv"))
    return _document(request, db, who, customer_id, as_of, "payment-history", fmt, _history)


# ---- acting: notes, disputes, promises ------------------------------------------------------------------


def _customer_of_invoice(db: Session, invoice_id: str) -> str | None:
    return db.scalar(select(LedgerInvoice.customer_id).where(LedgerInvoice.invoice_id == invoice_id))


@router.post("/customers/{customer_id}/notes")
def add_note(
    db: DB,
    who: Actor,
    customer_id: str,
    text: Annotated[str, Form()] = "",
    invoice_id: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    def action() -> str:
        if not text.strip():
            raise forms.FormError("note: write something first")
        notes.add_note(
            db, customer_id, text.strip(), actor=who.user.username, invoice_id=invoice_id.strip() or None
        )
        return "Note added" + (f" about invoice {invoice_id.strip()}." if invoice_id.strip() else ".")

    return act(db, who, back_or(back, _credit_file_url(customer_id)), action)


@router.post("/invoices/{invoice_id}/disputes")
def open_dispute(
    db: DB,
    who: Actor,
    invoice_id: str,
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    customer_id = _customer_of_invoice(db, invoice_id)
    fallback = _credit_file_url(customer_id) if customer_id else "/ageing"

    def action() -> str:
        if not reason.strip():
            raise forms.FormError("reason: say what the customer disputes")
        notes.open_dispute(db, invoice_id, reason.strip(), actor=who.user.username)
        return f"Dispute opened on invoice {invoice_id}: follow-up stops for it until the dispute is resolved."

    return act(db, who, back_or(back, fallback), action)


@router.post("/disputes/{dispute_id}/resolve")
def resolve_dispute(
    db: DB,
    who: Actor,
    dispute_id: int,
    resolution: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    def action() -> str:
        if not resolution.strip():
            raise forms.FormError("resolution: say how the dispute was resolved")
        notes.resolve_dispute(db, dispute_id, resolution.strip(), actor=who.user.username)
        return f"Dispute #{dispute_id} resolved."

    return act(db, who, back_or(back, "/ageing"), action)


@router.post("/customers/{customer_id}/promises")
def add_promise(
    db: DB,
    who: Actor,
    customer_id: str,
    currency: Annotated[str, Form()] = "",
    due: Annotated[list[str] | None, Form()] = None,
    amount: Annotated[list[str] | None, Form()] = None,
    invoices: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    grace_days: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    def action() -> str:
        instalments: list[tuple[date, Decimal]] = []
        for n, (day_text, amount_text) in enumerate(zip(due or [], amount or [], strict=False), start=1):
            if not day_text.strip() and not amount_text.strip():
                continue  # an empty line of the form
            when = forms.day(day_text, f"date of instalment {n}")
            value = forms.amount(amount_text, f"amount of instalment {n}")
            if when is None or value is None:
                raise forms.FormError(f"instalment {n}: give both a date and an amount")
            instalments.append((when, value))
        if not instalments:
            raise forms.FormError("a promise needs at least one instalment: a date and an amount")
        grace = None
        if grace_days.strip():
            if not grace_days.strip().isdigit():
                raise forms.FormError(f"grace days: {grace_days!r} is not a whole number of days")
            grace = int(grace_days.strip())
        numbers = [n for n in re.split(r"[\s,;]+", invoices) if n]
        promise_id = promises.add_promise(
            db,
            customer_id,
            currency.strip().upper() or "EUR",
            instalments,
            actor=who.user.username,
            invoice_ids=numbers,
            note=note.strip() or None,
            grace_days=grace,
        )
        total = sum((a for _, a in instalments), Decimal(0))
        kind = "Promise to pay" if len(instalments) == 1 else f"Payment plan of {len(instalments)} instalments"
        return f"{kind} #{promise_id} recorded: {total} {currency.strip().upper() or 'EUR'}."

    return act(db, who, back_or(back, _credit_file_url(customer_id)), action)


@router.post("/promises/{promise_id}/cancel")
def cancel_promise(
    db: DB,
    who: Actor,
    promise_id: int,
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    def action() -> str:
        if not reason.strip():
            raise forms.FormError("reason: say why the promise is cancelled")
        promises.cancel_promise(db, promise_id, actor=who.user.username, reason=reason.strip())
        return f"Promise #{promise_id} cancelled."

    return act(db, who, back_or(back, "/ageing"), action)

