"""Who is due for which reminder on a day: the follow-up worklist (dunning), planned from the ledger and the
reminders already sent. Reading only: ``follow_up_run`` records and sends.

Per customer and currency, an open invoice (positive open amount, no open dispute) is due for the next level
after the highest one a reminder was sent for it (``sent`` or ``recorded``; a ``failed`` one does not count),
once it is ``days_after_due`` days past its due date and the customer's previous reminder in that currency is
``min_days_since_previous`` days old (never two on one day). The entry's level is the highest level due among
its invoices. An entry is listed but held (not sent) while

* a reminder of the customer in that currency is still ``sending`` (a run stopped between recording it and
  hearing back from the mail server: it may or may not have arrived; a person confirms it, see
  ``follow_up_run.confirm_follow_up``; it is never sent again by itself),
* an open promise to pay covers it (``promise_holds_follow_up``; a promise that names invoices covers those
  only: the other invoices are followed up as usual),
* the step goes by e-mail and the customer has no e-mail address, or
* the overdue amount is below the configured minimum.

Fees (``fee_per_invoice``) are charged once per invoice, at the first level that sets one; interest is simple
interest on the open amount from the due date, claimed from the levels with ``claim_interest``. Both are
rounded to the cent (half up) per invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.desk.follow_up_config import FollowUpConfig, Level, load_follow_up_config
from gateway.desk.promises import PromiseView, open_promises
from gateway.ledger.money import ZERO
from gateway.storage.desk_tables import DeskContact, DeskDispute, DeskFollowUp, DeskFollowUpItem
from gateway.storage.ledger_tables import LedgerCustomer, LedgerInvoice

CENT = Decimal("0.01")
NO_MONEY = Decimal("0.00")
HUNDRED = Decimal(100)
DAYS_PER_YEAR = Decimal(365)
# Statuses of a reminder that count as taken: the level was reached.
DONE = ("sent", "recorded")


@dataclass(frozen=True, slots=True)
class DueItem:
    invoice_id: str  # the ERP invoice number
    open_amount: Decimal
    due_date: date
    days_overdue: int
    fee: Decimal  # fixed compensation charged at this step for this invoice (may be 0)
    interest: Decimal  # late-payment interest accrued to as_of (may be 0)
    level: int = 1  # the step this invoice is due for
    fee_before: Decimal = ZERO  # compensation charged for it by earlier reminders
    reference: str | None = None  # the payment reference printed on the invoice
    issue_date: date | None = None

    @property
    def total(self) -> Decimal:
        return self.open_amount + self.fee_before + self.fee + self.interest


@dataclass(frozen=True, slots=True)
class WorklistEntry:
    customer_id: str
    name: str
    currency: str
    level: int  # the step due now (1 = first reminder)
    level_name: str
    channel: str  # email | letter
    recipient: str | None
    items: tuple[DueItem, ...]
    total_overdue: Decimal
    fee: Decimal
    interest: Decimal
    held: str | None  # why it is not sent (None = goes out): e.g. "promise to pay until 2026-12-01"
    last_level: int | None
    last_sent: date | None
    fee_before: Decimal = ZERO  # compensation charged for these invoices by earlier reminders
    contact_name: str | None = None
    language: str = "en"
    template: str = ""
    unconfirmed: tuple[int, ...] = field(default=())  # ids of reminders still "sending" (see module doc)

    @property
    def total(self) -> Decimal:
        """What the reminder asks for: overdue amount, earlier and new fees, interest."""
        return self.total_overdue + self.fee_before + self.fee + self.interest

    @property
    def invoice_ids(self) -> tuple[str, ...]:
        return tuple(i.invoice_id for i in self.items)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def interest_on(open_amount: Decimal, rate_percent: Decimal, days_overdue: int) -> Decimal:
    """Simple interest: open x rate / 100 x days / 365, rounded to the cent (half up)."""
    if days_overdue <= 0 or rate_percent <= 0 or open_amount <= 0:
        return NO_MONEY
    return cents(open_amount * rate_percent / HUNDRED * Decimal(days_overdue) / DAYS_PER_YEAR)


@dataclass(slots=True)
class _History:
    """What earlier reminders did for one invoice."""

    level: int = 0
    fees: Decimal = NO_MONEY


@dataclass(frozen=True, slots=True)
class _Step:
    level: int
    run_date: date


def _candidates(session: Session, as_of: date, config: FollowUpConfig) -> list[LedgerInvoice]:
    """Open invoices with a positive open amount, past the first step's day, without an open dispute."""
    latest_due = as_of - timedelta(days=config.levels[0].days_after_due)
    disputed = select(DeskDispute.invoice_id).where(DeskDispute.status == "open")
    return list(
        session.scalars(
            select(LedgerInvoice)
            .where(
                LedgerInvoice.is_open.is_(True),
                LedgerInvoice.open_milli > 0,
                LedgerInvoice.due_date <= latest_due,
                LedgerInvoice.id.not_in(disputed),
            )
            .order_by(LedgerInvoice.customer_id, LedgerInvoice.currency, LedgerInvoice.due_date, LedgerInvoice.id)
        )
    )


