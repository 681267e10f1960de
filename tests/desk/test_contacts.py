"""contacts.csv: where reminders go. Checked row by row (file, line, column), imported all or nothing,
updates audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from gateway.desk.contacts import ContactRow, import_contacts, read_contacts
from gateway.errors import InputError
from gateway.ledger.errors import NotFound
from gateway.storage.desk_tables import DeskContact
from gateway.storage.ledger_tables import LedgerAudit
from tests.desk.test_follow_up import SAMPLE_LEDGER, DeskWorld, open_desk


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> DeskWorld:
    return open_desk(engine, tmp_path)  # contacts.csv of the samples imported


def _csv(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_sample_contacts() -> None:
    rows = read_contacts(SAMPLE_LEDGER / "contacts.csv")
    assert [r.customer_id for r in rows] == ["K-1001", "K-1002", "K-1003", "K-1004", "K-1005"]
    assert rows[1] == ContactRow(
        "K-1002",
        "crediteuren@vandijkbouw.example.nl",
        "Sanne de Vries",
        "nl",
        f"{SAMPLE_LEDGER / 'contacts.csv'}: line 3",
    )
    assert rows[4].email is None  # Bergström: letters only


@pytest.mark.parametrize(
    ("lines", "where", "message"),
    [
        (("customer_id,email,contact_name",), "line 1", "missing header column 'language'"),
        (
            ("customer_id,email,contact_name,language", "K-1,not-an-address,,en"),
            "line 2, column email",
            "not an e-mail",
        ),
        (("customer_id,email,contact_name,language", ",a@example.com,,en"), "line 2, column customer_id", "is empty"),
        (
            ("customer_id,email,contact_name,language", "K-1,a@example.com,,en", "K-1,b@example.com,,en"),
            "line 3, column customer_id",
            "named twice (also on line 2)",
        ),
        (("customer_id,email,contact_name,language", "K-1,a@example.com,,english"), "line 2, column language", "not a"),
        (("customer_id,email,contact_name,language", "K-1,a@example.com"), "line 2", "2 fields where the header has 4"),
    ],
)
def test_bad_rows_name_file_line_and_column(tmp_path: Path, lines: tuple[str, ...], where: str, message: str) -> None:
    path = _csv(tmp_path, *lines)
    with pytest.raises(InputError) as caught:
        read_contacts(path)
    assert caught.value.file == str(path) and caught.value.where == where
    assert message in caught.value.message


def test_empty_or_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="the file is empty"):
        read_contacts(empty)
    with pytest.raises(InputError, match="cannot open"):
        read_contacts(tmp_path / "missing.csv")


def test_import_inserts_updates_and_audits(desk: DeskWorld, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "contact_name,customer_id,language,email",  # any column order
        "Petra Vogel,K-1001,de,kreditoren@nordwind-logistik.example.com",
        "Sanne de Vries,K-1002,,debiteuren@vandijkbouw.example.nl",
    )
    with desk.sessions() as session, session.begin():
        counts = import_contacts(session, read_contacts(path), actor="clerk")
    assert (counts.added, counts.updated, counts.unchanged) == (0, 1, 1)
    with desk.sessions() as session:
        van_dijk = session.get_one(DeskContact, "K-1002")
        assert (van_dijk.email, van_dijk.language) == ("debiteuren@vandijkbouw.example.nl", "en")
        update = session.scalars(select(LedgerAudit).where(LedgerAudit.action == "contact updated")).one()
        assert update.before is not None and update.before["email"] == "crediteuren@vandijkbouw.example.nl"


def test_an_unknown_customer_stops_the_whole_import(desk: DeskWorld, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "customer_id,email,contact_name,language",
        "K-1001,new@example.com,,en",
        "K-7777,x@example.com,,en",
    )
    with pytest.raises(NotFound, match="line 3: no customer 'K-7777'"), desk.sessions() as session, session.begin():
        import_contacts(session, read_contacts(path), actor="clerk")
    with desk.sessions() as session:
        assert session.get_one(DeskContact, "K-1001").email == "kreditoren@nordwind-logistik.example.com"
