"""OFX bank and credit-card statements (OFX 1.x SGML, OFX 2.x XML, and files without a header).

Each ``STMTRS`` (bank) and ``CCSTMTRS`` (credit card) is one Statement; each ``STMTTRN`` one
Transaction. OFX has no opening balance; ``LEDGERBAL`` is the closing booked balance (CLBD) and
``AVAILBAL`` the closing available balance (CLAV).

Why not ofxtools for the body (measured on the benchmark's generated 200,000-STMTTRN files, 36 MB
OFX 1.02 SGML and 45 MB OFX 2.11 XML): ofxtools parses the whole file into an element tree and then into
validated model objects; it took 65 s and 1.2 GB peak memory on the 1.02 file. It also rejects much of
what real banks send (no header, comma decimals, statements out of spec order, leaf end tags nested like
aggregates). Importing ``ofxtools`` alone costs about 0.4 s (its package imports the client and every
model), so it is not imported at run time at all. The header is read by ``_ofx_header`` and the body by
the streaming tokenizer in ``_ofx_body``, following ofxtools' conventions (header fields, the OFX
datetime format ``YYYYMMDD[HHMMSS[.XXX]][[+-]H[.MM][:TZ]]``, the spec's aggregate names; the tests check
that the two agree). This reader: about 1.8 s (1.02) and 2.2 s (2.11) CPU and under 100 MB peak RSS for
those files, one transaction in memory at a time; bankstatementparser, the fastest peer, took about
3.5 s CPU and 330-360 MB on the same files and machine.

Text encoding: OFX 1.x declares ``CHARSET:1252`` (or ISO-8859-1, or NONE) but banks also send UTF-8
under that header. Each value is tried as UTF-8 first and read in the declared single-byte charset
only when it is not valid UTF-8, so neither kind of file produces mojibake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import BinaryIO, cast

from adapters.statements._ofx_body import CLOSE, OPEN, Fields, read_body
from adapters.statements._ofx_header import OFXHeader, looks_like_ofx, read_header
from gateway.errors import InputError
from gateway.model import Account, Balance, BankTxCode, Source, Statement, Transaction
from gateway.model.money import parse_decimal

HEAD_BYTES = 64 * 1024

_AMOUNT = re.compile(rb"[+-]?\d+(?:\.\d+)?")
_AMOUNT_LOOSE = re.compile(r"[+-]?\s*[\d.,]*\d[\d.,]*")  # comma decimals, thousands separators; no exponent
# OFX spec 1.0.3 section 3.2.8.2 / 2.1.1 section 3.2.8.2: YYYYMMDD[HHMMSS[.XXX]][[gmt offset[:tz name]]]
_DATETIME = re.compile(
    rb"(\d{4})(\d\d)(\d\d)(?:(\d\d)(\d\d)(?:(\d\d)(?:[.,](\d{1,6}))?)?)?\s*"
    rb"(?:\[\s*([+-]?\d{1,2}(?:[.:]\d{1,2})?)?\s*(?::[^\]]{0,20})?\])?"
)
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos|nbsp);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "nbsp": "\u00a0"}

# STMTTRN leaves kept in ``Transaction.extra`` as written (OFX 2.1.1 section 11.4.4.1).
_EXTRA_KEYS = (
    b"DTAVAIL", b"REFNUM", b"SIC", b"SRVRTID", b"PAYEEID", b"CORRECTFITID", b"CORRECTACTION",
    b"EXTDNAME", b"INV401KSOURCE", b"MEMO2",
)

# The STMTTRN elements nearly every bank sends; anything else takes the slower path.
_COMMON = frozenset((b"TRNTYPE", b"DTPOSTED", b"DTUSER", b"TRNAMT", b"FITID", b"NAME", b"MEMO", b"CHECKNUM"))


def _entity(match: re.Match[str]) -> str:
    ref = match.group(1)
    if ref[0] != "#":
        return _NAMED[ref]
    code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
    valid = 0 < code < 0x110000 and not 0xD800 <= code <= 0xDFFF
    return chr(code) if valid else match.group(0)


class _Text:
    """Decodes leaf values: UTF-8 first, else the declared single-byte charset; XML entities resolved
    (a raw ``&`` that starts no entity is kept, as banks write it unescaped)."""

    __slots__ = ("fallback", "source")

    def __init__(self, header: OFXHeader, source: Source) -> None:
        self.fallback = header.fallback
        self.source = source

    def __call__(self, raw: bytes) -> str:
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            text = raw.decode(self.fallback, "replace")
            self.source.encoding = self.fallback
        else:
            if len(text) != len(raw) and self.source.encoding != "utf-8":
                self.source.encoding = "utf-8"
        if "&" in text:
            text = _ENTITY.sub(_entity, text)
        return text


class _Dates:
    """OFX datetimes; the date is the local date as written (never shifted by the time zone)."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[bytes, date] = {}

    def date(self, raw: bytes, what: str, where: str) -> date:
        found = self._cache.get(raw)
        if found is not None:
            return found
        match = _DATETIME.fullmatch(raw.strip())
        try:
            if match is None:
                raise ValueError
            value = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise InputError(f"{what} is not an OFX date (YYYYMMDD...): {_show(raw)}", where=where) from None
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[raw] = value
        return value

    def datetime(self, raw: bytes, what: str, where: str) -> datetime:
        day = self.date(raw, what, where)
        match = _DATETIME.fullmatch(raw.strip())
        assert match is not None  # checked by date()
        hour, minute, second, fraction, offset = match.group(4, 5, 6, 7, 8)
        try:
            tz = None
            if offset:
                hours, _, minutes = offset.replace(b":", b".").partition(b".")
                sign = -1 if hours.startswith(b"-") else 1
                tz = timezone(sign * timedelta(hours=abs(int(hours)), minutes=int(minutes or 0)))
            micro = int((fraction or b"0").ljust(6, b"0"))
            return datetime(day.year, day.month, day.day, int(hour or 0), int(minute or 0),
                            int(second or 0), micro, tzinfo=tz)
        except ValueError:
            raise InputError(f"{what} has an impossible time or offset: {_show(raw)}", where=where) from None


