"""The review pages: dashboard, queue, a payment in full, a customer, write-off approvals, and the actions.

Every change goes through ``gateway.ledger.service`` (which audits it) inside this request's transaction;
a broken rule comes back as a ``LedgerError`` and is shown as a message, the transaction rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gateway.api.auth import SignedIn
from gateway.api.deps import DB, Actor, Forbidden, Viewer
from gateway.api.review import forms
from gateway.api.review.render import done, page
from gateway.ledger import queries, service
from gateway.ledger.config import load_ledger_config
from gateway.ledger.errors import LedgerError, NotFound
from gateway.storage.auth_tables import WriteOffRequest
from gateway.storage.ledger_tables import LedgerInvoice

log = logging.getLogger(__name__)
router = APIRouter()

SORT_KEYS = ("date", "amount", "customer", "account")


def act(db: Session, who: SignedIn, to: str, action: Callable[[], str]) -> RedirectResponse:
    """Run one action; its sentence (or the rule it broke) is the next page's message."""
    try:
        message = action()
    except (LedgerError, forms.FormError) as exc:
        db.rollback()
        return done(db, who, "error", str(exc), to)
    except SQLAlchemyError:
        db.rollback()
        log.exception("database error in a review action")
        return done(db, who, "error", "The database did not accept the change; nothing was changed. Try again.", to)
    except _Refused:
        raise
    except Exception:  # a bug must not cost the clerk the page: roll back, log it, say so
        db.rollback()
        log.exception("unexpected error in a review action")
        return done(db, who, "error", "Something went wrong; nothing was changed. The error was logged.", to)
    return done(db, who, "ok", message, to)


def back_or(target: str | None, fallback: str) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else fallback