def _invoice_history(session: Session, invoice_pks: list[int]) -> dict[int, _History]:
    out: dict[int, _History] = {}
    for chunk in _chunks(invoice_pks):
        rows = session.execute(
            select(DeskFollowUpItem.invoice_id, DeskFollowUpItem.level, DeskFollowUpItem.fee)
            .join(DeskFollowUp, DeskFollowUp.id == DeskFollowUpItem.follow_up_id)
            .where(DeskFollowUp.status.in_(DONE), DeskFollowUpItem.invoice_id.in_(chunk))
        )
        for pk, level, fee in rows:
            h = out.setdefault(pk, _History())
            h.level = max(h.level, level)
            h.fees += fee
    return out


def _chunks(values: list[int], size: int = 900) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _last_steps(
    session: Session, customer_ids: list[str]
) -> tuple[dict[tuple[str, str], _Step], dict[tuple[str, str], list[int]]]:
    """The last taken reminder per customer and currency, and the ids of reminders still ``sending``."""
    last: dict[tuple[str, str], _Step] = {}
    sending: dict[tuple[str, str], list[int]] = {}
    for start in range(0, len(customer_ids), 900):
        rows = session.execute(
            select(
                DeskFollowUp.id,
                DeskFollowUp.customer_id,
                DeskFollowUp.currency,
                DeskFollowUp.level,
                DeskFollowUp.run_date,
                DeskFollowUp.status,
            )
            .where(
                DeskFollowUp.customer_id.in_(customer_ids[start : start + 900]),
                DeskFollowUp.status.in_((*DONE, "sending")),
            )
            .order_by(DeskFollowUp.run_date, DeskFollowUp.id)
        )
        for fid, cid, currency, level, run_date, status in rows:
            if status == "sending":
                sending.setdefault((cid, currency), []).append(fid)
            else:
                last[(cid, currency)] = _Step(level, run_date)
    return last, sending


def _due_level(config: FollowUpConfig, reached: int, days_overdue: int, since_last: int | None) -> Level | None:
    level = config.next_level(reached)
    if level is None or days_overdue < level.days_after_due:
        return None
    if since_last is not None and since_last < max(1, level.min_days_since_previous):
        return None
    return level


def _promise_cover(promises: list[PromiseView]) -> tuple[PromiseView | None, dict[str, PromiseView]]:
    """A promise over the whole currency (if any), and the promises per invoice they name."""
    whole = next((p for p in promises if not p.invoice_ids), None)
    named = {number: p for p in promises for number in p.invoice_ids}
    return whole, named


def _promise_hold(p: PromiseView) -> str:
    what = "promise to pay" if p.kind == "promise" else "payment plan"
    return f"{what} #{p.id} until {p.last_due}"


