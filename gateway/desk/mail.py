"""Sending e-mail through an SMTP server (the standard library's ``smtplib``), with the ``[smtp]`` settings.

One connection per message: a run of reminders survives a server that drops a connection half-way, and a
failed message fails alone. The password is only handed to ``SMTP.login``; it never appears in a log line or
an error message (errors are scrubbed of it in case a server echoes it back).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from gateway.errors import GatewayError
from gateway.settings import SmtpSettings

log = logging.getLogger(__name__)


class MailError(GatewayError):
    """The mail server did not accept a message (or could not be reached); the text says why."""


class Mailer:
    """Builds and sends plain-text messages through the configured SMTP server."""

    def __init__(self, settings: SmtpSettings, *, sender_name: str | None = None) -> None:
        self.settings = settings
        self.sender_name = sender_name

    def __repr__(self) -> str:  # never the password
        s = self.settings
        return f"Mailer({s.host}:{s.port}, user={s.username!r}, ssl={s.ssl}, starttls={s.starttls})"

    @property
    def server(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def build(self, to: str, subject: str, body: str, *, reply_to: str | None = None) -> EmailMessage:
        """A plain-text message with Message-ID, Date, From, To, Subject (and Reply-To when configured)."""
        s = self.settings
        msg = EmailMessage()
        domain = s.from_address.rpartition("@")[2] or None
        msg["Message-ID"] = make_msgid(domain=domain)
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["From"] = formataddr((self.sender_name, s.from_address)) if self.sender_name else s.from_address
        msg["To"] = to
        msg["Subject"] = subject
        if reply_to or s.reply_to:
            msg["Reply-To"] = reply_to or s.reply_to
        msg.set_content(body)
        return msg

    def send(self, msg: EmailMessage) -> str:
        """Hand the message to the server; returns its Message-ID. Raises ``MailError`` when it is refused."""
        s = self.settings
        try:
            with self._connect() as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if s.username:
                    password = s.password.get_secret_value() if s.password else ""
                    smtp.login(s.username, password)
                refused = smtp.send_message(msg)
        except smtplib.SMTPException as exc:
            raise MailError(f"the mail server {self.server} refused the message: {self._scrub(exc)}") from None
        except (OSError, ssl.SSLError) as exc:
            raise MailError(f"the mail server {self.server} cannot be reached: {self._scrub(exc)}") from None
        if refused:
            raise MailError(f"the mail server {self.server} refused {', '.join(refused)}")
        message_id = str(msg["Message-ID"])
        log.info("mail %s to %s accepted by %s", message_id, msg["To"], self.server)
        return message_id

    def send_text(self, to: str, subject: str, body: str) -> str:
        return self.send(self.build(to, subject, body))

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.ssl:
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=ssl.create_default_context())
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)

    def _scrub(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        secret = self.settings.password.get_secret_value() if self.settings.password else ""
        return text.replace(secret, "***") if secret else text


__all__ = ["MailError", "Mailer"]
