"""The payment-history file of one customer, for collections or legal action: every invoice ever, each payment
applied with its bank reference and the bank statement and file it came from, returns and undone allocations,
write-offs with reason and approver, days late, disputes and notes, reminders sent, promises and payment plans
and how they ended; totals per currency that add up to the ledger; and every event in date order with a running
balance per currency.

The file is drawn up as the ledger stood on ``as_of`` (see ``book`` for the date each movement takes effect).
Before anything is assembled, the whole history is checked against the ledger: per invoice and per currency,
amount - settled before - paid - written off must equal the ledger's open amount, or ``DoesNotReconcile`` is
raised and no file is produced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.desk.documents import csv_out
from gateway.desk.documents.book import Allocation, CustomerBook, InvoiceBook, PaymentInfo, WriteOff, customer_book
from gateway.desk.documents.config import Letterhead, load_letterhead
from gateway.desk.documents.customer import CustomerHeader, customer_header
from gateway.desk.documents.errors import DoesNotReconcile
from gateway.desk.notes import FollowUpView as Reminder
from gateway.desk.notes import follow_up_history
from gateway.ledger import audit
from gateway.ledger.exposure import CREDIT_STATUSES
from gateway.ledger.money import ZERO
from gateway.storage.desk_tables import (
    DeskDispute,
    DeskInstalment,
    DeskNote,
    DeskPromise,
)
from gateway.storage.ledger_tables import LedgerInvoice


@dataclass(frozen=True, slots=True)
class DisputeLine:
    id: int
    invoice_id: str
    reason: str
    status: str  # on as_of: open | resolved
    opened_by: str
    opened_on: date
    resolved_by: str | None
    resolved_on: date | None
    resolution: str | None


@dataclass(frozen=True, slots=True)
class NoteLine:
    id: int
    written_on: date
    author: str
    text: str
    invoice_id: str | None


@dataclass(frozen=True, slots=True)
class InstalmentLine:
    seq: int
    due_date: date
    amount: Decimal
    paid: Decimal
    status: str  # on as_of
    settled_on: date | None


@dataclass(frozen=True, slots=True)
class PromiseLine:
    id: int
    kind: str  # promise | plan
    currency: str
    total: Decimal
    made_on: date
    made_by: str
    starts_on: date
    grace_days: int
    invoice_ids: tuple[str, ...]
    note: str | None
    status: str  # on as_of: open | kept | broken | cancelled
    closed_on: date | None
    closed_reason: str | None
    instalments: tuple[InstalmentLine, ...]


@dataclass(frozen=True, slots=True)
class HistoryInvoice:
    invoice_id: str
    kind: str  # invoice | credit note
    currency: str
    amount: Decimal
    settled_before: Decimal  # settled in the ERP before the ledger took the invoice over
    issue_date: date
    due_date: date
    reference: str | None
    allocations: tuple[Allocation, ...]  # up to as_of, returns and undos included
    write_offs: tuple[WriteOff, ...]
    paid: Decimal  # net of returns and undos
    written_off: Decimal
    open_amount: Decimal
    paid_date: date | None
    days_late: int | None  # of a paid invoice: max(0, paid date - due date)
    days_overdue: int | None  # of an open one: as_of - due date
    disputes: tuple[DisputeLine, ...]
    notes: tuple[NoteLine, ...]
    reminder_level: int | None  # the highest reminder level it reached


@dataclass(frozen=True, slots=True)
class HistoryTotals:
    currency: str
    invoiced: Decimal  # invoices
    credit_notes: Decimal  # credit notes (negative)
    settled_before: Decimal
    paid: Decimal  # allocations net of returns and undos
    written_off: Decimal
    open: Decimal  # invoiced + credit notes - settled before - paid - written off
    on_account: Decimal  # payments of the customer not applied to invoices
    ledger_open: Decimal  # the ledger's open amount today (equals ``open`` when nothing happened after as_of)
    paid_invoices: int
    average_days_late: Decimal | None  # plain mean over the invoices paid


@dataclass(frozen=True, slots=True)
class StatementFile:
    """A bank statement payments in the file were booked on, and the file it was imported from."""

    statement_id: str | None
    account: str
    period: str
    file_name: str
    file_sha256: str


@dataclass(frozen=True, slots=True)
class OnAccount:
    payment_id: int
    booking_date: date | None
    currency: str
    bank_ref: str | None
    amount: Decimal
    unapplied: Decimal


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One line of the history in date order. ``amount`` changes what the customer owes (+ owes more, - less);
    ``balance`` is the running balance of the currency after it. Both are None for events without money."""

    day: date
    event: str
    currency: str | None
    invoice_id: str | None
    amount: Decimal | None
    balance: Decimal | None
    bank_ref: str | None = None
    end_to_end_id: str | None = None
    statement_id: str | None = None
    statement_account: str | None = None
    statement_period: str | None = None
    file_name: str | None = None
    file_sha256: str | None = None
    reference: str = ""
    actor: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PaymentHistory:
    customer: CustomerHeader
    letterhead: Letterhead
    as_of: date
    invoices: tuple[HistoryInvoice, ...]  # by issue date, then number
    totals: tuple[HistoryTotals, ...]  # per currency
    on_account: tuple[OnAccount, ...]
    reminders: tuple[Reminder, ...]  # oldest first
    promises: tuple[PromiseLine, ...]  # oldest first
    notes: tuple[NoteLine, ...]  # every note, on the customer or one of its invoices, oldest first
    disputes: tuple[DisputeLine, ...]
    statements: tuple[StatementFile, ...]  # the bank statements payments came from
    events: tuple[HistoryEvent, ...]  # date order
    later_movements: int  # money movements after as_of, not in this file
    generated_at: datetime
    document_id: str = ""  # first 16 hex digits of the SHA-256 of the document's CSV

    @property
    def title(self) -> str:
        return f"Payment history {self.customer.customer_id} as of {self.as_of}"