def worklist(session: Session, as_of: date, config: FollowUpConfig | None = None) -> list[WorklistEntry]:
    """Every customer and currency due for a reminder on ``as_of``, held ones included (``held`` says why),
    sorted by customer and currency."""
    config = config or load_follow_up_config()
    invoices = _candidates(session, as_of, config)
    if not invoices:
        return []
    customer_ids = list(dict.fromkeys(inv.customer_id for inv in invoices))
    history = _invoice_history(session, [inv.id for inv in invoices])
    last, sending = _last_steps(session, customer_ids)
    names: dict[str, str] = {}
    contacts: dict[str, DeskContact] = {}
    promises: dict[tuple[str, str], list[PromiseView]] = {}
    for start in range(0, len(customer_ids), 900):
        chunk = customer_ids[start : start + 900]
        rows = session.execute(
            select(LedgerCustomer.customer_id, LedgerCustomer.name).where(LedgerCustomer.customer_id.in_(chunk))
        )
        names.update((cid, name) for cid, name in rows)
        contacts.update(
            {c.customer_id: c for c in session.scalars(select(DeskContact).where(DeskContact.customer_id.in_(chunk)))}
        )
        if config.promise_holds_follow_up:
            for p in open_promises(session, chunk):
                promises.setdefault((p.customer_id, p.currency), []).append(p)

    groups: dict[tuple[str, str], list[LedgerInvoice]] = {}
    for inv in invoices:
        groups.setdefault((inv.customer_id, inv.currency), []).append(inv)

    entries: list[WorklistEntry] = []
    for (customer_id, currency), group in groups.items():
        step = last.get((customer_id, currency))
        since_last = (as_of - step.run_date).days if step else None
        due: list[tuple[LedgerInvoice, Level, _History]] = []
        for inv in group:
            h = history.get(inv.id, _History())
            level = _due_level(config, h.level, (as_of - inv.due_date).days, since_last)
            if level is not None:
                due.append((inv, level, h))
        if not due:
            continue
        held: str | None = None
        whole, named = _promise_cover(promises.get((customer_id, currency), []))
        if whole is not None:
            held = _promise_hold(whole)
        elif named:
            uncovered = [d for d in due if d[0].invoice_id not in named]
            if uncovered:
                due = uncovered  # the promised invoices wait; the others are followed up
            else:
                held = _promise_hold(named[due[0][0].invoice_id])
        entry_level = max((lv for _, lv, _ in due), key=lambda lv: lv.number)
        rate = config.rate_for(currency) if entry_level.claim_interest else ZERO
        items = []
        for inv, level, h in due:
            days = (as_of - inv.due_date).days
            fee = level.fee_for(currency) if h.fees == 0 else NO_MONEY
            fee = fee or NO_MONEY
            items.append(
                DueItem(
                    inv.invoice_id,
                    inv.open_amount,
                    inv.due_date,
                    days,
                    fee,
                    interest_on(inv.open_amount, rate, days),
                    level=level.number,
                    fee_before=h.fees,
                    reference=inv.reference,
                    issue_date=inv.issue_date,
                )
            )
        total = sum((i.open_amount for i in items), ZERO)
        contact = contacts.get(customer_id)
        email = contact.email if contact and contact.email else None
        unconfirmed = tuple(sending.get((customer_id, currency), ()))
        if unconfirmed:
            held = (
                f"reminder #{unconfirmed[-1]} was being sent when a run stopped and may have arrived: "
                "confirm it as sent or failed first"
            )
        elif held is None and entry_level.channel == "email" and email is None:
            held = "no e-mail address on file (gateway contacts import)"
        elif held is None and total < config.minimum_for(currency):
            held = f"overdue {total} {currency} is below the minimum of {config.minimum_for(currency)} {currency}"
        entries.append(
            WorklistEntry(
                customer_id=customer_id,
                name=names.get(customer_id, customer_id),
                currency=currency,
                level=entry_level.number,
                level_name=entry_level.name,
                channel=entry_level.channel,
                recipient=email if entry_level.channel == "email" else None,
                items=tuple(items),
                total_overdue=total,
                fee=sum((i.fee for i in items), ZERO),
                interest=sum((i.interest for i in items), ZERO),
                held=held,
                last_level=step.level if step else None,
                last_sent=step.run_date if step else None,
                fee_before=sum((i.fee_before for i in items), ZERO),
                contact_name=contact.contact_name if contact else None,
                language=(contact.language if contact and contact.language else "en"),
                template=entry_level.template,
                unconfirmed=unconfirmed,
            )
        )
    return entries


def due_entries(entries: Iterable[WorklistEntry]) -> list[WorklistEntry]:
    """The entries that go out (not held)."""
    return [e for e in entries if e.held is None]


__all__ = [
    "DueItem",
    "WorklistEntry",
    "cents",
    "due_entries",
    "interest_on",
    "load_follow_up_config",
    "worklist",
]