def _show(raw: bytes) -> str:
    return repr(raw.decode("utf-8", "replace"))


def _amount(raw: bytes | None, what: str, where: str) -> Decimal:
    if raw is None or not raw.strip():
        raise InputError(f"{what} is missing", where=where)
    if _AMOUNT.fullmatch(raw):
        return Decimal(raw.decode("ascii"))
    text = raw.decode("utf-8", "replace").strip()
    if not _AMOUNT_LOOSE.fullmatch(text):
        raise InputError(f"{what} is not a number: {text!r}", where=where)
    comma, dot = text.rfind(","), text.rfind(".")
    try:
        if comma > dot >= 0:  # 1.234,56
            return parse_decimal(text, decimal_comma=True)
        if dot > comma >= 0:  # 1,234.56
            return parse_decimal(text.replace(",", ""))
        return parse_decimal(text)  # 12,34 (comma decimals) or plain
    except InputError:
        raise InputError(f"{what} is not a number: {text!r}", where=where) from None


def _leaf(fields: Fields, key: bytes) -> bytes | None:
    """A leaf's value, None when absent or empty (an empty SGML leaf means nothing was sent)."""
    value = fields.get(key)
    return value if isinstance(value, bytes) and value else None


def _child(fields: Fields, key: bytes) -> Fields | None:
    value = fields.get(key)
    return value if isinstance(value, dict) else None