# -- the check against the ledger --------------------------------------------------------------------------


def _reconcile(session: Session, customer_id: str, book: CustomerBook) -> dict[str, Decimal]:
    """Every invoice's history adds up to its open amount in the ledger, and so does every currency.
    Returns the ledger's open amount per currency."""
    for inv in book.invoices:
        derived = inv.open_on(None)
        if derived != inv.ledger_open:
            raise DoesNotReconcile(
                f"invoice {inv.invoice_id}: amount {inv.amount} - settled before {inv.settled_before} - paid "
                f"{inv.paid_on(None)} - written off {inv.written_off_on(None)} = {derived} {inv.currency}, but the "
                f"ledger has {inv.ledger_open} open: no payment history is produced until this is corrected"
            )
    ledger: dict[str, Decimal] = {}
    rows = session.execute(
        select(LedgerInvoice.currency, LedgerInvoice.open_amount).where(LedgerInvoice.customer_id == customer_id)
    )
    for currency, open_amount in rows:  # summed here: SQLite keeps exact decimals as text
        ledger[currency] = ledger.get(currency, ZERO) + open_amount
    derived_totals: dict[str, Decimal] = {}
    for inv in book.invoices:
        derived_totals[inv.currency] = derived_totals.get(inv.currency, ZERO) + inv.open_on(None)
    if derived_totals != ledger:
        raise DoesNotReconcile(
            f"customer {customer_id}: the history adds up to {_money_map(derived_totals)} open, the ledger has "
            f"{_money_map(ledger)}: no payment history is produced until this is corrected"
        )
    return ledger


def _money_map(amounts: dict[str, Decimal]) -> str:
    return ", ".join(f"{amount} {currency}" for currency, amount in sorted(amounts.items())) or "nothing"


# -- the desk's records ------------------------------------------------------------------------------------


def _disputes(session: Session, customer_id: str, numbers: dict[int, str], as_of: date) -> list[DisputeLine]:
    found = []
    for d in session.scalars(
        select(DeskDispute)
        .where(DeskDispute.customer_id == customer_id)
        .order_by(DeskDispute.opened_at, DeskDispute.id)
    ):
        if d.opened_at.date() > as_of:
            continue
        resolved = d.resolved_at is not None and d.resolved_at.date() <= as_of
        found.append(
            DisputeLine(
                id=d.id,
                invoice_id=numbers.get(d.invoice_id, str(d.invoice_id)),
                reason=d.reason,
                status="resolved" if resolved else "open",
                opened_by=d.opened_by,
                opened_on=d.opened_at.date(),
                resolved_by=d.resolved_by if resolved else None,
                resolved_on=d.resolved_at.date() if resolved and d.resolved_at else None,
                resolution=d.resolution if resolved else None,
            )
        )
    return found


