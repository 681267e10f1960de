"""Import statement files into the database: all or nothing per file, idempotent, streaming.

Three layers keep a transaction from being stored twice:

1. The file: its SHA-256. The same bytes again add nothing ("already imported on <date>").
2. The statement: a fingerprint of account, statement id, sequence number, period (or opening-balance /
   creation day), opening and closing balance and transaction count. The same statement in another
   file (a re-download) adds nothing. The period is part of it because banks reuse statement ids
   across years (MT940 ``:20:``/``:28C:`` restart every January).
3. The transaction: a match key per account. Where the bank gives a reference (``bank_ref``, not
   ``NONREF``) the key is that reference (plus the position in a batch entry); otherwise it is a hash
   of the content (booking and value date, amount, currency, counterparty account, remittance text,
   end-to-end id, entry reference) plus the occurrence of that content within its statement, so two
   genuine identical payments in one statement are both kept.

   Same key and same content from another statement (an overlapping download) is skipped and counted
   as a duplicate. Same bank reference with different content, or the same content without a bank
   reference in a different statement, is stored but flagged: ``possible_duplicate_of`` names the
   earlier transaction and ``duplicate_evidence`` says why, so nobody loses a payment to a guess.

Each file is one database transaction (a SAVEPOINT per statement lets a known statement be undone);
transactions are inserted in batches as the adapter streams them, so memory stays flat.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from gateway.errors import InputError
from gateway.model import Source, Statement, Transaction
from gateway.statements import DEFAULT_MAX_BYTES, Event, iter_events
from gateway.storage import repositories as repo
from gateway.storage.repositories import KnownTransaction
from gateway.storage.tables import BalanceRow, ImportFile, StatementRow
from gateway.storage.types import canonical

BATCH_SIZE = 1000
HASH_CHUNK = 1024 * 1024
_NO_REFERENCE = {"", "NONREF", "NOREF", "NONE"}

ProgressCallback = Callable[[int, int], None]  # (bytes read so far, transactions read so far)


class Status:
    IMPORTED = "imported"
    NOTHING_NEW = "nothing new"
    ALREADY_IMPORTED = "already imported"
    REJECTED = "rejected"


@dataclass(slots=True)
class PossibleDuplicate:
    location: str
    evidence: str


@dataclass(slots=True)
class FileReport:
    """What importing one file did; one row of the summary table."""

    path: str
    status: str = Status.IMPORTED
    format: str | None = None
    version: str | None = None
    encoding: str | None = None
    statements_new: int = 0
    statements_known: int = 0
    transactions_added: int = 0
    duplicates_skipped: int = 0
    balance_warnings: int = 0
    possible_duplicates: list[PossibleDuplicate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: InputError | None = None
    imported_on: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def bank_reference(tx: Transaction) -> str | None:
    """The bank's own reference when it is one (``NONREF`` and blanks are placeholders, not references)."""
    ref = (tx.bank_ref or "").strip()
    return None if ref.upper() in _NO_REFERENCE else ref


