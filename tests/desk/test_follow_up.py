"""The follow-up worklist and runs: which customer is due for which step on fixed dates, what stops it (paid,
disputed, promised, no address, too small), fee and interest to the cent, and the guarantees of a run: never
the same reminder twice (second run, crash between recording and sending), failed sends retried.

``DeskWorld`` (a ledger loaded through the ERP import, payments through statements and allocations) is shared
by the other desk tests of follow-up, promises and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from adapters.erp.invoices_csv import read_customers, read_invoices
from bench.ledger import Payment, write_camt053
from gateway.desk.contacts import import_contacts, read_contacts
from gateway.desk.follow_up import WorklistEntry, interest_on, worklist
from gateway.desk.follow_up_config import FollowUpConfig, load_follow_up_config
from gateway.desk.follow_up_run import FollowUpRun, confirm_follow_up, render, run_follow_up
from gateway.desk.mail import Mailer, MailError
from gateway.desk.notes import follow_up_history, open_dispute, resolve_dispute
from gateway.desk.promises import add_promise
from gateway.errors import ConfigError
from gateway.ledger import service
from gateway.ledger.config import LedgerConfig
from gateway.ledger.erp_import import import_customers, import_invoices
from gateway.ledger.errors import LedgerError
from gateway.ledger.job import LedgerJob
from gateway.matching import MatchingConfig
from gateway.model.invoice import Invoice
from gateway.settings import SmtpSettings
from gateway.storage import session_factory
from gateway.storage.desk_tables import DeskFollowUp, DeskFollowUpItem
from gateway.storage.ledger_tables import LedgerAudit, LedgerPayment

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_LEDGER = ROOT / "fixtures" / "ledger"
CONFIG = ROOT / "config" / "follow_up.toml"
D = Decimal


@dataclass
class DeskWorld:
    """The sample ledger (fixtures/ledger: customers, invoices, contacts) and ways to change it as in life."""

    engine: Engine
    sessions: sessionmaker[Session]
    config: LedgerConfig
    follow_up: FollowUpConfig
    payments: int = field(default=0)

    def worklist(self, as_of: date, config: FollowUpConfig | None = None) -> list[WorklistEntry]:
        with self.sessions() as session:
            return worklist(session, as_of, config or self.follow_up)

    def entry(self, as_of: date, customer_id: str) -> WorklistEntry | None:
        return next((e for e in self.worklist(as_of) if e.customer_id == customer_id), None)

    def run(
        self,
        as_of: date,
        mailer: Mailer | None = None,
        *,
        send: bool = True,
        letters: Path | None = None,
        config: FollowUpConfig | None = None,
    ) -> FollowUpRun:
        with self.sessions() as session:
            return run_follow_up(
                session, as_of, config or self.follow_up, mailer, actor="credit.manager", send=send, letters=letters
            )

    def follow_ups(self, customer_id: str | None = None) -> list[DeskFollowUp]:
        with self.sessions() as session:
            query = select(DeskFollowUp).order_by(DeskFollowUp.id)
            if customer_id:
                query = query.where(DeskFollowUp.customer_id == customer_id)
            return list(session.scalars(query))

    def invoice(self, invoice_id: str, customer_id: str, amount: str, due: date, *, currency: str = "EUR") -> None:
        with self.sessions() as session, session.begin():
            import_invoices(
                session,
                [Invoice(invoice_id, customer_id, "", currency, D(amount), D(amount), date(2026, 1, 2), due, None)],
                actor="erp",
            )

    def pay(self, day: date, amount: str, *parts: tuple[str, str]) -> int:
        """A payment of ``amount`` EUR booked on ``day`` (a camt.053 through the statement job), allocated by
        hand to ``parts`` (invoice, amount) when given. Returns the payment's id."""
        self.payments += 1
        ref = f"DESK{self.payments:04d}"
        path = self.config.inbox / f"desk-{self.payments:04d}.xml"
        write_camt053(path, f"DESK-STMT-{self.payments}", day, [Payment(D(amount), "A. Payer", None, "thanks", ref)])
        LedgerJob(self.engine, self.config, MatchingConfig(), worker="test").run_once()
        with self.sessions() as session, session.begin():
            pay = session.scalars(select(LedgerPayment).where(LedgerPayment.bank_ref == ref)).one()
            if parts:
                service.allocate(session, pay.id, [(inv, D(a)) for inv, a in parts], actor="clerk")
            return pay.id