class _Reader:
    """Turns body events into statements and transactions."""

    def __init__(self, header: OFXHeader, source: Source) -> None:
        self.source = source
        self.text = _Text(header, source)
        self.dates = _Dates()
        self.server_time: datetime | None = None

    def run(self, events: Iterator[tuple[int, bytes, Fields, int]]) -> Iterator[Statement | Transaction]:
        statement: Statement | None = None
        fields: Fields = {}
        yielded = False
        currency = ""
        entry = 0
        count = 0
        for kind, name, data, line in events:
            if name == b"STMTTRN":
                if statement is None:
                    continue  # e.g. INVBANKTRAN in an investment statement, which this adapter does not read
                if not yielded:
                    currency = self._fill_header(statement, fields)
                    yield statement
                    yielded = True
                if not data:
                    # A placeholder such as <STMTTRN>*snipped*</STMTTRN>: nothing to book, nothing lost.
                    statement.warnings.append(f"line {line}: an empty STMTTRN (no elements) was skipped")
                    continue
                entry += 1
                yield self._transaction(data, line, entry, currency)
            elif kind == OPEN:
                statement = Statement(
                    source=self.source,
                    account=Account(kind="creditcard" if name == b"CCSTMTRS" else None),
                    location=f"line {line}",
                    created_at=self.server_time,
                )
                fields, yielded, entry = data, False, 0
                count += 1
            elif kind == CLOSE and statement is not None and name in (b"STMTRS", b"CCSTMTRS"):
                self._fill_header(statement, fields)
                self._fill_end(statement, fields)
                if not yielded:
                    yield statement
                statement = None
            elif kind == CLOSE and name == b"SONRS":
                raw = _leaf(data, b"DTSERVER")
                if raw is not None:
                    try:
                        self.server_time = self.dates.datetime(raw, "DTSERVER", f"line {line}")
                    except InputError:
                        # Only the time the answer was produced; banks send placeholders like 00000000.
                        self.server_time = None
            elif kind == CLOSE and name in (b"STMTTRNRS", b"CCSTMTTRNRS"):
                self._check_status(name, data, line)
        if count == 0:
            raise InputError("this OFX file holds no bank (STMTRS) or credit-card (CCSTMTRS) statement")

    def _check_status(self, name: bytes, data: Fields, line: int) -> None:
        """A transaction response without a statement: the bank says why (OFX 2.1.1 section 3.1.4)."""
        if b"STMTRS" in data or b"CCSTMTRS" in data:
            return
        status = _child(data, b"STATUS") or {}
        code = _leaf(status, b"CODE")
        message = _leaf(status, b"MESSAGE")
        severity = _leaf(status, b"SEVERITY")
        if severity == b"ERROR" or (severity is None and code is not None and code != b"0"):
            said = " ".join(self.text(v) for v in (code, message) if v is not None)
            raise InputError(
                f"the bank answered with an error instead of a statement ({name.decode()} STATUS {said})",
                where=f"line {line}",
            )

    def _fill_header(self, statement: Statement, fields: Fields) -> str:
        where = statement.location
        account = statement.account
        curdef = _leaf(fields, b"CURDEF")
        if curdef is None:
            raise InputError("the statement has no default currency (CURDEF)", where=where)
        currency = self.text(curdef).strip().upper()
        account.currency = currency
        acct = _child(fields, b"BANKACCTFROM") or _child(fields, b"CCACCTFROM")
        if acct is not None:
            number = _leaf(acct, b"ACCTID")
            bank_id = _leaf(acct, b"BANKID")
            kind = _leaf(acct, b"ACCTTYPE")
            account.number = self.text(number) if number is not None else None
            account.bank_id = self.text(bank_id) if bank_id is not None else None
            if kind is not None and account.kind != "creditcard":
                account.kind = self.text(kind).strip().lower()
            if b"CCACCTFROM" in fields:
                account.kind = "creditcard"
        return currency

    def _fill_end(self, statement: Statement, fields: Fields) -> None:
        where = statement.location
        currency = statement.account.currency or ""
        if statement.account.number is None:
            statement.warnings.append("the statement names no account (no BANKACCTFROM/CCACCTFROM ACCTID)")
        tranlist = _child(fields, b"BANKTRANLIST")
        if tranlist is not None:
            start, end = _leaf(tranlist, b"DTSTART"), _leaf(tranlist, b"DTEND")
            statement.period_start = self._optional_date(start, "DTSTART", statement)
            statement.period_end = self._optional_date(end, "DTEND", statement)
        for key, code in ((b"LEDGERBAL", "CLBD"), (b"AVAILBAL", "CLAV")):
            bal = _child(fields, key)
            if bal is None:
                continue
            what = f"{key.decode()}/BALAMT"
            raw = _leaf(bal, b"BALAMT")
            if raw is None or not raw.strip():
                # Real banks send <LEDGERBAL><BALAMT><DTASOF>...: no balance given, not a zero balance.
                statement.warnings.append(f"{what} is empty: no {key.decode()} balance")
                continue
            amount = _amount(raw, what, where)
            asof = self._optional_date(_leaf(bal, b"DTASOF"), f"{key.decode()}/DTASOF", statement)
            balance = Balance(code, amount, currency, asof)
            statement.balances.append(balance)
            if code == "CLBD":
                statement.closing_balance = balance

    def _optional_date(self, raw: bytes | None, what: str, statement: Statement) -> date | None:
        """A statement date; an all-zero placeholder (``00000000``) means the bank gave none."""
        if raw is None:
            return None
        if not raw.strip(b"0 \t\r\n"):
            statement.warnings.append(f"{what} is a zero placeholder ({_show(raw)}): no date")
            return None
        return self.dates.date(raw, what, statement.location)

    def _transaction(self, f: Fields, line: int, entry: int, currency: str) -> Transaction:
        # Hot path: only aggregate names nest as dicts, so the value of a leaf name is always bytes and a
        # plain ``get`` is enough (cast, not checked); an empty SGML leaf (b"") counts as absent.
        where = f"line {line}"
        get = cast("Callable[[bytes], bytes | None]", f.get)
        amount = _amount(get(b"TRNAMT"), "STMTTRN TRNAMT (the amount)", where)
        posted = get(b"DTPOSTED")
        if not posted:
            raise InputError("STMTTRN DTPOSTED (the booking date) is missing", where=where)
        dates = self.dates
        text = self.text
        booked = dates.date(posted, "DTPOSTED", where)
        tx = Transaction(amount, currency, entry, amount, where, booking_date=booked)
        if v := get(b"FITID"):
            tx.bank_ref = text(v)
        if v := get(b"DTUSER"):
            tx.value_date = dates.date(v, "DTUSER", where)
        if v := get(b"NAME"):
            tx.counterparty_name = text(v)
        if v := get(b"MEMO"):
            tx.remittance_text = text(v)
        if v := get(b"TRNTYPE"):
            tx.bank_tx_code = BankTxCode(proprietary=text(v), issuer="OFX")
        if v := get(b"CHECKNUM"):
            tx.entry_ref = text(v)
        if not _COMMON.issuperset(f):
            self._rare(tx, f, where)
        return tx

    def _rare(self, tx: Transaction, f: Fields, where: str) -> None:
        text = self.text
        payee = _child(f, b"PAYEE")  # OFX 2.1.1 section 11.4.4.1: NAME or PAYEE, not both
        if tx.counterparty_name is None and payee is not None and (v := _leaf(payee, b"NAME")) is not None:
            tx.counterparty_name = text(v)
        for key in _EXTRA_KEYS:
            if (v := _leaf(f, key)) is not None:
                tx.extra[key.decode()] = text(v)
        # OFX 2.1.1 section 5.2: CURRENCY = the amount is in CURSYM; ORIGCURRENCY = the amount was
        # converted into CURDEF from CURSYM. CURRATE is the rate between the two.
        for key in (b"CURRENCY", b"ORIGCURRENCY"):
            cur = _child(f, key)
            if cur is None:
                continue
            sym = _leaf(cur, b"CURSYM")
            rate = _leaf(cur, b"CURRATE")
            if rate is not None:
                tx.exchange_rate = _amount(rate, f"{key.decode()}/CURRATE", where)
            if sym is not None:
                if key == b"CURRENCY":
                    tx.currency = text(sym).strip().upper()
                else:
                    tx.original_currency = text(sym).strip().upper()
        for key in (b"BANKACCTTO", b"CCACCTTO"):
            to = _child(f, key)
            if to is None:
                continue
            if (v := _leaf(to, b"ACCTID")) is not None:
                tx.counterparty_account = text(v)
            if (v := _leaf(to, b"BANKID")) is not None:
                tx.extra[f"{key.decode()}/BANKID"] = text(v)
            break


class _OFX:
    name = "ofx"

    def detect(self, head: bytes) -> bool:
        return looks_like_ofx(head)

    def parse(self, stream: BinaryIO, source: Source) -> Iterator[Statement | Transaction]:
        head = stream.read(HEAD_BYTES)
        if not head.strip():
            raise InputError("the file is empty", where="line 1")
        header = read_header(head)
        source.format = "ofx"
        source.version = header.version
        source.dialect = header.dialect
        source.encoding = header.encoding
        first_line = head.count(b"\n", 0, header.body_offset) + 1
        events = read_body(stream, head[header.body_offset:], first_line)
        yield from _Reader(header, source).run(events)


OFX = _OFX()

__all__ = ["OFX"]