def _notes(session: Session, customer_id: str, numbers: dict[int, str], as_of: date) -> list[NoteLine]:
    return [
        NoteLine(n.id, n.created_at.date(), n.author, n.text, numbers.get(n.invoice_id) if n.invoice_id else None)
        for n in session.scalars(
            select(DeskNote).where(DeskNote.customer_id == customer_id).order_by(DeskNote.created_at, DeskNote.id)
        )
        if n.created_at.date() <= as_of
    ]


def _reminders(session: Session, customer_id: str, as_of: date) -> list[Reminder]:
    """The reminders recorded up to ``as_of``, oldest first."""
    return [r for r in reversed(follow_up_history(session, customer_id)) if r.run_date <= as_of]


def _instalment_status(i: DeskInstalment, promise_closed_later: bool, as_of: date) -> str:
    if i.status == "kept" and i.settled_on is not None and i.settled_on > as_of:
        return "open"
    if i.status in ("broken", "cancelled") and promise_closed_later:
        return "open"
    return i.status


def _promises(session: Session, customer_id: str, as_of: date) -> list[PromiseLine]:
    promises = [
        p
        for p in session.scalars(
            select(DeskPromise).where(DeskPromise.customer_id == customer_id).order_by(DeskPromise.created_at)
        )
        if p.created_at.date() <= as_of
    ]
    instalments: dict[int, list[DeskInstalment]] = {}
    if promises:
        ids = select(DeskPromise.id).where(DeskPromise.customer_id == customer_id)
        for i in session.scalars(
            select(DeskInstalment).where(DeskInstalment.promise_id.in_(ids)).order_by(DeskInstalment.seq)
        ):
            instalments.setdefault(i.promise_id, []).append(i)
    found = []
    for p in promises:
        closed_later = p.closed_at is not None and p.closed_at.date() > as_of
        closed = p.closed_at is not None and not closed_later
        found.append(
            PromiseLine(
                id=p.id,
                kind=p.kind,
                currency=p.currency,
                total=p.total,
                made_on=p.created_at.date(),
                made_by=p.created_by,
                starts_on=p.starts_on,
                grace_days=p.grace_days,
                invoice_ids=tuple(p.invoice_ids or ()),
                note=p.note,
                status="open" if closed_later else p.status,
                closed_on=p.closed_at.date() if closed and p.closed_at else None,
                closed_reason=p.closed_reason if closed else None,
                instalments=tuple(
                    InstalmentLine(
                        i.seq,
                        i.due_date,
                        i.amount,
                        i.paid,
                        _instalment_status(i, closed_later, as_of),
                        i.settled_on if i.settled_on and i.settled_on <= as_of else None,
                    )
                    for i in instalments.get(p.id, ())
                ),
            )
        )
    return found


# -- invoices, totals and events ---------------------------------------------------------------------------


def _invoice(
    inv: InvoiceBook,
    as_of: date,
    disputes: list[DisputeLine],
    notes: list[NoteLine],
    reminders: list[Reminder],
) -> HistoryInvoice:
    open_amount = inv.open_on(as_of)
    paid_date = inv.closed_on(as_of)
    levels = [item.level for r in reminders for item in r.items if item.invoice_id == inv.invoice_id]
    return HistoryInvoice(
        invoice_id=inv.invoice_id,
        kind="credit note" if inv.is_credit_note else "invoice",
        currency=inv.currency,
        amount=inv.amount,
        settled_before=inv.settled_before,
        issue_date=inv.issue_date,
        due_date=inv.due_date,
        reference=inv.reference,
        allocations=tuple(a for a in inv.allocations if a.effective <= as_of),
        write_offs=tuple(w for w in inv.write_offs if w.effective <= as_of),
        paid=inv.paid_on(as_of),
        written_off=inv.written_off_on(as_of),
        open_amount=open_amount,
        paid_date=paid_date,
        days_late=inv.days_late(as_of),
        days_overdue=(as_of - inv.due_date).days if open_amount != 0 else None,
        disputes=tuple(d for d in disputes if d.invoice_id == inv.invoice_id),
        notes=tuple(n for n in notes if n.invoice_id == inv.invoice_id),
        reminder_level=max(levels) if levels else None,
    )


