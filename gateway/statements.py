"""Finds statement adapters (entry-point group ``gateway.statement_parsers``), picks one by content,
and turns its stream into checked statements.

The adapter contract is small (see ``StatementParser``): ``detect`` looks at the first bytes, ``parse``
streams. A statement an adapter yields is complete once the next statement is yielded or the stream
ends; transactions follow the statement they belong to.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from gateway.errors import InputError, UnsafeInputError
from gateway.model import Source, Statement, Transaction, TxStatus
from gateway.plugins import load_entry_points

ENTRY_POINT_GROUP = "gateway.statement_parsers"
HEAD_BYTES = 64 * 1024
DEFAULT_MAX_BYTES = 512 * 1024 * 1024

Event = Statement | Transaction


@runtime_checkable
class StatementParser(Protocol):
    """What a statement adapter offers."""

    name: str

    def detect(self, head: bytes) -> bool:
        """True when the first bytes of a file look like this format (never judged by file name)."""
        ...

    def parse(self, stream: BinaryIO, source: Source) -> Iterator[Event]:
        """Stream statements and their transactions; set format/version/dialect/encoding on ``source``."""
        ...


@cache
def parsers() -> dict[str, StatementParser]:
    """Installed adapters by format name, in a stable order."""
    return load_entry_points(ENTRY_POINT_GROUP)


def _describe_unknown(head: bytes) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf\r\n\t ")
    if not stripped:
        return "the file is empty"
    if stripped.startswith(b"%PDF"):
        return "this is a PDF document, not a bank statement"
    if stripped[:4] in (b"PK\x03\x04",):
        return "this is a ZIP/Office archive, not a bank statement"
    if b"\x00" in head[:4096]:
        return "this is a binary file, not a bank statement"
    first_line = stripped.split(b"\n", 1)[0]
    if first_line.count(b",") >= 2 or first_line.count(b";") >= 2:
        return "this looks like CSV, not a bank statement (expected camt.05x XML, OFX or MT940)"
    return "not a recognised bank statement format (expected camt.052/053/054 XML, OFX or MT940)"


def choose_parser(head: bytes, fmt: str = "auto", *, file: str | None = None) -> StatementParser:
    """The adapter for this content (``fmt`` forces one)."""
    available = parsers()
    if fmt != "auto":
        if fmt not in available:
            raise InputError(f"unknown format {fmt!r}; known: auto, {', '.join(available)}", file=file)
        return available[fmt]
    for parser in available.values():
        if parser.detect(head):
            return parser
    raise InputError(_describe_unknown(head), file=file)


class _LimitedReader(io.RawIOBase):
    """Reads at most ``limit`` bytes from ``raw``, then refuses; also hashes what passes through."""

    def __init__(self, raw: BinaryIO, limit: int, file: str) -> None:
        self._raw = raw
        self._left = limit
        self._limit = limit
        self._file = file
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        if not data:
            return 0
        self._left -= len(data)
        if self._left < 0:
            raise UnsafeInputError(
                f"file is larger than the configured limit of {self._limit} bytes", file=self._file
            )
        self.sha256.update(data)
        n = len(data)
        b[:n] = data
        return n


def _check_balances(statement: Statement, booked_total: Decimal, strict: bool) -> None:
    opening, closing = statement.opening_balance, statement.closing_balance
    if opening is None or closing is None:
        statement.balances_reconcile = None
        return
    total = opening.amount + booked_total
    statement.balances_reconcile = total == closing.amount
    if not statement.balances_reconcile:
        message = (
            f"balances do not add up: opening {opening.amount} + booked entries "
            f"{total - opening.amount} = {total}, but closing is {closing.amount}"
        )
        if strict:
            raise InputError(message, where=statement.location)
        statement.warnings.append(message)


def iter_events(
    stream: BinaryIO,
    source: Source,
    fmt: str = "auto",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    strict: bool = False,
) -> Iterator[Event]:
    """Adapter events, with counts and the balance check filled in on each statement when it is complete."""
    head = stream.read(HEAD_BYTES)
    if len(head) > max_bytes:
        raise UnsafeInputError(f"file is larger than the configured limit of {max_bytes} bytes", file=source.path)
    parser = choose_parser(head, fmt, file=source.path)
    limited = _LimitedReader(_Prepend(head, stream), max_bytes, source.path)  # type: ignore[arg-type]
    buffered = io.BufferedReader(limited, buffer_size=1024 * 1024)
    current: Statement | None = None
    # Booked entries are summed once per entry: the transactions of a batch entry share it and come together.
    booked_total = Decimal(0)
    last_entry = 0

    def finish() -> None:
        if current is not None:
            _check_balances(current, booked_total, strict)

    try:
        for event in parser.parse(buffered, source):
            if isinstance(event, Statement):
                finish()
                current, booked_total, last_entry = event, Decimal(0), 0
            else:
                if current is None:
                    raise InputError("transaction outside of a statement", where=event.location)
                current.transaction_count += 1
                if event.status is TxStatus.BOOKED and event.entry != last_entry:
                    booked_total += event.entry_amount
                last_entry = event.entry
            yield event
        finish()
        if current is None:
            raise InputError(f"no statement found in this {parser.name} file")
    except InputError as exc:
        raise exc.located(file=source.path) from exc.__cause__
    except (MemoryError, RecursionError) as exc:
        raise UnsafeInputError(f"refused: {type(exc).__name__}", file=source.path) from exc
    source.sha256 = limited.sha256.hexdigest()


class _Prepend(io.RawIOBase):
    """A stream that first returns ``head`` and then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        size = -1 if size is None else size
        if self._head:
            if size < 0 or size >= len(self._head):
                out = bytes(self._head)
                self._head = memoryview(b"")
                if size < 0:
                    return out + self._stream.read()
                return out
            out = bytes(self._head[:size])
            self._head = self._head[size:]
            return out
        return self._stream.read(size)


@dataclass(slots=True)
class ParsedFile:
    source: Source
    statements: list[Statement]


def read(
    path: str | Path,
    fmt: str = "auto",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    strict: bool = False,
    on_transaction: Callable[[Transaction], None] | None = None,
) -> ParsedFile:
    """Read a whole file into statements with their transactions (for files that fit in memory)."""
    path = Path(path)
    source = Source(path=str(path))
    statements: list[Statement] = []
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=str(path)) from exc
    with handle:
        for event in iter_events(handle, source, fmt, max_bytes=max_bytes, strict=strict):
            if isinstance(event, Statement):
                statements.append(event)
            else:
                statements[-1].transactions.append(event)
                if on_transaction is not None:
                    on_transaction(event)
    return ParsedFile(source, statements)