class FakeMailer(Mailer):
    """Keeps what it is asked to send; ``fail`` makes the server refuse, ``crash`` stops the process."""

    def __init__(self, *, fail: bool = False, crash: bool = False) -> None:
        super().__init__(SmtpSettings(), sender_name="Example Trading GmbH")
        self.fail, self.crash = fail, crash
        self.outbox: list[EmailMessage] = []

    def send(self, msg: EmailMessage) -> str:
        if self.crash:
            raise SystemExit("killed while talking to the mail server")
        if self.fail:
            raise MailError("the mail server 127.0.0.1:25 cannot be reached: Connection refused")
        self.outbox.append(msg)
        return str(msg["Message-ID"])

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.outbox if m["To"] == address]


def open_desk(engine: Engine, tmp_path: Path) -> DeskWorld:
    """The sample ledger with its contacts on ``engine``, the statement inbox in ``tmp_path``."""
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        import_customers(session, read_customers(SAMPLE_LEDGER / "customers.csv"), actor="test")
        import_invoices(session, read_invoices(SAMPLE_LEDGER / "invoices.csv"), actor="test")
        import_contacts(session, read_contacts(SAMPLE_LEDGER / "contacts.csv"), actor="test")
    config = LedgerConfig(inbox=tmp_path / "inbox", processed=tmp_path / "processed", rejected=tmp_path / "rejected")
    config.inbox.mkdir()
    return DeskWorld(engine, sessions, config, load_follow_up_config(CONFIG))


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> DeskWorld:
    return open_desk(engine, tmp_path)


def _config(desk: DeskWorld, **changes: object) -> FollowUpConfig:
    return FollowUpConfig.model_validate(desk.follow_up.model_dump() | changes)


HARBOUR = "accounts.payable@harbour-supplies.example.co.uk"
NORDWIND = "kreditoren@nordwind-logistik.example.com"


def test_the_worklist_on_fixed_dates(desk: DeskWorld) -> None:
    # AR-2026-0510 (Harbour, 1500.00 open) was due on 2026-02-19; Nordwind's AR-2026-0501 on 2026-03-04.
    assert [(e.customer_id, e.level, e.invoice_ids) for e in desk.worklist(date(2026, 3, 10))] == [
        ("K-1004", 1, ("AR-2026-0510",))
    ]
    on_11th = desk.worklist(date(2026, 3, 11))
    assert [(e.customer_id, e.invoice_ids) for e in on_11th] == [
        ("K-1001", ("AR-2026-0501",)),
        ("K-1004", ("AR-2026-0510",)),
    ]
    nordwind = on_11th[0]
    assert (nordwind.level_name, nordwind.channel, nordwind.recipient) == ("reminder", "email", NORDWIND)
    assert nordwind.items[0].days_overdue == 7 and nordwind.total_overdue == D("2380.00")
    assert (nordwind.fee, nordwind.interest, nordwind.held, nordwind.last_level) == (D("0.00"), D("0.00"), None, None)
    # Nothing before due date + 7 days; credit notes and paid invoices are never chased.
    assert desk.worklist(date(2026, 2, 25)) == []
    everything = desk.worklist(date(2026, 6, 30))
    numbers = {n for e in everything for n in e.invoice_ids}
    assert "CN-2026-0011" not in numbers and len(numbers) == 10


