"""Where a customer's reminders go: ``desk_contacts`` from a CSV file, one row per customer.

contacts.csv: ``customer_id,email,contact_name,language`` — ``email`` may be empty (reminders by e-mail are
then held; letters still go out), ``language`` is a template language (``en`` when empty). Every bad row
raises ``InputError`` naming the file, the line and the column; the import is all rows or none.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import InputError
from gateway.ledger import audit
from gateway.ledger.erp_import import UpsertCounts
from gateway.ledger.errors import NotFound
from gateway.storage.desk_tables import DeskContact
from gateway.storage.ledger_tables import LedgerCustomer

COLUMNS = ("customer_id", "email", "contact_name", "language")
# Deliberately plain: one @, no spaces, a dot in the domain. The mail server has the last word.
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z0-9-]{2,}").fullmatch
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,4})?").fullmatch


@dataclass(frozen=True, slots=True)
class ContactRow:
    customer_id: str
    email: str | None
    contact_name: str | None
    language: str = "en"
    where: str | None = None  # "file, line n" when read from a file: named in errors


def valid_email(text: str) -> bool:
    return bool(_EMAIL(text))


def read_contacts(path: str | Path) -> list[ContactRow]:
    """The rows of a contacts.csv, checked; a customer named twice is an error."""
    file = str(path)
    rows: list[ContactRow] = []
    seen: dict[str, int] = {}
    for line, values in _rows(Path(path)):
        customer_id, email, name, language = values

        def error(column: str, message: str, line: int = line) -> InputError:
            return InputError(message, file=file, where=f"line {line}, column {column}")

        if not customer_id:
            raise error("customer_id", "customer_id is empty")
        if customer_id in seen:
            raise error("customer_id", f"customer {customer_id} is named twice (also on line {seen[customer_id]})")
        seen[customer_id] = line
        if email and not valid_email(email):
            raise error("email", f"not an e-mail address: {email!r}")
        language = language.lower() or "en"
        if not _LANGUAGE(language):
            raise error("language", f"not a language code such as en, de or nl: {language!r}")
        rows.append(ContactRow(customer_id, email or None, name or None, language, f"{file}: line {line}"))
    return rows


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    file = str(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=file) from exc
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(f"the file is empty; expected a header {','.join(COLUMNS)}", file=file, where="line 1")
            header = [h.strip() for h in header]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise InputError(
                    f"missing header column {missing[0]!r}; expected {','.join(COLUMNS)}", file=file, where="line 1"
                )
            positions = [header.index(c) for c in COLUMNS]
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise InputError(
                        f"{len(row)} fields where the header has {len(header)}",
                        file=file,
                        where=f"line {reader.line_num}",
                    )
                yield reader.line_num, [row[i].strip() for i in positions]
        except csv.Error as exc:
            raise InputError(f"not valid CSV: {exc}", file=file, where=f"line {reader.line_num}") from exc


def _state(c: DeskContact | ContactRow) -> dict[str, str | None]:
    return {"email": c.email, "contact_name": c.contact_name, "language": c.language}


def import_contacts(session: Session, rows: Iterable[ContactRow], *, actor: str) -> UpsertCounts:
    """Insert or update the contacts (by customer), audited; every customer must exist in the ledger."""
    rows = list(rows)
    ids = [r.customer_id for r in rows]
    known_customers: set[str] = set()
    contacts: dict[str, DeskContact] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        known_customers |= set(
            session.scalars(select(LedgerCustomer.customer_id).where(LedgerCustomer.customer_id.in_(chunk)))
        )
        contacts |= {
            c.customer_id: c for c in session.scalars(select(DeskContact).where(DeskContact.customer_id.in_(chunk)))
        }
    for r in rows:  # every row checked before the first change
        if r.customer_id not in known_customers:
            where = f"{r.where}: " if r.where else ""
            raise NotFound(f"{where}no customer {r.customer_id!r} in the ledger (import the customers first)")
        if r.email is not None and not valid_email(r.email):
            raise InputError(f"not an e-mail address: {r.email!r}", file=r.where)
    counts = UpsertCounts()
    when = audit.now()
    for r in rows:
        row = contacts.get(r.customer_id)
        if row is None:
            session.add(
                DeskContact(
                    customer_id=r.customer_id,
                    email=r.email,
                    contact_name=r.contact_name,
                    language=r.language or "en",
                    updated_at=when,
                )
            )
            counts.added += 1
            audit.record(
                session,
                actor=actor,
                action="contact added",
                entity="customer",
                entity_id=r.customer_id,
                after=_state(r),
                at=when,
            )
        elif _state(row) != _state(r):
            audit.record(
                session,
                actor=actor,
                action="contact updated",
                entity="customer",
                entity_id=r.customer_id,
                before=_state(row),
                after=_state(r),
                at=when,
            )
            row.email, row.contact_name, row.language, row.updated_at = r.email, r.contact_name, r.language, when
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()
    return counts


def contact_of(session: Session, customer_id: str) -> DeskContact | None:
    return session.get(DeskContact, customer_id)


__all__ = ["COLUMNS", "ContactRow", "contact_of", "import_contacts", "read_contacts", "valid_email"]