def _totals(
    invoices: list[HistoryInvoice],
    on_account: list[OnAccount],
    ledger: dict[str, Decimal],
) -> tuple[HistoryTotals, ...]:
    currencies = sorted({i.currency for i in invoices} | {c.currency for c in on_account} | ledger.keys())
    totals = []
    for currency in currencies:
        mine = [i for i in invoices if i.currency == currency]
        invoiced = sum((i.amount for i in mine if i.amount > 0), ZERO)
        credit_notes = sum((i.amount for i in mine if i.amount < 0), ZERO)
        settled = sum((i.settled_before for i in mine), ZERO)
        paid = sum((i.paid for i in mine), ZERO)
        written_off = sum((i.written_off for i in mine), ZERO)
        open_total = invoiced + credit_notes - settled - paid - written_off
        if open_total != sum((i.open_amount for i in mine), ZERO):
            raise DoesNotReconcile(f"{currency}: the totals do not add up to the open invoices")
        late = [i.days_late for i in mine if i.days_late is not None]
        totals.append(
            HistoryTotals(
                currency=currency,
                invoiced=invoiced,
                credit_notes=credit_notes,
                settled_before=settled,
                paid=paid,
                written_off=written_off,
                open=open_total,
                on_account=sum((c.unapplied for c in on_account if c.currency == currency), ZERO),
                ledger_open=ledger.get(currency, ZERO),
                paid_invoices=len(late),
                average_days_late=(Decimal(sum(late)) / len(late)).quantize(Decimal("0.1")) if late else None,
            )
        )
    return tuple(totals)


_ORDER = {
    "invoice": 0,
    "credit_note": 0,
    "settled_before_import": 1,
    "payment": 2,
    "return": 2,
    "reversal": 2,
    "write_off": 3,
    "payment_on_account": 4,
    "reminder": 5,
    "promise": 6,
    "instalment_due": 7,
    "promise_closed": 8,
    "dispute_opened": 9,
    "dispute_resolved": 10,
    "note": 11,
}


def _source_fields(pay: PaymentInfo) -> dict[str, str | None]:
    s = pay.source
    return {
        "bank_ref": pay.bank_ref,
        "end_to_end_id": pay.end_to_end_id,
        "statement_id": s.statement_id,
        "statement_account": s.account,
        "statement_period": s.period,
        "file_name": s.file_name,
        "file_sha256": s.file_sha256,
    }


def _allocation_event(a: Allocation, currency: str) -> HistoryEvent:
    if a.kind == "reversal":
        event, detail = "reversal", f"allocation #{a.reverses_id} undone: {a.reason or 'no reason given'}"
    elif a.kind == "return":
        event = "return"
        detail = a.reason or f"direct-debit return ({a.payment.return_reason or 'no reason code'})"
    else:
        event = "payment"
        detail = f"{a.kind} allocation of a payment of {a.payment.amount} {a.payment.currency}"
        if a.payment.counterparty_name:
            detail += f" from {a.payment.counterparty_name}"
        if a.reversed_by is not None:
            detail += f"; undone by allocation #{a.reversed_by}"
    return HistoryEvent(
        day=a.effective,
        event=event,
        currency=currency,
        invoice_id=a.invoice_id,
        amount=-a.amount,
        balance=None,
        reference=f"allocation #{a.id} (payment #{a.payment.payment_id})",
        actor=a.actor,
        detail=detail,
        **_source_fields(a.payment),  # type: ignore[arg-type]
    )


