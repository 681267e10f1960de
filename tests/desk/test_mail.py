"""Reminders by e-mail end to end, through a real SMTP server on 127.0.0.1 (aiosmtpd): what arrives (recipient,
headers, subject, invoices and totals), login without the password ever reaching a log line or an error, and
a server that refuses or cannot be reached (the reminder fails and is tried again)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine

from gateway.desk.mail import Mailer, MailError
from gateway.settings import SmtpSettings
from tests.desk.test_follow_up import HARBOUR, NORDWIND, DeskWorld, open_desk

PASSWORD = "s3cret-Pa55word!"
REFUSED = "nobody@example.com"


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> DeskWorld:
    return open_desk(engine, tmp_path)


@dataclass
class Inbox:
    """What the local SMTP server received: (envelope recipients, parsed message)."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == b"reminders" and data.password == PASSWORD.encode()
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    inbox: Inbox
    port: int

    def settings(self, **more: Any) -> SmtpSettings:
        return SmtpSettings(host="127.0.0.1", port=self.port, timeout_seconds=5, **more)


def _serve(**kwargs: Any) -> Iterator[Server]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Server(inbox, port)
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[Server]:
    yield from _serve()


@pytest.fixture
def smtp_with_login() -> Iterator[Server]:
    holder = Inbox()
    port = _free_port()
    controller = Controller(
        holder,
        hostname="127.0.0.1",
        port=port,
        authenticator=holder.authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield Server(holder, port)
    finally:
        controller.stop()


def test_reminders_arrive_with_their_invoices_and_totals(desk: DeskWorld, smtp: Server) -> None:
    mailer = Mailer(smtp.settings(reply_to="credit@example.com"), sender_name="Example Trading GmbH")
    run = desk.run(date(2026, 3, 26), mailer)
    assert run.counts["sent"] == 4 and run.counts["held"] == 1  # Bergström has no address
    assert {rcpt[0] for rcpt, _ in smtp.inbox.messages} == {
        NORDWIND,
        HARBOUR,
        "crediteuren@vandijkbouw.example.nl",
        "comptabilite@lumiere-edition.example.fr",
    }
    (harbour,) = smtp.inbox.to(HARBOUR)
    # AR-2026-0510 is 35 days late (level 1 first: nothing was sent before); AR-2026-0507 12 days
    assert harbour["Subject"] == "Payment reminder K-1004: 2,490.00 EUR overdue"
    assert harbour["To"] == HARBOUR and harbour["From"] == "Example Trading GmbH <receivables@example.com>"
    assert harbour["Reply-To"] == "credit@example.com"
    assert harbour["Message-ID"].endswith("@example.com>") and harbour["Date"]
    body = harbour.get_content().replace("\r\n", "\n")
    assert "Dear Tom Whitfield," in body
    for expected in ("AR-2026-0510", "2026-02-19", "1,500.00", "AR-2026-0507", "990.00", "Total due EUR", "2,490.00"):
        assert expected in body
    assert "DE44 5001 0517 5407 3249 31" in body  # where to pay
    (nordwind,) = smtp.inbox.to(NORDWIND)
    assert "AR-2026-0501" in nordwind.get_content() and "AR-2026-0502" in nordwind.get_content()
    # recorded as sent, the same text that went out
    (step,) = desk.follow_ups("K-1004")
    assert step.status == "sent" and step.sent_at is not None and step.body.strip() == body.strip()


def test_second_reminder_by_mail_shows_fee_and_interest(desk: DeskWorld, smtp: Server) -> None:
    mailer = Mailer(smtp.settings())
    desk.run(date(2026, 2, 26), mailer)
    desk.run(date(2026, 3, 12), mailer)
    second = smtp.inbox.to(HARBOUR)[-1]
    assert second["Subject"] == "Second reminder K-1004: 1,548.76 EUR overdue"
    body = second.get_content()
    assert "Compensation for recovery costs (40.00 per invoice)" in body
    assert "Interest 10.15 % a year to 2026-03-12" in body and "8.76" in body


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_works_and_the_password_never_shows(
    smtp_with_login: Server, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    good = Mailer(smtp_with_login.settings(username="reminders", password=PASSWORD))
    assert PASSWORD not in repr(good) and PASSWORD not in repr(good.settings) and PASSWORD not in str(good.settings)
    good.send_text("ap@example.com", "Test", "Hello")
    assert smtp_with_login.inbox.logins == ["reminders"] and len(smtp_with_login.inbox.messages) == 1

    bad = Mailer(smtp_with_login.settings(username="reminders", password=PASSWORD + "-wrong"))
    with pytest.raises(MailError) as caught:
        bad.send_text("ap@example.com", "Test", "Hello")
    assert "refused" in str(caught.value) and PASSWORD not in str(caught.value)
    anonymous = Mailer(smtp_with_login.settings())
    with pytest.raises(MailError):
        anonymous.send_text("ap@example.com", "Test", "Hello")
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("gateway"))
    assert "accepted by" in ours
    out = capsys.readouterr()
    for text in (ours, out.out, out.err):
        assert PASSWORD not in text


def test_a_refused_recipient_or_an_unreachable_server_fails_the_reminder(desk: DeskWorld, smtp: Server) -> None:
    with pytest.raises(MailError, match="refused"):
        Mailer(smtp.settings()).send_text(REFUSED, "Test", "Hello")
    closed = Mailer(SmtpSettings(host="127.0.0.1", port=_free_port(), timeout_seconds=2))
    with pytest.raises(MailError, match="cannot be reached"):
        closed.send_text("ap@example.com", "Test", "Hello")
    run = desk.run(date(2026, 3, 11), closed)
    assert run.counts["failed"] == 2 and [f.status for f in desk.follow_ups()] == ["failed", "failed"]
    # the server is back: the next run sends both
    run = desk.run(date(2026, 3, 12), Mailer(smtp.settings()))
    assert run.counts["sent"] == 2 and len(smtp.inbox.to(NORDWIND)) == 1 and len(smtp.inbox.to(HARBOUR)) == 1


def test_settings_refuse_two_tls_modes() -> None:
    with pytest.raises(ValueError, match="not both"):
        SmtpSettings(ssl=True, starttls=True)