def content_hash(tx: Transaction) -> str:
    """What a transaction says, independent of where it sits: equal for the same payment in two downloads."""
    parts = (
        tx.booking_date.isoformat() if tx.booking_date else "",
        tx.value_date.isoformat() if tx.value_date else "",
        canonical(tx.amount.normalize()) if tx.amount else "0",
        tx.currency,
        (tx.counterparty_iban or "").replace(" ", "").upper(),
        (tx.counterparty_account or "").strip(),
        " ".join((tx.remittance_text or "").split()),
        (tx.end_to_end_id or "").strip(),
        (tx.entry_ref or "").strip(),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _digest(*parts: object) -> str:
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()


def _anchor_day(st: Statement) -> date | None:
    """The day that places a statement in time: period start, else opening balance day, else creation day."""
    if st.period_start is not None:
        return st.period_start
    if st.opening_balance is not None and st.opening_balance.date is not None:
        return st.opening_balance.date
    return st.created_at.date() if st.created_at is not None else None


def identity_key(st: Statement) -> str:
    """Identifies "the same statement" whatever its content: account, statement id, sequence, anchor day."""
    return _digest(st.account.key, st.statement_id, st.sequence_number, _anchor_day(st))


def statement_fingerprint(st: Statement) -> str:
    """Identifies "the same statement, same content": identity plus period end, balances and count."""
    opening = st.opening_balance.amount.normalize() if st.opening_balance else None
    closing = st.closing_balance.amount.normalize() if st.closing_balance else None
    return _digest(identity_key(st), st.period_end, opening, closing, st.transaction_count)


def _evidence(tx: Transaction, ref: str | None, earlier: KnownTransaction, same_content: bool) -> str:
    """A sentence a person can check: which key matched, and the earlier transaction's file and place."""
    when = f" imported on {earlier.imported_at:%Y-%m-%d}" if earlier.imported_at else ""
    seen = f"transaction #{earlier.id} (file {earlier.file_name}{when}, at {earlier.location})"
    if ref is not None and same_content:
        return f"bank reference {ref!r} appears twice in one statement with the same content; first: {seen}"
    if ref is not None:
        return (
            f"bank reference {ref!r} was already used by {seen} with different content: then "
            f"{earlier.amount} {earlier.currency} booked {earlier.booking_date or 'without date'}, now "
            f"{tx.amount} {tx.currency} booked {tx.booking_date or 'without date'}"
        )
    return (
        f"no bank reference, and the same dates, amount, counterparty and text as {seen} in statement "
        f"{earlier.statement_id or '(no id)'}"
    )


class _StatementState:
    """The statement being written: its row, its savepoint and the dedup bookkeeping within it."""

    def __init__(self, st: Statement, row_id: int, savepoint: SessionTransaction, position: int) -> None:
        self.statement = st
        self.row_id = row_id
        self.savepoint = savepoint
        self.position = position
        self.tx_position = 0
        self.occurrences: dict[str, int] = {}
        self.buffer: list[Transaction] = []
        self.added = 0
        self.skipped = 0
        self.flagged: list[PossibleDuplicate] = []


class _FileWriter:
    """Writes one file's events inside the caller's transaction."""

    def __init__(self, session: Session, file_id: int, file_name: str, report: FileReport, batch_size: int):
        self.session = session
        self.file_id = file_id
        self.file_name = file_name
        self.report = report
        self.batch_size = batch_size
        self.current: _StatementState | None = None
        self.statement_count = 0
        self.transactions_read = 0

    # -- statements ---------------------------------------------------------------------------------

    def start(self, st: Statement) -> None:
        self.finish()
        self.statement_count += 1
        savepoint = self.session.begin_nested()
        row_id = self.session.execute(
            insert(StatementRow).returning(StatementRow.id),
            [self._statement_values(st) | {"import_file_id": self.file_id, "position": self.statement_count}],
        ).scalar_one()
        self.current = _StatementState(st, row_id, savepoint, self.statement_count)

    def _statement_values(self, st: Statement) -> dict[str, Any]:
        acct = st.account
        return {
            "location": st.location,
            "account_key": acct.key,
            "iban": acct.iban,
            "account_number": acct.number,
            "currency": st.currency,
            "servicer_bic": acct.servicer_bic,
            "bank_id": acct.bank_id,
            "owner_name": acct.owner_name,
            "account_kind": acct.kind,
            "statement_id": st.statement_id,
            "message_id": st.message_id,
            "sequence_number": st.sequence_number,
            "electronic_sequence_number": st.electronic_sequence_number,
            # Stored in UTC: SQLite keeps no offset, and a UTC instant compares right on both databases.
            "created_at": st.created_at.astimezone(UTC) if st.created_at and st.created_at.tzinfo else st.created_at,
            "period_start": st.period_start,
            "period_end": st.period_end,
            "opening_amount": st.opening_balance.amount if st.opening_balance else None,
            "closing_amount": st.closing_balance.amount if st.closing_balance else None,
            "transaction_count": st.transaction_count,
            "balances_reconcile": st.balances_reconcile,
            "warnings": list(st.warnings),
            "identity_key": identity_key(st),
        }

    def finish(self) -> None:
        """Complete the current statement: keep it, or undo it when the same statement is already stored."""
        state, self.current = self.current, None
        if state is None:
            return
        self._flush(state)
        st = state.statement
        fingerprint = statement_fingerprint(st)
        known = repo.statement_by_fingerprint(self.session, st.account.key, fingerprint)
        if known is not None:
            state.savepoint.rollback()
            self.report.statements_known += 1
            self.report.duplicates_skipped += st.transaction_count
            self.report.notes.append(
                f"statement {st.statement_id or '(no id)'} of {st.account.key} at {st.location} was already "
                f"imported from {known.file_name} on {known.imported_at:%Y-%m-%d}: nothing added"
            )
            return
        self.session.execute(
            update(StatementRow)
            .where(StatementRow.id == state.row_id)
            .values(self._statement_values(st) | {"fingerprint": fingerprint, "transactions_added": state.added})
        )
        if st.balances:
            self.session.execute(
                insert(BalanceRow),
                [
                    {
                        "statement_row_id": state.row_id,
                        "position": i,
                        "type": b.type,
                        "amount": b.amount,
                        "currency": b.currency,
                        "date": b.date,
                    }
                    for i, b in enumerate(st.balances, 1)
                ],
            )
        state.savepoint.commit()
        self.report.statements_new += 1
        self.report.transactions_added += state.added
        self.report.duplicates_skipped += state.skipped
        self.report.possible_duplicates.extend(state.flagged)
        if st.balances_reconcile is False:
            self.report.balance_warnings += 1
        self.report.notes.extend(f"{st.location}: warning: {w}" for w in st.warnings)

    # -- transactions -------------------------------------------------------------------------------

    def add(self, tx: Transaction) -> None:
        state = self.current
        if state is None:  # iter_events already refuses this; kept for direct callers
            raise InputError("transaction outside of a statement", where=tx.location)
        self.transactions_read += 1
        state.buffer.append(tx)
        if len(state.buffer) >= self.batch_size:
            self._flush(state)

    def _flush(self, state: _StatementState) -> None:
        """Decide and insert the buffered transactions of ``state`` with one lookup and one executemany."""
        if not state.buffer:
            return
        txs, state.buffer = state.buffer, []
        account = state.statement.account.key
        current_identity = identity_key(state.statement)
        keyed: list[tuple[Transaction, str, str, str | None]] = []
        for tx in txs:
            digest = content_hash(tx)
            ref = bank_reference(tx)
            if ref is not None:
                key = f"ref:{ref}" + (f"#{tx.batch_index}" if tx.batch_size > 1 and tx.batch_index else "")
            else:
                n = state.occurrences.get(digest, 0) + 1
                state.occurrences[digest] = n
                key = f"fp:{digest}#{n}"
            keyed.append((tx, key, digest, ref))
        known = repo.transactions_by_match_key(self.session, account, (k for _, k, _, _ in keyed))
        pending: list[dict[str, Any]] = []

        for tx, key, digest, ref in keyed:
            state.tx_position += 1
            candidates = known.get(key, [])
            earlier: KnownTransaction | None = None
            same_content = False
            if ref is not None:
                same = next((c for c in candidates if c.content_hash == digest), None)
                if same is not None and same.statement_row_id != state.row_id:
                    state.skipped += 1
                    continue
                same_content = same is not None
            elif (
                candidates
                and candidates[0].identity_key == current_identity
                and (candidates[0].statement_row_id != state.row_id)
            ):
                # A corrected or extended re-delivery of this same statement: the same payment again.
                state.skipped += 1
                continue
            if candidates:
                earlier = next((c for c in candidates if c.canonical), candidates[0])

            row = self._row(tx, state, key, digest)
            if earlier is not None:
                if earlier.id is None:
                    # The earlier one waits in this batch: write the batch so far to learn its id.
                    repo.insert_transactions(self.session, pending)
                    pending = []
                    earlier.id = repo.transaction_id_by_dedup_key(self.session, account, earlier.match_key)
                evidence = _evidence(tx, ref, earlier, same_content)
                row["possible_duplicate_of_id"] = earlier.id
                row["duplicate_evidence"] = evidence
                state.flagged.append(PossibleDuplicate(tx.location, evidence))
            else:
                row["dedup_key"] = key
            known.setdefault(key, []).append(
                KnownTransaction(
                    id=None,
                    match_key=key,
                    content_hash=digest,
                    statement_row_id=state.row_id,
                    identity_key=current_identity,
                    statement_id=state.statement.statement_id,
                    file_name=self.file_name,
                    imported_at=None,
                    location=tx.location,
                    amount=tx.amount,
                    currency=tx.currency,
                    booking_date=tx.booking_date,
                    canonical=earlier is None,
                )
            )
            pending.append(row)
            state.added += 1
        repo.insert_transactions(self.session, pending)

    def _row(self, tx: Transaction, state: _StatementState, key: str, digest: str) -> dict[str, Any]:
        ref = tx.structured_reference
        code = tx.bank_tx_code
        return {
            "statement_row_id": state.row_id,
            "import_file_id": self.file_id,
            "account_key": state.statement.account.key,
            "position": state.tx_position,
            "location": tx.location,
            "entry": tx.entry,
            "entry_amount": tx.entry_amount,
            "batch_index": tx.batch_index,
            "batch_size": tx.batch_size,
            "amount": tx.amount,
            "currency": tx.currency,
            "bank_ref": tx.bank_ref,
            "booking_date": tx.booking_date,
            "value_date": tx.value_date,
            "status": tx.status.value,
            "counterparty_name": tx.counterparty_name,
            "counterparty_iban": tx.counterparty_iban,
            "counterparty_account": tx.counterparty_account,
            "counterparty_bic": tx.counterparty_bic,
            "remittance_text": tx.remittance_text,
            "structured_reference": ref.value if ref else None,
            "structured_reference_type": ref.type if ref else None,
            "structured_reference_valid": ref.valid if ref else None,
            "end_to_end_id": tx.end_to_end_id,
            "mandate_id": tx.mandate_id,
            "creditor_id": tx.creditor_id,
            "bank_tx_domain": code.domain if code else None,
            "bank_tx_family": code.family if code else None,
            "bank_tx_subfamily": code.subfamily if code else None,
            "bank_tx_proprietary": code.proprietary if code else None,
            "bank_tx_issuer": code.issuer if code else None,
            "is_reversal": tx.is_reversal,
            "return_reason": tx.return_reason,
            "original_amount": tx.original_amount,
            "original_currency": tx.original_currency,
            "exchange_rate": tx.exchange_rate,
            "entry_ref": tx.entry_ref,
            "extra": dict(tx.extra or {}),
            "match_key": key,
            "dedup_key": None,
            "content_hash": digest,
            "possible_duplicate_of_id": None,
            "duplicate_evidence": None,
        }


class Importer:
    """Imports files into the database behind ``sessions`` (whose schema must be current)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        fmt: str = "auto",
        max_bytes: int = DEFAULT_MAX_BYTES,
        strict: bool = False,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.sessions = sessions
        self.fmt = fmt
        self.max_bytes = max_bytes
        self.strict = strict
        self.batch_size = batch_size

    def import_file(self, path: Path, progress: ProgressCallback | None = None) -> FileReport:
        """Import one file; bad input is reported in the result (and changes nothing), not raised."""
        report = FileReport(str(path))
        try:
            sha256, size = file_sha256(path)
        except OSError as exc:
            return self._rejected(report, None, InputError(f"cannot read: {exc.strerror}", file=str(path)))

        def events() -> Iterator[Event]:
            source = Source(path=str(path))
            with path.open("rb") as handle:
                stream = iter_events(handle, source, self.fmt, max_bytes=self.max_bytes, strict=self.strict)
                for n, event in enumerate(stream, 1):
                    if progress is not None and n % self.batch_size == 0:
                        progress(handle.tell(), n)
                    yield event
            report.format, report.version, report.encoding = source.format, source.version, source.encoding
            if progress is not None:
                progress(size, 0)

        return self.import_events(events(), path=str(path), sha256=sha256, size=size, report=report)

    def import_events(
        self,
        events: Iterable[Event],
        *,
        path: str,
        sha256: str,
        size: int,
        report: FileReport | None = None,
    ) -> FileReport:
        """Import a stream of adapter events as one file (what ``import_file`` does after hashing)."""
        report = report or FileReport(path)
        name = os.path.basename(path)
        now = datetime.now(UTC)
        try:
            with self.sessions() as session, session.begin():
                existing = repo.file_by_sha256(session, sha256)
                if existing is not None:
                    return self._already(session, report, existing, now)
                file_id = session.execute(
                    insert(ImportFile).returning(ImportFile.id),
                    [
                        {
                            "sha256": sha256,
                            "name": name,
                            "path": path,
                            "format": "",
                            "size": size,
                            "imported_at": now,
                            "status": Status.IMPORTED,
                        }
                    ],
                ).scalar_one()
                writer = _FileWriter(session, file_id, name, report, self.batch_size)
                source: Source | None = None
                for event in events:
                    if isinstance(event, Statement):
                        source = event.source
                        writer.start(event)
                    else:
                        writer.add(event)
                writer.finish()
                if source is not None:
                    report.format = report.format or source.format
                    report.version = report.version or source.version
                    report.encoding = report.encoding or source.encoding
                report.status = Status.IMPORTED if report.statements_new else Status.NOTHING_NEW
                report.imported_on = now
                session.execute(
                    update(ImportFile)
                    .where(ImportFile.id == file_id)
                    .values(
                        format=report.format or "",
                        version=report.version,
                        dialect=source.dialect if source else None,
                        encoding=report.encoding,
                        statements_new=report.statements_new,
                        statements_known=report.statements_known,
                        transactions_added=report.transactions_added,
                        duplicates_skipped=report.duplicates_skipped,
                        possible_duplicates=len(report.possible_duplicates),
                        balance_warnings=report.balance_warnings,
                        status=report.status,
                    )
                )
                repo.record_event(
                    session,
                    at=now,
                    path=path,
                    sha256=sha256,
                    import_file_id=file_id,
                    outcome=report.status,
                    message=None,
                    details=_details(report),
                )
            return report
        except InputError as exc:
            return self._rejected(report, sha256, exc.located(file=path))
        except (DataError, StatementError) as exc:
            if not isinstance(exc, DataError) and not isinstance(exc.orig, ValueError):
                raise
            # A value the database refuses (longer than its column, out of range): this file's problem.
            detail = " ".join(str(exc.orig).split())
            return self._rejected(report, sha256, InputError(f"a value does not fit the database: {detail}", file=path))
        except IntegrityError:
            # Another import of the same bytes committed first (unique sha256): report that one.
            with self.sessions() as session, session.begin():
                existing = repo.file_by_sha256(session, sha256)
                if existing is None:
                    raise
                return self._already(session, report, existing, now)

    def _already(self, session: Session, report: FileReport, existing: ImportFile, now: datetime) -> FileReport:
        report.status = Status.ALREADY_IMPORTED
        report.format, report.version, report.encoding = existing.format, existing.version, existing.encoding
        report.imported_on = existing.imported_at
        report.notes.append(f"already imported (on {existing.imported_at:%Y-%m-%d %H:%M})")
        repo.record_event(
            session,
            at=now,
            path=report.path,
            sha256=existing.sha256,
            import_file_id=existing.id,
            outcome=Status.ALREADY_IMPORTED,
            message=None,
            details={},
        )
        return report

    def _rejected(self, report: FileReport, sha256: str | None, error: InputError) -> FileReport:
        fresh = FileReport(report.path, status=Status.REJECTED, error=error)
        fresh.format, fresh.version, fresh.encoding = report.format, report.version, report.encoding
        with self.sessions() as session, session.begin():
            repo.record_event(
                session,
                at=datetime.now(UTC),
                path=report.path,
                sha256=sha256,
                import_file_id=None,
                outcome=Status.REJECTED,
                message=error.one_line(),
                details={"where": error.where, "message": error.message},
            )
        return fresh


def _details(report: FileReport) -> dict[str, Any]:
    return {
        "statements_new": report.statements_new,
        "statements_known": report.statements_known,
        "transactions_added": report.transactions_added,
        "duplicates_skipped": report.duplicates_skipped,
        "possible_duplicates": [[p.location, p.evidence] for p in report.possible_duplicates],
        "balance_warnings": report.balance_warnings,
    }


def collect_files(targets: Iterable[Path], *, recursive: bool = False) -> list[Path]:
    """Files to import: each FILE as given, each DIR's regular files sorted by name (hidden ones left out)."""
    found: list[Path] = []
    for target in targets:
        if target.is_dir():
            candidates = target.rglob("*") if recursive else target.iterdir()
            visible = (
                p
                for p in candidates
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(target).parts)
            )
            found.extend(sorted(visible, key=lambda p: p.as_posix()))
        else:
            found.append(target)
    return found


__all__ = [
    "BATCH_SIZE",
    "FileReport",
    "Importer",
    "PossibleDuplicate",
    "Status",
    "bank_reference",
    "collect_files",
    "content_hash",
    "file_sha256",
    "identity_key",
    "statement_fingerprint",
]