def _events(
    invoices: list[HistoryInvoice],
    on_account: list[OnAccount],
    payments: dict[int, PaymentInfo],
    reminders: list[Reminder],
    promises: list[PromiseLine],
    disputes: list[DisputeLine],
    notes: list[NoteLine],
    as_of: date,
) -> tuple[HistoryEvent, ...]:
    currency_of = {i.invoice_id: i.currency for i in invoices}
    keyed: list[tuple[tuple[date, int, int], HistoryEvent]] = []

    def add(event: HistoryEvent, seq: int) -> None:
        keyed.append(((event.day, _ORDER[event.event], seq), event))

    for n, inv in enumerate(invoices):
        kind = "credit_note" if inv.amount < 0 else "invoice"
        add(
            HistoryEvent(
                inv.issue_date,
                kind,
                inv.currency,
                inv.invoice_id,
                inv.amount,
                None,
                reference=inv.reference or "",
                detail=f"{inv.kind} issued, due {inv.due_date}",
            ),
            n,
        )
        if inv.settled_before:
            add(
                HistoryEvent(
                    inv.issue_date,
                    "settled_before_import",
                    inv.currency,
                    inv.invoice_id,
                    -inv.settled_before,
                    None,
                    detail="settled in the ERP before the ledger took the invoice over",
                ),
                n,
            )
        for a in inv.allocations:
            add(_allocation_event(a, inv.currency), a.id)
        for w in inv.write_offs:
            approval = f"; approved by {w.approved_by}" if w.approved_by else ""
            add(
                HistoryEvent(
                    w.effective,
                    "write_off",
                    inv.currency,
                    inv.invoice_id,
                    -w.amount,
                    None,
                    reference=f"write-off #{w.id}",
                    actor=w.actor,
                    detail=f"{w.reason}{approval}",
                ),
                w.id,
            )
    for c in on_account:
        add(
            HistoryEvent(
                c.booking_date or as_of,
                "payment_on_account",
                c.currency,
                None,
                None,
                None,
                reference=f"payment #{c.payment_id}",
                detail=f"{c.unapplied} of a payment of {c.amount} {c.currency} not applied to an invoice",
                **_source_fields(payments[c.payment_id]),  # type: ignore[arg-type]
            ),
            c.payment_id,
        )
    for r in reminders:
        invoices_named = ", ".join(i.invoice_id for i in r.items)
        add(
            HistoryEvent(
                r.run_date,
                "reminder",
                r.currency,
                None,
                None,
                None,
                reference=f"reminder #{r.id}",
                actor=r.actor,
                detail=(
                    f"level {r.level} ({r.level_name}) by {r.channel} to {r.recipient or 'no recipient'}: {r.status}"
                    f"{' (' + r.error + ')' if r.error else ''}; overdue {r.total_overdue} {r.currency}"
                    f"{f'; fee {r.fee}, interest {r.interest}' if r.fee or r.interest else ''}"
                    f"{'; invoices ' + invoices_named if invoices_named else ''}"
                ),
            ),
            r.id,
        )
    for p in promises:
        schedule = "; ".join(f"{i.due_date} {i.amount}" for i in p.instalments)
        covers = f" for {', '.join(p.invoice_ids)}" if p.invoice_ids else ""
        add(
            HistoryEvent(
                p.made_on,
                "promise",
                p.currency,
                None,
                None,
                None,
                reference=f"promise #{p.id}",
                actor=p.made_by,
                detail=f"{p.kind} of {p.total} {p.currency}{covers}: {schedule}",
            ),
            p.id,
        )
        for i in p.instalments:
            if i.due_date <= as_of:
                settled = f", settled {i.settled_on}" if i.settled_on else ""
                add(
                    HistoryEvent(
                        i.due_date,
                        "instalment_due",
                        p.currency,
                        None,
                        None,
                        None,
                        reference=f"promise #{p.id} instalment {i.seq}",
                        detail=f"{i.amount} due, {i.paid} paid: {i.status}{settled}",
                    ),
                    p.id * 1000 + i.seq,
                )
        if p.closed_on is not None:
            add(
                HistoryEvent(
                    p.closed_on,
                    "promise_closed",
                    p.currency,
                    None,
                    None,
                    None,
                    reference=f"promise #{p.id}",
                    detail=f"{p.status}{': ' + p.closed_reason if p.closed_reason else ''}",
                ),
                p.id,
            )
    for d in disputes:
        currency = currency_of.get(d.invoice_id)
        add(
            HistoryEvent(
                d.opened_on,
                "dispute_opened",
                currency,
                d.invoice_id,
                None,
                None,
                reference=f"dispute #{d.id}",
                actor=d.opened_by,
                detail=d.reason,
            ),
            d.id,
        )
        if d.resolved_on is not None:
            add(
                HistoryEvent(
                    d.resolved_on,
                    "dispute_resolved",
                    currency,
                    d.invoice_id,
                    None,
                    None,
                    reference=f"dispute #{d.id}",
                    actor=d.resolved_by,
                    detail=d.resolution or "",
                ),
                d.id,
            )
    for note in notes:
        add(
            HistoryEvent(
                note.written_on,
                "note",
                currency_of.get(note.invoice_id) if note.invoice_id else None,
                note.invoice_id,
                None,
                None,
                reference=f"note #{note.id}",
                actor=note.author,
                detail=note.text,
            ),
            note.id,
        )
    keyed.sort(key=lambda k: k[0])
    balances: dict[str, Decimal] = {}
    events = []
    for _, e in keyed:
        if e.amount is not None and e.currency is not None:
            balances[e.currency] = balances.get(e.currency, ZERO) + e.amount
            e = replace(e, balance=balances[e.currency])
        events.append(e)
    for inv in invoices:
        balances.setdefault(inv.currency, ZERO)
    for currency, balance in balances.items():
        open_total = sum((i.open_amount for i in invoices if i.currency == currency), ZERO)
        if balance != open_total:
            raise DoesNotReconcile(f"{currency}: the running balance {balance} is not the open total {open_total}")
    return tuple(events)


