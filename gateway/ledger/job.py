"""``gateway run``: every new statement file in the inbox imported, matched and applied, then moved.

One file is one database transaction: the import (``gateway.importing``, joined to it through a
savepoint), the payments, decisions, allocations and the file's ``ledger_job_files`` row. A crash before
the commit leaves nothing of the file; after it, the next run finds the sha256 in ``ledger_job_files``
and only moves the file. Moving happens after the commit and tolerates a file that is already gone.

Several processes share one PostgreSQL: a file is claimed with ``pg_try_advisory_xact_lock`` on its
sha256 (a process that does not get it leaves the file to the one that has it), and matching plus
applying takes the ledger lock (``posting.lock_ledger``) so that two files never pay the same open
amount. On SQLite the file's transaction starts with BEGIN IMMEDIATE: one writer at a time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from gateway.importing import Importer, Status, file_sha256
from gateway.ledger import audit, posting
from gateway.ledger.apply import ApplyCounts, LedgerCache, apply_transactions, ledger_version, pending_transactions
from gateway.ledger.config import LedgerConfig
from gateway.matching import MatchingConfig
from gateway.statements import DEFAULT_MAX_BYTES
from gateway.storage.ledger_tables import LedgerJobFile
from gateway.storage.tables import ImportFile

ERROR_SUFFIX = ".error.txt"
# Names the job never picks up: its own error notes, files still being written by a sender.
_SKIPPED_SUFFIXES = (ERROR_SUFFIX, ".part", ".partial", ".tmp")


class Outcome:
    DONE = "done"
    REJECTED = "rejected"
    ALREADY = "already done"  # finished earlier (a restart after the commit, or the same bytes again)
    BUSY = "busy"  # another process has it
    FAILED = "failed"  # not the file's fault (database down): left in the inbox for the next run


@dataclass(slots=True)
class FileOutcome:
    name: str
    outcome: str
    counts: ApplyCounts = field(default_factory=ApplyCounts)
    transactions_added: int = 0
    duplicates_skipped: int = 0
    error: str | None = None


@dataclass(slots=True)
class RunSummary:
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(f.outcome == outcome for f in self.files)

    @property
    def totals(self) -> ApplyCounts:
        total = ApplyCounts()
        for f in self.files:
            total.add(f.counts)
        return total


def inbox_files(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        return []
    return sorted(
        p
        for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(_SKIPPED_SUFFIXES)
    )


def _lock_key(sha256: str) -> int:
    """A signed 64-bit advisory-lock key from the file's hash."""
    return int.from_bytes(hashlib.sha256(b"ledger-file:" + sha256.encode()).digest()[:8], "big", signed=True)