# ---- reading ---------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, db: DB, who: Viewer) -> Response:
    board = queries.dashboard(db, datetime.now(UTC).date())
    pending = db.scalar(select(WriteOffRequest.id).where(WriteOffRequest.status == "pending").limit(1))
    return page(request, db, who, "dashboard.html", {"nav": "dashboard", "d": board, "approvals": pending})


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request,
    db: DB,
    who: Viewer,
    status: str = "",
    customer: str = "",
    account: str = "",
    min_amount: str = "",
    max_amount: str = "",
    date_from: str = "",
    date_to: str = "",
    sort: str = "-date",
    page_no: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    params = {
        "status": status,
        "customer": customer,
        "account": account,
        "min_amount": min_amount,
        "max_amount": max_amount,
        "date_from": date_from,
        "date_to": date_to,
        "sort": sort,
    }
    size = request.app.state.web.page_size
    error = None
    result = queries.Page([], 0, size, 0)
    if sort.lstrip("-") not in SORT_KEYS:
        sort = params["sort"] = "-date"
    try:
        result = queries.review_queue(
            db,
            status={status} if status in queries.QUEUE_STATUSES else None,
            customer=customer.strip() or None,
            account=account.strip() or None,
            min_amount=forms.amount(min_amount, "from amount"),
            max_amount=forms.amount(max_amount, "to amount"),
            date_from=forms.day(date_from, "from date"),
            date_to=forms.day(date_to, "to date"),
            sort=sort,
            limit=size,
            offset=(page_no - 1) * size,
        )
    except (LedgerError, forms.FormError) as exc:
        error = str(exc)
    pages = max(1, -(-result.total // size))
    return page(
        request,
        db,
        who,
        "queue.html",
        {"nav": "queue", "q": result, "params": params, "error": error, "page_no": page_no, "pages": pages},
    )


@router.get("/payments/{payment_id}", response_class=HTMLResponse)
def payment(
    request: Request,
    db: DB,
    who: Viewer,
    payment_id: int,
    find: str = "",
    find_customer: str = "",
    find_amount: str = "",
) -> Response:
    try:
        detail = queries.payment_detail(db, payment_id)
    except NotFound as exc:
        return page(request, db, who, "error.html", {"heading": "Not found", "message": str(exc)}, status=404)
    found: list[queries.InvoiceView] | None = None
    search_error = None
    if find or find_customer or find_amount:
        try:
            found = queries.search_open_invoices(
                db, text=find or None, customer=find_customer or None, amount=forms.amount(find_amount)
            )
        except forms.FormError as exc:
            search_error = str(exc)
    elif detail.payment.customer_id:
        found = queries.search_open_invoices(db, customer=detail.payment.customer_id)
    touched = sorted({a.invoice_id for a in detail.allocations})
    remaining = {
        inv.invoice_id: inv
        for inv in db.scalars(select(LedgerInvoice).where(LedgerInvoice.invoice_id.in_(touched)))
        if inv.is_open and inv.amount > 0
    }
    cfg = load_ledger_config()
    return page(
        request,
        db,
        who,
        "payment.html",
        {
            "nav": "queue",
            "p": detail,
            "pay": detail.payment,
            "tx": detail.transaction,
            "found": found,
            "search": {"find": find, "find_customer": find_customer, "find_amount": find_amount},
            "search_error": search_error,
            "remaining": remaining,
            "limit": cfg.limit_for(detail.payment.currency),
            "can_act": who.user.role in ("clerk", "manager"),
        },
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer(request: Request, db: DB, who: Viewer, customer_id: str) -> Response:
    try:
        view = queries.customer_view(db, customer_id)
    except NotFound as exc:
        return page(request, db, who, "error.html", {"heading": "Not found", "message": str(exc)}, status=404)
    cfg = load_ledger_config()
    limits = {inv.invoice_id: cfg.limit_for(inv.currency) for inv in view.open_items}
    return page(
        request,
        db,
        who,
        "customer.html",
        {"nav": "queue", "c": view, "limits": limits, "can_act": who.user.role in ("clerk", "manager")},
    )


@router.get("/approvals", response_class=HTMLResponse)
def approvals(request: Request, db: DB, who: Viewer) -> Response:
    rows = list(db.scalars(select(WriteOffRequest).order_by(WriteOffRequest.id.desc()).limit(200)))
    return page(request, db, who, "approvals.html", {"nav": "approvals", "rows": rows})


# ---- acting ----------------------------------------------------------------------------------------------


@router.post("/payments/{payment_id}/confirm")
def confirm(db: DB, who: Actor, payment_id: int, rank: Annotated[int, Form()]) -> Response:
    def action() -> str:
        ids = service.confirm_suggestion(db, payment_id, rank, actor=who.user.username)
        return f"Suggestion {rank} confirmed: payment #{payment_id} allocated ({len(ids)} allocation(s))."

    return act(db, who, f"/payments/{payment_id}", action)


@router.post("/payments/{payment_id}/allocate")
def allocate(
    db: DB,
    who: Actor,
    payment_id: int,
    invoice: Annotated[list[str], Form()],
    amount: Annotated[list[str], Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    def action() -> str:
        parts: list[tuple[str, Decimal]] = []
        for number, text in zip(invoice, amount, strict=False):
            if not number.strip() and not text.strip():
                continue  # an empty line of the form
            value = forms.amount(text, f"amount for {number.strip() or 'the invoice'}")
            if not number.strip() or value is None:
                raise forms.FormError("every line needs an invoice number and an amount")
            parts.append((number.strip(), value))
        service.allocate(db, payment_id, parts, actor=who.user.username, reason=reason.strip() or None)
        return f"Payment #{payment_id} allocated: " + ", ".join(f"{n} {a}" for n, a in parts) + "."

    return act(db, who, f"/payments/{payment_id}", action)


@router.post("/payments/{payment_id}/not-customer")
def not_customer(db: DB, who: Actor, payment_id: int, reason: Annotated[str, Form()] = "") -> Response:
    def action() -> str:
        service.mark_not_customer_payment(db, payment_id, actor=who.user.username, reason=reason.strip())
        return f"Payment #{payment_id} marked as not a customer payment."

    return act(db, who, f"/payments/{payment_id}", action)


@router.post("/allocations/{allocation_id}/undo")
def undo(
    db: DB,
    who: Actor,
    allocation_id: int,
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    def action() -> str:
        reversal = service.undo_allocation(db, allocation_id, actor=who.user.username, reason=reason.strip())
        return f"Allocation #{allocation_id} undone (reversal #{reversal})."

    return act(db, who, back_or(back, "/queue"), action)


@router.post("/write-offs")
def write_off(
    db: DB,
    who: Actor,
    invoice_id: Annotated[str, Form()],
    amount: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    payment_id: Annotated[int | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    """At or below the limit the write-off is done at once; above it, it waits for a manager's approval
    (a different person from the one asking: four eyes)."""

    def action() -> str:
        value = forms.amount(amount)
        if value is None:
            raise forms.FormError("amount: the amount to write off is missing")
        inv = db.scalar(select(LedgerInvoice).where(LedgerInvoice.invoice_id == invoice_id.strip()))
        if inv is None:
            raise NotFound(f"no invoice {invoice_id!r} in the ledger")
        limit = load_ledger_config().limit_for(inv.currency)
        if value <= limit:
            service.write_off(
                db, inv.invoice_id, value, reason, actor=who.user.username, approved_by=None, payment_id=payment_id
            )
            return f"Wrote off {value} {inv.currency} of invoice {inv.invoice_id}."
        if not reason.strip():
            raise LedgerError("a write-off needs a reason")
        if value > inv.open_amount:
            raise LedgerError(f"invoice {inv.invoice_id} has {inv.open_amount} {inv.currency} open; {value} is more")
        db.add(
            WriteOffRequest(
                invoice_id=inv.invoice_id,
                amount=value,
                currency=inv.currency,
                reason=reason.strip(),
                payment_id=payment_id,
                requested_by=who.user.username,
                requested_at=datetime.now(UTC),
                status="pending",
            )
        )
        raise _Refused(
            f"Not written off: {value} {inv.currency} is above the limit of {limit} {inv.currency}. "
            "It needs a manager's approval; the request is waiting under Approvals."
        )

    try:
        return act(db, who, back_or(back, "/approvals"), action)
    except _Refused as refused:
        return done(db, who, "error", str(refused), back_or(back, "/approvals"))


class _Refused(Exception):
    """Not done, but something was recorded (the request for approval): commit it, show it as refused."""


def _manager(who: SignedIn) -> None:
    if who.user.role != "manager":
        raise Forbidden("Only a manager may approve or decline a write-off above the limit.")


@router.post("/approvals/{request_id}/approve")
def approve(db: DB, who: Actor, request_id: int) -> Response:
    _manager(who)

    def action() -> str:
        req = _pending(db, request_id)
        if req.requested_by == who.user.username:
            raise LedgerError("a write-off above the limit needs someone else's approval, not the requester's")
        write_off_id = service.write_off(
            db,
            req.invoice_id,
            req.amount,
            req.reason,
            actor=req.requested_by,
            approved_by=who.user.username,
            payment_id=req.payment_id,
        )
        req.status, req.decided_by, req.decided_at = "approved", who.user.username, datetime.now(UTC)
        req.write_off_id = write_off_id
        return f"Approved: wrote off {req.amount} {req.currency} of invoice {req.invoice_id}."

    return act(db, who, "/approvals", action)


@router.post("/approvals/{request_id}/decline")
def decline(db: DB, who: Actor, request_id: int) -> Response:
    _manager(who)

    def action() -> str:
        req = _pending(db, request_id)
        req.status, req.decided_by, req.decided_at = "declined", who.user.username, datetime.now(UTC)
        return f"Declined the write-off of {req.amount} {req.currency} of invoice {req.invoice_id}."

    return act(db, who, "/approvals", action)


def _pending(db: Session, request_id: int) -> WriteOffRequest:
    req = db.get(WriteOffRequest, request_id)
    if req is None:
        raise NotFound(f"no write-off request #{request_id}")
    if req.status != "pending":
        raise LedgerError(f"write-off request #{request_id} was already {req.status}")
    return req