def test_levels_step_up_with_fee_and_interest_to_the_cent(desk: DeskWorld, tmp_path: Path) -> None:
    mailer = FakeMailer()
    assert len(desk.run(date(2026, 2, 26), mailer).sent) == 1  # Harbour, level 1
    assert desk.entry(date(2026, 3, 5), "K-1004") is None  # level 2 waits for 21 days past due
    second = desk.entry(date(2026, 3, 12), "K-1004")
    assert second is not None and (second.level, second.level_name, second.last_level) == (2, "second reminder", 1)
    assert second.last_sent == date(2026, 2, 26)
    # 40.00 EUR compensation; 1500.00 x 10.15 % x 21 / 365 = 8.7596 -> 8.76
    assert (second.fee, second.interest, second.total) == (D("40.00"), D("8.76"), D("1548.76"))
    desk.run(date(2026, 3, 12), mailer)
    body = mailer.to(HARBOUR)[-1].get_content()
    assert mailer.to(HARBOUR)[-1]["Subject"] == "Second reminder K-1004: 1,548.76 EUR overdue"
    assert "AR-2026-0510" in body and "40.00 per invoice" in body and "8.76" in body and "1,548.76" in body

    third = desk.entry(date(2026, 3, 26), "K-1004")
    assert third is not None and third.level == 3
    # AR-2026-0507 (990.00, due 2026-03-14) joins at level 1; the entry takes the highest level
    harbour = {i.invoice_id: i for i in third.items}
    assert (harbour["AR-2026-0507"].level, harbour["AR-2026-0510"].level) == (1, 3)
    # the fee was charged once (at level 2): shown as charged earlier; interest to day 35: 14.599 -> 14.60
    item = harbour["AR-2026-0510"]
    assert (item.fee, item.fee_before, item.interest, item.total) == (D("0.00"), D("40.00"), D("14.60"), D("1554.60"))
    assert harbour["AR-2026-0507"].interest == D("3.30")  # 990.00 x 10.15 % x 12 / 365 = 3.3036
    assert (third.fee, third.fee_before, third.interest, third.total_overdue) == (
        D("0.00"),
        D("40.00"),
        D("17.90"),
        D("2490.00"),
    )
    assert third.total == D("2547.90")
    desk.run(date(2026, 3, 26), mailer)

    letters = tmp_path / "letters"
    run = desk.run(date(2026, 4, 10), mailer, letters=letters)
    letter = next(line for line in run.recorded if line.entry.customer_id == "K-1004")
    assert letter.entry.channel == "letter"
    assert {i.invoice_id: i.interest for i in letter.entry.items}["AR-2026-0510"] == D("20.86")  # 50 days
    assert letter.letter is not None and letter.letter.parent == letters
    text = letter.letter.read_text(encoding="utf-8")
    assert text.startswith("Letter before legal action K-1004") and "LETTER BEFORE LEGAL ACTION" in text
    assert len(mailer.to(HARBOUR)) == 3  # the letter was not e-mailed
    # every level was taken for AR-2026-0510: only AR-2026-0507 goes on
    late = desk.entry(date(2026, 5, 30), "K-1004")
    assert late is not None and late.invoice_ids == ("AR-2026-0507",)
    steps = desk.follow_ups("K-1004")
    assert [(s.level, s.status, s.channel) for s in steps] == [
        (1, "sent", "email"),
        (2, "sent", "email"),
        (3, "sent", "email"),
        (4, "recorded", "letter"),
    ]
    with desk.sessions() as session:
        items = session.scalars(select(DeskFollowUpItem).where(DeskFollowUpItem.follow_up_id == steps[1].id)).all()
        assert [(i.level, i.fee, i.interest, i.days_overdue) for i in items] == [(2, D("40.00"), D("8.76"), 21)]


def test_min_days_since_the_previous_step(desk: DeskWorld) -> None:
    desk.run(date(2026, 3, 5), FakeMailer())  # Harbour's first reminder went out late (14 days past due)
    assert desk.entry(date(2026, 3, 12), "K-1004") is None  # 21 days past due, but only 7 since the last step
    later = desk.entry(date(2026, 3, 15), "K-1004")
    assert later is not None and later.level == 2


def test_an_invoice_new_to_the_list_starts_at_level_one_and_the_entry_takes_the_highest(desk: DeskWorld) -> None:
    desk.run(date(2026, 3, 11), FakeMailer())  # Nordwind: AR-2026-0501 level 1
    entry = desk.entry(date(2026, 3, 25), "K-1001")  # 0501 is 21 days past due, 0502 18 days
    assert entry is not None and entry.level == 2
    assert [(i.invoice_id, i.level) for i in entry.items] == [("AR-2026-0501", 2), ("AR-2026-0502", 1)]
    assert entry.fee == D("40.00")  # the fee of level 2 only for the invoice at level 2