def _statement_files(
    invoices: list[HistoryInvoice], on_account: list[OnAccount], payments: dict[int, PaymentInfo]
) -> tuple[StatementFile, ...]:
    used = [a.payment for i in invoices for a in i.allocations] + [payments[c.payment_id] for c in on_account]
    seen: dict[tuple[str, str | None, str, str], StatementFile] = {}
    for pay in used:
        s = pay.source
        key = (s.file_sha256, s.statement_id, s.account, s.period)
        seen.setdefault(key, StatementFile(s.statement_id, s.account, s.period, s.file_name, s.file_sha256))
    return tuple(sorted(seen.values(), key=lambda f: (f.period, f.file_name, f.statement_id or "")))


def payment_history(
    session: Session,
    customer_id: str,
    as_of: date,
    *,
    letterhead: Letterhead | None = None,
    generated_at: datetime | None = None,
) -> PaymentHistory:
    """The payment-history file of ``customer_id`` as of ``as_of``. Raises ``NotFound`` for an unknown
    customer, ``DoesNotReconcile`` when the history does not add up to the ledger's open amounts."""
    customer = customer_header(session, customer_id)
    letterhead = letterhead or load_letterhead()
    book = customer_book(session, customer_id)
    ledger = _reconcile(session, customer_id, book)
    numbers = {inv.pk: inv.invoice_id for inv in book.invoices}
    disputes = _disputes(session, customer_id, numbers, as_of)
    notes = _notes(session, customer_id, numbers, as_of)
    reminders = _reminders(session, customer_id, as_of)
    promises = _promises(session, customer_id, as_of)
    invoices = [_invoice(inv, as_of, disputes, notes, reminders) for inv in book.invoices if inv.issue_date <= as_of]
    on_account = [
        OnAccount(p.payment_id, p.booking_date, p.currency, p.bank_ref, p.amount, p.unapplied)
        for p in sorted(book.payments.values(), key=lambda p: (p.booking_date or as_of, p.payment_id))
        if p.customer_id == customer_id
        and p.status in CREDIT_STATUSES
        and p.unapplied > 0
        and p.booking_date is not None
        and p.booking_date <= as_of
    ]
    totals = _totals(invoices, on_account, ledger)
    events = _events(invoices, on_account, book.payments, reminders, promises, disputes, notes, as_of)
    later = sum(
        (inv.issue_date > as_of) + sum(m.effective > as_of for m in (*inv.allocations, *inv.write_offs))
        for inv in book.invoices
    )
    doc = PaymentHistory(
        customer=customer,
        letterhead=letterhead,
        as_of=as_of,
        invoices=tuple(invoices),
        totals=totals,
        on_account=tuple(on_account),
        reminders=tuple(reminders),
        promises=tuple(promises),
        notes=tuple(notes),
        disputes=tuple(disputes),
        statements=_statement_files(invoices, on_account, book.payments),
        events=events,
        later_movements=later,
        generated_at=generated_at or audit.now(),
    )
    return replace(doc, document_id=csv_out.fingerprint(csv_out.history_csv(doc)))


__all__ = [
    "DisputeLine",
    "HistoryEvent",
    "HistoryInvoice",
    "HistoryTotals",
    "InstalmentLine",
    "NoteLine",
    "OnAccount",
    "PaymentHistory",
    "PromiseLine",
    "Reminder",
    "StatementFile",
    "payment_history",
]