def _move(path: Path, folder: Path, sha256: str) -> Path | None:
    """Move ``path`` into ``folder`` (idempotent: a file already gone was moved by an earlier attempt)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{sha256[:12]}{path.suffix}"
    try:
        shutil.move(str(path), str(target))
    except FileNotFoundError:
        return None
    return target


class LedgerJob:
    def __init__(
        self,
        engine: Engine,
        config: LedgerConfig,
        matching: MatchingConfig,
        *,
        fmt: str = "auto",
        max_bytes: int = DEFAULT_MAX_BYTES,
        strict: bool = False,
        worker: str | None = None,
        on_file: Callable[[FileOutcome], None] | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self.matching = matching
        self.fmt = fmt
        self.max_bytes = max_bytes
        self.strict = strict
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.on_file = on_file
        self.postgres = engine.dialect.name == "postgresql"
        self.cache = LedgerCache()

    def run_once(self) -> RunSummary:
        summary = RunSummary()
        for path in inbox_files(self.config.inbox):
            outcome = self.process(path)
            summary.files.append(outcome)
            if self.on_file is not None:
                self.on_file(outcome)
        return summary

    def run_every(self, seconds: float, *, rounds: int | None = None, report: Callable[[RunSummary], None]) -> None:
        """Run, sleep, run again; ``rounds`` bounds it (None: until stopped)."""
        done = 0
        while rounds is None or done < rounds:
            started = time.monotonic()
            report(self.run_once())
            done += 1
            if rounds is not None and done >= rounds:
                break
            time.sleep(max(0.0, seconds - (time.monotonic() - started)))

    # -- one file ------------------------------------------------------------------------------------

    def process(self, path: Path) -> FileOutcome:
        try:
            sha256, _ = file_sha256(path)
        except FileNotFoundError:
            return FileOutcome(path.name, Outcome.BUSY, error="moved away by another process")
        for attempt in (1, 2):
            try:
                return self._process(path, sha256)
            except BaseException as exc:
                self.cache.clear()  # the file's transaction did not commit: the cached ledger is ahead
                if not isinstance(exc, (IntegrityError, OperationalError)):
                    raise
                # Another process stored an overlapping statement first, or the database went away:
                # nothing of this file was kept; try once more, then leave it for the next run.
                if attempt == 2:
                    return FileOutcome(path.name, Outcome.FAILED, error=" ".join(str(exc.orig).split())[:500])
        raise AssertionError("unreachable")

    def _process(self, path: Path, sha256: str) -> FileOutcome:
        with self.engine.connect() as conn, conn.begin() as trans:
            if self.postgres and not conn.scalar(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _lock_key(sha256)}
            ):
                trans.rollback()
                return FileOutcome(path.name, Outcome.BUSY)
            finished = conn.execute(
                select(LedgerJobFile.status, LedgerJobFile.error).where(LedgerJobFile.sha256 == sha256)
            ).first()
            if finished is not None:
                trans.rollback()
                return self._finish_move(path, sha256, finished.status, finished.error, already=True)
            outcome = self._import_and_apply(conn, path, sha256)
        # Committed: only now may the file move.
        return self._finish_move(path, sha256, outcome.outcome, outcome.error, outcome=outcome)

    def _import_and_apply(self, conn: Connection, path: Path, sha256: str) -> FileOutcome:
        joined: sessionmaker[Session] = sessionmaker(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        importer = Importer(joined, fmt=self.fmt, max_bytes=self.max_bytes, strict=self.strict)
        report = importer.import_file(path)
        outcome = FileOutcome(path.name, Outcome.DONE)
        with joined() as session, session.begin():
            if report.status == Status.REJECTED:
                outcome.outcome = Outcome.REJECTED
                outcome.error = report.error.one_line() if report.error else "rejected"
                self._record(session, path, sha256, None, outcome)
                return outcome
            file_id = session.scalar(select(ImportFile.id).where(ImportFile.sha256 == sha256))
            outcome.transactions_added = report.transactions_added
            outcome.duplicates_skipped = report.duplicates_skipped
            if file_id is not None:
                rows = pending_transactions(session, file_id)
                outcome.counts = apply_transactions(
                    session,
                    rows,
                    self.matching,
                    paid_lookback_days=self.config.paid_lookback_days,
                    origin=path.name,
                    cache=self.cache,
                )
            self._record(session, path, sha256, file_id, outcome)
        return outcome

    def _record(self, session: Session, path: Path, sha256: str, file_id: int | None, outcome: FileOutcome) -> None:
        posting.lock_ledger(session)
        # This file's audit row moves the ledger version: the cached ledger stays valid only if it was so far.
        cache_valid = self.cache.version is not None and self.cache.version == ledger_version(session)
        c = outcome.counts
        summary = {
            "transactions": c.transactions,
            "transactions_added": outcome.transactions_added,
            "duplicates_skipped": outcome.duplicates_skipped,
            "matched": c.matched,
            "suggested": c.suggested,
            "unmatched": c.unmatched,
            "ignored": c.ignored,
            "returns": c.returns,
            "matched_amount": {k: format(v, "f") for k, v in c.matched_amount.items()},
            "waiting_amount": {k: format(v, "f") for k, v in c.waiting_amount.items()},
        }
        session.execute(
            insert(LedgerJobFile),
            [
                {
                    "sha256": sha256,
                    "name": path.name,
                    "status": outcome.outcome,
                    "import_file_id": file_id,
                    "worker": self.worker,
                    "finished_at": audit.now(),
                    "summary": summary,
                    "error": outcome.error,
                }
            ],
        )
        audit.record(
            session,
            actor=f"job {self.worker}",
            action=f"statement file {outcome.outcome}",
            entity="statement_file",
            entity_id=sha256,
            evidence={"name": path.name, "import_file_id": file_id, "error": outcome.error} | summary,
        )
        if cache_valid:
            session.flush()
            self.cache.version = ledger_version(session)
        else:
            self.cache.clear()

    def _finish_move(
        self,
        path: Path,
        sha256: str,
        status: str,
        error: str | None,
        *,
        already: bool = False,
        outcome: FileOutcome | None = None,
    ) -> FileOutcome:
        result = outcome or FileOutcome(path.name, Outcome.ALREADY if already else status, error=error)
        if status == Outcome.REJECTED:
            target_dir = self.config.rejected
            target_dir.mkdir(parents=True, exist_ok=True)
            note = target_dir / f"{path.name}{ERROR_SUFFIX}"
            if path.exists():
                note.write_text(f"{error or 'rejected'}\n(sha256 {sha256})\n", encoding="utf-8")
                _move(path, target_dir, sha256)
        else:
            _move(path, self.config.processed, sha256)
        return result


def money_line(amounts: dict[str, Decimal]) -> str:
    return ", ".join(f"{format(v, 'f')} {k}" for k, v in sorted(amounts.items())) or "0"