def test_paid_invoices_drop_out(desk: DeskWorld) -> None:
    desk.run(date(2026, 3, 11), FakeMailer())
    desk.pay(date(2026, 3, 12), "2380.00", ("AR-2026-0501", "2380.00"))
    entry = desk.entry(date(2026, 3, 25), "K-1001")
    assert entry is not None and entry.invoice_ids == ("AR-2026-0502",) and entry.level == 1
    desk.pay(date(2026, 3, 20), "200.00", ("AR-2026-0502", "200.00"))  # part of it
    entry = desk.entry(date(2026, 3, 25), "K-1001")
    assert entry is not None and entry.total_overdue == D("276.00")
    desk.pay(date(2026, 3, 21), "276.00", ("AR-2026-0502", "276.00"))
    assert desk.entry(date(2026, 3, 25), "K-1001") is None


def test_a_disputed_invoice_is_not_chased_until_resolved(desk: DeskWorld) -> None:
    with desk.sessions() as session, session.begin():
        dispute = open_dispute(session, "AR-2026-0503", "delivery incomplete", actor="clerk")
    entry = desk.entry(date(2026, 3, 20), "K-1002")
    assert entry is not None and entry.invoice_ids == ("AR-2026-0504",)
    with desk.sessions() as session, session.begin():
        open_dispute(session, "AR-2026-0504", "price differs from the order", actor="clerk")
    assert desk.entry(date(2026, 3, 20), "K-1002") is None
    with desk.sessions() as session, session.begin():
        resolve_dispute(session, dispute, "rest delivered on 2026-03-18", actor="clerk")
    entry = desk.entry(date(2026, 3, 20), "K-1002")
    assert entry is not None and entry.invoice_ids == ("AR-2026-0503",)


def test_a_promise_holds_follow_up_until_it_is_broken(desk: DeskWorld) -> None:
    with desk.sessions() as session, session.begin():
        promise = add_promise(
            session, "K-1001", "EUR", [(date(2026, 4, 1), D("2856.00"))], actor="cm", starts_on=date(2026, 3, 9)
        )
    mailer = FakeMailer()
    entry = desk.entry(date(2026, 3, 20), "K-1001")
    assert entry is not None and entry.held == f"promise to pay #{promise} until 2026-04-01"
    run = desk.run(date(2026, 3, 20), mailer)
    assert "K-1001" in {line.entry.customer_id for line in run.held} and not mailer.to(NORDWIND)
    assert desk.follow_ups("K-1001") == []
    # 2026-04-05: due 04-01 + 3 grace days passed without payment: broken, and the reminder goes out
    run = desk.run(date(2026, 4, 5), mailer)
    assert [(c.promise_id, c.seq, c.after) for c in run.promise_changes] == [
        (promise, 1, "broken"),
        (promise, None, "broken"),
    ]
    assert len(mailer.to(NORDWIND)) == 1


def test_a_promise_for_some_invoices_holds_those_only(desk: DeskWorld) -> None:
    with desk.sessions() as session, session.begin():
        add_promise(
            session, "K-1001", "EUR", [(date(2026, 4, 1), D("2380.00"))], actor="cm", invoice_ids=["AR-2026-0501"]
        )
    entry = desk.entry(date(2026, 3, 20), "K-1001")
    assert entry is not None and entry.held is None and entry.invoice_ids == ("AR-2026-0502",)
    config = _config(desk, promise_holds_follow_up=False)
    unheld = desk.worklist(date(2026, 3, 20), config)
    assert next(e for e in unheld if e.customer_id == "K-1001").invoice_ids == ("AR-2026-0501", "AR-2026-0502")


