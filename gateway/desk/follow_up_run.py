"""A follow-up run: promises brought up to date, then every reminder that is due rendered, recorded and sent.

Never the same reminder twice, whatever happens:

1. Each reminder is first committed with status ``sending`` (letters: ``recorded``) together with its invoices,
   in a transaction that checks no other run recorded one for that customer and currency in the meantime.
2. Only then is the mail server asked to take it; afterwards the row becomes ``sent`` or ``failed`` (with the
   server's answer in ``error``). A failed reminder does not count as sent: the next run tries again.
3. A run that stops between 1 and 2 (crash, killed process, lost database connection) leaves the row at
   ``sending``: the message may or may not have arrived. Such a reminder is never sent again by itself; the
   worklist shows the customer as held ("unconfirmed") until a person checks (the mail server's log, the
   customer) and calls ``confirm_follow_up`` (``gateway follow-up confirm ID --sent | --failed``).

A second run on the same day finds the levels reached and sends nothing again. Every step is audited in
``ledger_audit`` (entity ``follow_up``). ``send=False`` is a dry run: nothing is recorded, promises included.

The run commits as it goes: call it with a session that is not inside ``session.begin()``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, SessionTransaction

from gateway.desk.follow_up import WorklistEntry, worklist
from gateway.desk.follow_up_config import FollowUpConfig
from gateway.desk.mail import Mailer, MailError
from gateway.desk.promises import PromiseChange, track_promises
from gateway.errors import ConfigError
from gateway.ledger import audit, posting
from gateway.ledger.errors import LedgerError, NotFound
from gateway.ledger.money import as_text
from gateway.storage.desk_tables import DeskFollowUp, DeskFollowUpItem
from gateway.storage.ledger_tables import LedgerInvoice

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates" / "follow_up"


class Outcome:
    SENT = "sent"  # accepted by the mail server
    RECORDED = "recorded"  # a letter, written for post
    FAILED = "failed"  # the mail server refused it or could not be reached: due again next run
    HELD = "held"  # listed, not sent (the entry's ``held`` says why)
    DUE = "due"  # dry run: would be sent or recorded
    SKIPPED = "skipped"  # another run recorded a reminder for the customer at the same time


@dataclass(frozen=True, slots=True)
class RunLine:
    entry: WorklistEntry
    outcome: str
    reason: str | None = None  # why held / failed / skipped
    follow_up_id: int | None = None
    subject: str | None = None
    letter: Path | None = None


@dataclass(frozen=True, slots=True)
class FollowUpRun:
    as_of: date
    dry_run: bool
    lines: tuple[RunLine, ...]
    promise_changes: tuple[PromiseChange, ...] = field(default=())

    def _with(self, outcome: str) -> tuple[RunLine, ...]:
        return tuple(line for line in self.lines if line.outcome == outcome)

    @property
    def sent(self) -> tuple[RunLine, ...]:
        return self._with(Outcome.SENT)

    @property
    def recorded(self) -> tuple[RunLine, ...]:
        return self._with(Outcome.RECORDED)

    @property
    def failed(self) -> tuple[RunLine, ...]:
        return self._with(Outcome.FAILED)

    @property
    def held(self) -> tuple[RunLine, ...]:
        return self._with(Outcome.HELD)

    @property
    def due(self) -> tuple[RunLine, ...]:
        return self._with(Outcome.DUE)

    @property
    def counts(self) -> dict[str, int]:
        keys = (Outcome.SENT, Outcome.RECORDED, Outcome.FAILED, Outcome.HELD, Outcome.DUE, Outcome.SKIPPED)
        return {key: len(self._with(key)) for key in keys}


# -- rendering ----------------------------------------------------------------------------------------------


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def template_environment(config: FollowUpConfig) -> Environment:
    folders = [str(config.templates_dir)] if config.templates_dir else []
    env = Environment(
        loader=FileSystemLoader([*folders, str(TEMPLATES)]),
        undefined=StrictUndefined,
        autoescape=False,  # plain text mail and letters
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = _money
    return env


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str


def render(entry: WorklistEntry, as_of: date, config: FollowUpConfig, env: Environment | None = None) -> Rendered:
    """Subject (the template's first line) and body of the entry's reminder. A template that cannot be used
    raises ``ConfigError`` naming it."""
    env = env or template_environment(config)
    level = config.level(entry.level)
    names = [f"{level.template}.{entry.language}.txt", f"{level.template}.txt"]
    fees = {i.fee for i in entry.items if i.fee}
    context: dict[str, Any] = {
        "entry": entry,
        "items": entry.items,
        "level": level,
        "as_of": as_of,
        "creditor": config.creditor,
        "bank": config.creditor.bank_for(entry.currency),
        "rate": config.rate_for(entry.currency),
        "fee_each": fees.pop() if len(fees) == 1 else None,
    }
    try:
        text = env.select_template(names).render(context)
    except TemplateError as exc:
        raise ConfigError(f"follow-up template {level.template!r} cannot be used: {exc}") from None
    subject, _, body = text.strip("\n").partition("\n")
    subject = " ".join(subject.split())
    if not subject:
        raise ConfigError(f"follow-up template {level.template!r}: the first line (the subject) is empty")
    return Rendered(subject, body.lstrip("\n").rstrip() + "\n")


# -- recording ----------------------------------------------------------------------------------------------


def _max_id(session: Session) -> int:
    return int(session.scalar(select(func.max(DeskFollowUp.id))) or 0)


def _recorded_meanwhile(session: Session, entry: WorklistEntry, watermark: int) -> int | None:
    return session.scalar(
        select(DeskFollowUp.id).where(
            DeskFollowUp.id > watermark,
            DeskFollowUp.customer_id == entry.customer_id,
            DeskFollowUp.currency == entry.currency,
            DeskFollowUp.status != "failed",
        )
    )


def _evidence(entry: WorklistEntry, **more: Any) -> dict[str, Any]:
    return {
        "customer_id": entry.customer_id,
        "currency": entry.currency,
        "level": entry.level,
        "level_name": entry.level_name,
        "channel": entry.channel,
        "recipient": entry.recipient,
        "invoice_ids": list(entry.invoice_ids),
        "total_overdue": as_text(entry.total_overdue),
        "fee": as_text(entry.fee),
        "interest": as_text(entry.interest),
        **more,
    }


def _record(session: Session, entry: WorklistEntry, rendered: Rendered, as_of: date, status: str, actor: str) -> int:
    when = audit.now()
    follow_up_id = session.execute(
        insert(DeskFollowUp).returning(DeskFollowUp.id),
        [
            {
                "customer_id": entry.customer_id,
                "run_date": as_of,
                "level": entry.level,
                "level_name": entry.level_name,
                "channel": entry.channel,
                "currency": entry.currency,
                "total_overdue": entry.total_overdue,
                "fee": entry.fee,
                "interest": entry.interest,
                "recipient": entry.recipient,
                "subject": rendered.subject,
                "body": rendered.body,
                "status": status,
                "error": None,
                "actor": actor,
                "created_at": when,
                "sent_at": None,
            }
        ],
    ).scalar_one()
    pks = dict(
        session.execute(
            select(LedgerInvoice.invoice_id, LedgerInvoice.id).where(LedgerInvoice.invoice_id.in_(entry.invoice_ids))
        ).all()
    )
    session.execute(
        insert(DeskFollowUpItem),
        [
            {
                "follow_up_id": follow_up_id,
                "invoice_id": pks[item.invoice_id],
                "level": item.level,
                "open_amount": item.open_amount,
                "days_overdue": item.days_overdue,
                "fee": item.fee,
                "interest": item.interest,
            }
            for item in entry.items
        ],
    )
    audit.record(
        session,
        actor=actor,
        action="letter recorded" if status == "recorded" else "reminder recorded for sending",
        entity="follow_up",
        entity_id=follow_up_id,
        evidence=_evidence(entry, run_date=as_of.isoformat(), subject=rendered.subject),
        after={"status": status},
        at=when,
    )
    return int(follow_up_id)


def _finish(
    session: Session,
    follow_up_id: int,
    status: str,
    *,
    actor: str,
    error: str | None = None,
    message_id: str | None = None,
) -> None:
    row = session.get_one(DeskFollowUp, follow_up_id)
    before = row.status
    when = audit.now()
    row.status, row.error = status, error
    if status == "sent":
        row.sent_at = when
    audit.record(
        session,
        actor=actor,
        action=f"reminder {status}",
        entity="follow_up",
        entity_id=follow_up_id,
        evidence={"customer_id": row.customer_id, "recipient": row.recipient, "message_id": message_id, "error": error},
        before={"status": before},
        after={"status": status},
        at=when,
    )


def _transaction(session: Session) -> SessionTransaction:
    """A fresh transaction of its own (whatever a read may have begun is committed first)."""
    if session.in_transaction():
        session.commit()
    return session.begin()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _write_letter(folder: Path, follow_up_id: int, entry: WorklistEntry, as_of: date, rendered: Rendered) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{as_of}_{_UNSAFE.sub('-', entry.customer_id)}_{entry.currency}_level{entry.level}_{follow_up_id}.txt"
    path = folder / name
    tmp = path.with_suffix(".part")
    tmp.write_text(f"{rendered.subject}\n\n{rendered.body}", encoding="utf-8")
    tmp.replace(path)
    return path


def run_follow_up(
    session: Session,
    as_of: date,
    config: FollowUpConfig,
    mailer: Mailer | None,
    *,
    actor: str,
    send: bool = True,
    letters: Path | None = None,
) -> FollowUpRun:
    """Track promises, then record and send every reminder due on ``as_of`` (see the module doc). ``letters``:
    a folder the letters are also written to as text files. ``send=False``: a dry run, nothing recorded."""
    if session.in_transaction():
        session.commit()  # start from what is committed: the run commits step by step
    env = template_environment(config)
    try:
        changes = tuple(track_promises(session, as_of, actor=actor))
        entries = worklist(session, as_of, config)
        watermark = _max_id(session)
        rendered = {id(e): render(e, as_of, config, env) for e in entries if e.held is None}
    except BaseException:
        session.rollback()
        raise
    if not send:
        session.rollback()
        lines = [
            RunLine(e, Outcome.HELD, e.held) if e.held else RunLine(e, Outcome.DUE, subject=rendered[id(e)].subject)
            for e in entries
        ]
        return FollowUpRun(as_of, True, tuple(lines), changes)
    session.commit()

    out: list[RunLine] = []
    for entry in entries:
        if entry.held is not None:
            out.append(RunLine(entry, Outcome.HELD, entry.held))
            continue
        message = rendered[id(entry)]
        if entry.channel == "email" and mailer is None:
            out.append(RunLine(entry, Outcome.HELD, "no mail server configured ([smtp] settings)"))
            continue
        status = "recorded" if entry.channel == "letter" else "sending"
        with _transaction(session):
            posting.lock_ledger(session)  # one run at a time records for a customer (PostgreSQL)
            other = _recorded_meanwhile(session, entry, watermark)
            follow_up_id = None if other else _record(session, entry, message, as_of, status, actor)
        if follow_up_id is None:
            out.append(RunLine(entry, Outcome.SKIPPED, f"another run recorded reminder #{other} meanwhile"))
            continue
        if entry.channel == "letter":
            path = None
            reason = None
            if letters is not None:
                try:
                    path = _write_letter(letters, follow_up_id, entry, as_of, message)
                except OSError as exc:
                    reason = f"recorded, but the letter file cannot be written: {exc.strerror or exc}"
            out.append(RunLine(entry, Outcome.RECORDED, reason, follow_up_id, message.subject, path))
            continue
        assert mailer is not None and entry.recipient is not None
        try:
            message_id = mailer.send(mailer.build(entry.recipient, message.subject, message.body))
        except MailError as exc:
            with _transaction(session):
                _finish(session, follow_up_id, "failed", actor=actor, error=str(exc))
            log.warning("reminder #%s to %s failed: %s", follow_up_id, entry.recipient, exc)
            out.append(RunLine(entry, Outcome.FAILED, str(exc), follow_up_id, message.subject))
            continue
        with _transaction(session):
            _finish(session, follow_up_id, "sent", actor=actor, message_id=message_id)
        out.append(RunLine(entry, Outcome.SENT, None, follow_up_id, message.subject))
    return FollowUpRun(as_of, False, tuple(out), changes)


def confirm_follow_up(session: Session, follow_up_id: int, *, sent: bool, actor: str, note: str | None = None) -> None:
    """Settle a reminder left at ``sending`` by a run that stopped: ``sent=True`` when it did arrive (the
    level counts as reached), ``False`` when it did not (the next run sends it again). Inside the caller's
    transaction, audited."""
    row = session.get(DeskFollowUp, follow_up_id)
    if row is None:
        raise NotFound(f"no reminder #{follow_up_id}")
    if row.status != "sending":
        raise LedgerError(f"reminder #{follow_up_id} is {row.status}, not waiting for confirmation")
    why = (note or "").strip() or ("confirmed as sent" if sent else "confirmed as not sent")
    _finish(session, follow_up_id, "sent" if sent else "failed", actor=actor, error=None if sent else why)


def unconfirmed(session: Session) -> list[DeskFollowUp]:
    """Reminders still ``sending``: a run stopped before the mail server's answer was recorded."""
    return list(session.scalars(select(DeskFollowUp).where(DeskFollowUp.status == "sending").order_by(DeskFollowUp.id)))


__all__ = [
    "FollowUpRun",
    "Outcome",
    "Rendered",
    "RunLine",
    "confirm_follow_up",
    "render",
    "run_follow_up",
    "template_environment",
    "unconfirmed",
]