def test_held_without_an_address_or_below_the_minimum(desk: DeskWorld) -> None:
    bergstrom = desk.entry(date(2026, 3, 25), "K-1005")  # no e-mail address in contacts.csv
    assert bergstrom is not None and bergstrom.held is not None and "no e-mail address" in bergstrom.held
    config = _config(desk, min_overdue_amount={"EUR": "1000.00"})
    lumiere = next(e for e in desk.worklist(date(2026, 3, 25), config) if e.customer_id == "K-1003")
    assert lumiere.held == "overdue 762.40 EUR is below the minimum of 1000.00 EUR"
    mailer = FakeMailer()
    run = desk.run(date(2026, 3, 25), mailer, config=config)
    assert {line.entry.customer_id for line in run.held} == {"K-1003", "K-1005"}
    assert {m["To"] for m in mailer.outbox} == {NORDWIND, "crediteuren@vandijkbouw.example.nl", HARBOUR}


def test_a_second_run_on_the_same_day_sends_nothing_again(desk: DeskWorld) -> None:
    mailer = FakeMailer()
    first = desk.run(date(2026, 3, 20), mailer)
    assert first.counts["sent"] == 4 and len(mailer.outbox) == 4
    second = desk.run(date(2026, 3, 20), mailer)
    assert second.counts["sent"] == 0 and second.lines == () and len(mailer.outbox) == 4
    # even with a config that allows two steps a day
    eager = _config(desk, levels=[lv.model_dump() | {"min_days_since_previous": 0} for lv in desk.follow_up.levels])
    assert desk.run(date(2026, 3, 20), mailer, config=eager).counts["sent"] == 0
    assert len(desk.follow_ups()) == 4


def test_a_failed_send_is_recorded_and_tried_again_on_the_next_run(desk: DeskWorld) -> None:
    run = desk.run(date(2026, 3, 11), FakeMailer(fail=True))
    assert run.counts["failed"] == 2 and "Connection refused" in (run.failed[0].reason or "")
    failed = desk.follow_ups("K-1001")
    assert [(f.status, f.sent_at) for f in failed] == [("failed", None)] and "Connection refused" in (
        failed[0].error or ""
    )
    entry = desk.entry(date(2026, 3, 12), "K-1001")
    assert entry is not None and entry.level == 1 and entry.last_level is None  # a failed step does not count
    mailer = FakeMailer()
    run = desk.run(date(2026, 3, 12), mailer)
    assert run.counts["sent"] == 2 and len(mailer.to(NORDWIND)) == 1
    assert [f.status for f in desk.follow_ups("K-1001")] == ["failed", "sent"]


def test_a_crash_while_sending_never_sends_the_reminder_twice(desk: DeskWorld) -> None:
    with pytest.raises(SystemExit):
        desk.run(date(2026, 3, 11), FakeMailer(crash=True))
    (stuck,) = desk.follow_ups()
    assert stuck.status == "sending" and stuck.customer_id == "K-1001"  # committed before the mail server was asked
    mailer = FakeMailer()
    run = desk.run(date(2026, 3, 12), mailer)
    held = next(line for line in run.held if line.entry.customer_id == "K-1001")
    assert held.entry.unconfirmed == (stuck.id,) and "confirm" in (held.reason or "")
    assert not mailer.to(NORDWIND) and len(mailer.to(HARBOUR)) == 1  # the others go on as usual
    assert desk.run(date(2026, 3, 20), mailer).counts["sent"] == 0 or not mailer.to(NORDWIND)

    # a person checks the mail server's log: it did not go out; the next run sends it
    with desk.sessions() as session, session.begin():
        confirm_follow_up(session, stuck.id, sent=False, actor="credit.manager", note="not in the server log")
    desk.run(date(2026, 3, 21), mailer)
    assert len(mailer.to(NORDWIND)) == 1
    with desk.sessions() as session, session.begin(), pytest.raises(LedgerError, match="not waiting"):
        confirm_follow_up(session, stuck.id, sent=True, actor="credit.manager")


def test_a_crashed_reminder_confirmed_as_sent_counts_as_the_level(desk: DeskWorld) -> None:
    with pytest.raises(SystemExit):
        desk.run(date(2026, 3, 11), FakeMailer(crash=True))
    (stuck,) = desk.follow_ups()
    with desk.sessions() as session, session.begin():
        confirm_follow_up(session, stuck.id, sent=True, actor="credit.manager")
    entry = desk.entry(date(2026, 3, 25), "K-1001")
    assert entry is not None and entry.last_level == 1 and entry.level == 2


def test_a_dry_run_records_nothing(desk: DeskWorld) -> None:
    with desk.sessions() as session, session.begin():
        add_promise(
            session, "K-1002", "EUR", [(date(2026, 3, 12), D("100.00"))], actor="cm", starts_on=date(2026, 3, 1)
        )
    with desk.sessions() as session:
        audits = session.scalar(select(func.count()).select_from(LedgerAudit))
    mailer = FakeMailer()
    run = desk.run(date(2026, 3, 20), mailer, send=False)
    # as if the promise were tracked: it would break, and Van Dijk would get a reminder too
    assert run.dry_run and run.counts["due"] == 4 and run.counts["sent"] == 0
    assert [c.after for c in run.promise_changes] == ["broken", "broken"] and not mailer.outbox
    assert all(line.subject for line in run.due)
    with desk.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LedgerAudit)) == audits
    assert desk.follow_ups() == []
    van_dijk = desk.entry(date(2026, 3, 20), "K-1002")  # the promise is still open
    assert van_dijk is not None and "promise to pay" in (van_dijk.held or "")


def test_each_step_is_audited_and_in_the_history(desk: DeskWorld) -> None:
    desk.run(date(2026, 3, 11), FakeMailer())
    with desk.sessions() as session:
        history = follow_up_history(session, "K-1001")
        assert [(h.level, h.status, h.invoice_ids) for h in history] == [(1, "sent", ("AR-2026-0501",))]
        assert history[0].subject.startswith("Payment reminder K-1001") and history[0].recipient == NORDWIND
        actions = session.scalars(
            select(LedgerAudit.action)
            .where(LedgerAudit.entity == "follow_up", LedgerAudit.entity_id == str(history[0].id))
            .order_by(LedgerAudit.id)
        ).all()
        assert actions == ["reminder recorded for sending", "reminder sent"]


def test_without_a_mail_server_e_mails_are_held_and_letters_still_recorded(desk: DeskWorld) -> None:
    letters_only = _config(desk, levels=[lv.model_dump() | {"channel": "letter"} for lv in desk.follow_up.levels])
    run = desk.run(date(2026, 3, 11), None, config=letters_only)
    assert run.counts["recorded"] == 2
    run = desk.run(date(2026, 3, 14), None)
    assert {line.reason for line in run.held} == {"no mail server configured ([smtp] settings)"}


def test_interest_is_simple_and_rounded_half_up() -> None:
    assert interest_on(D("1500.00"), D("10.15"), 21) == D("8.76")
    assert interest_on(D("36.50"), D("5"), 1) == D("0.01")  # exactly 0.005: half up, not to even
    assert interest_on(D("100.00"), D("10.15"), 0) == D("0.00")
    assert interest_on(D("100.00"), D("0"), 30) == D("0.00")


def test_config_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_follow_up_config(tmp_path / "missing.toml")
    bad = tmp_path / "follow_up.toml"
    text = CONFIG.read_text(encoding="utf-8")
    bad.write_text(text.replace("days_after_due = 21", "days_after_due = 3"), encoding="utf-8")
    with pytest.raises(ConfigError, match="days_after_due must grow"):
        load_follow_up_config(bad)
    bad.write_text(text.replace('channel = "letter"', 'channel = "fax"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="follow_up.toml cannot be used"):
        load_follow_up_config(bad)
    bad.write_text(text + "\nsurprise = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="surprise"):
        load_follow_up_config(bad)


def test_a_template_that_cannot_be_used_stops_the_run_before_anything_is_sent(desk: DeskWorld, tmp_path: Path) -> None:
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "reminder.txt").write_text("Reminder {{ entry.no_such_field }}\nbody\n", encoding="utf-8")
    config = _config(desk, templates_dir=broken)
    mailer = FakeMailer()
    with pytest.raises(ConfigError, match="'reminder' cannot be used"):
        desk.run(date(2026, 3, 11), mailer, config=config)
    assert not mailer.outbox and desk.follow_ups() == []
    entry = desk.entry(date(2026, 3, 11), "K-1001")
    assert entry is not None
    assert render(entry, date(2026, 3, 11), desk.follow_up).subject == "Payment reminder K-1001: 2,380.00 EUR overdue"
