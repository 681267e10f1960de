"""SWIFT MT940 customer statements (and MT942 interim transaction reports) as normalized statements.

A single pass over the lines, one field at a time: a line starting with a known ``:tag:`` begins a field,
other lines continue it. A field is handled once it is complete (when the next one starts), so a ``:61:``
transaction is yielded after its ``:86:`` information has been read. Statements split at each ``:20:``.

Why not the ``mt-940`` package: it reads the whole file into one string and builds its own model objects
(with its own processors and tag hooks) before we could map them, which costs several times the memory and
time of this reader and cannot stream a file of 200,000 transactions; and its leniency (invalid dates kept,
a missing account accepted) is not what an import gateway wants. Here: chunked reads, precompiled regular
expressions, one dataclass per transaction, nothing kept after it is yielded.

Where the layout comes from: SWIFT Standards MT, Category 9 (MT940/MT942 field specifications); the German
DK "Spezifikation der Datenformate" for the ``?nn`` structure of field 86; the Dutch banks' "Structured
MT940" (``/CODE/`` sub-fields). See ``_mt940_fields`` and ``_mt940_86``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import fields
from typing import BinaryIO

from adapters.statements._mt940_86 import PLAIN, apply_information, style_of
from adapters.statements._mt940_fields import AccountId, parse_balance, parse_line, swift_code
from adapters.statements._mt940_lines import iter_line_chunks
from gateway.errors import InputError
from gateway.model import Account, Balance, Source, Statement, Transaction
from gateway.model.statement import BalanceType

# The tags of MT940 and MT942 (SWIFT Category 9), and :NS: (non-SWIFT, used by German banks).
# A line that merely looks like a tag (``:12:11`` or ``:00:00/`` in wrapped text) continues the field before.
_KNOWN_TAGS = frozenset(
    {
        "20",
        "21",
        "25",
        "25P",
        "28",
        "28C",
        "60F",
        "60M",
        "61",
        "62F",
        "62M",
        "64",
        "65",
        "86",
        "34F",
        "13",
        "13D",
        "90D",
        "90C",
        "NS",
    }
)
# Lines some banks put before the first field (Rabobank ``:940:``), skipped like other header lines.
_HEADER_TAGS = frozenset({"940", "942", "950"})
# The first characters of a line that is not simply more text of the field being read (empty, a tag, a
# SWIFT block, an end of message, a DOS end-of-file mark).
_SPECIAL_START = frozenset({"", ":", "{", "-", "}", "\x1a"})
_TAG = re.compile(r":([0-9]{2,4}[A-Z]?|[A-Z]{2,3}):")

_BALANCE_TYPES = {
    "60F": BalanceType.OPENING_BOOKED.value,
    "60M": BalanceType.INTERIM_BOOKED.value,  # intermediate opening: the statement continues a previous page
    "62F": BalanceType.CLOSING_BOOKED.value,
    "62M": BalanceType.INTERIM_BOOKED.value,
    "64": BalanceType.CLOSING_AVAILABLE.value,
    "65": BalanceType.FORWARD_AVAILABLE.value,
}

_DETECT_TAGS = re.compile(rb"^:(?:20|21|25|28C?|60[FM]|61|62[FM]|64|65|86|34F|13D):", re.MULTILINE)
_DETECT_ENVELOPE = re.compile(rb"\{1:[^}]*\}\s*\{2:[IO]9[45][02]")
_ENVELOPE_TYPE = re.compile(r"\{2:[IO](\d{3})")
_DETECT_BYTES = 8192


# statement_line builds transactions with positional arguments (much cheaper than keywords); this keeps
# that in step with the model's field order.
assert [f.name for f in fields(Transaction)][:8] == [
    "amount",
    "currency",
    "entry",
    "entry_amount",
    "location",
    "bank_ref",
    "booking_date",
    "value_date",
], "Transaction's field order changed: update _Reader.statement_line"


class _MT940:
    name = "mt940"

    def detect(self, head: bytes) -> bool:
        """SWIFT block envelope, or MT940 field tags at the start of lines in the first KiBs: the first
        non-blank line, or two different ones further down (files may begin with a bank header line,
        blank lines, ``-`` or ``:940:``)."""
        sample = head[:_DETECT_BYTES].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if _DETECT_ENVELOPE.search(sample):
            return True
        first = sample.lstrip(b"\xef\xbb\xbf\n\t -")
        if _DETECT_TAGS.match(first) or first.startswith((b":940:", b":NS:")):
            return True
        return len(set(_DETECT_TAGS.findall(sample))) >= 2

    def parse(self, stream: BinaryIO, source: Source) -> Iterator[Statement | Transaction]:
        source.format = self.name
        source.version = "MT940"
        return _Reader(source).run(stream)


MT940 = _MT940()


class _Reader:
    """The state of one pass over a file."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.statement: Statement | None = None
        self.yielded = False  # the current statement has been handed out
        self.account_line = 0
        self.entry = 0
        self.tx: Transaction | None = None  # the last :61:, waiting for its :86:
        self.out: list[Statement | Transaction] = []
        self.statements = 0
        self.tags_seen = 0
        self.in_envelope = 0  # line where the open SWIFT block 4 began, 0 when none is open
        self.envelope = False
        self.style: str | None = None
        self.mt942 = False

    # -- the loop -------------------------------------------------------------------------------------------

    def run(self, stream: BinaryIO) -> Iterator[Statement | Transaction]:
        out = self.out
        tag: str | None = None  # the field being read
        tag_line = 0
        parts: list[str] = []
        known = _KNOWN_TAGS
        tag_match = _TAG.match
        special = _SPECIAL_START
        line_no = 0
        for first, lines in iter_line_chunks(stream, self.source):
            line_no = first - 1
            for line in lines:
                line_no += 1
                c = line[:1]
                if c not in special:
                    # The common case, a line that continues the field (for the rest, see below).
                    if tag is not None and not line.isspace():
                        parts.append(line)
                    continue
                if not line:
                    continue
                if c == "\x1a":  # DOS end-of-file mark left between concatenated exports
                    line = line.lstrip("\x1a")
                    if not line:
                        continue
                    c = line[0]
                if c == ":":
                    m = tag_match(line)
                    if m is not None:
                        name = m.group(1)
                        if name in known:
                            if tag is not None:
                                # field() for the usual :86: and :61:, without the call and the list of
                                # events to yield
                                if tag == "86" and self.tx is not None:
                                    self.tags_seen += 1
                                    style = apply_information(self.tx, parts)
                                    if style != self.style and (self.style is None or self.style == PLAIN):
                                        self.style = style
                                elif tag == "61" and self.yielded and self.tx is not None:
                                    self.tags_seen += 1
                                    done = self.tx
                                    self.statement_line(tag_line, parts)
                                    yield done
                                else:
                                    self.field(tag, tag_line, parts)
                                    if out:
                                        yield from out
                                        out.clear()
                            tag, tag_line, parts = name, line_no, [line[m.end() :]]
                            continue
                        if tag is None or tag not in ("86", "61", "NS"):
                            if tag is None and name in _HEADER_TAGS:
                                continue
                            raise InputError(
                                f"unknown field tag :{name}: (not an MT940 field)", where=f"line {line_no}"
                            )
                elif c == "{":
                    if tag is not None:
                        self.field(tag, tag_line, parts)
                        tag = None
                    rest = self.envelope_line(line, line_no)
                    if out:
                        yield from out
                        out.clear()
                    if rest:
                        m = tag_match(rest)
                        if m is None or m.group(1) not in known:
                            raise InputError(
                                "SWIFT block 4 must start with a field tag", where=f"line {line_no}"
                            )
                        tag, tag_line, parts = m.group(1), line_no, [rest[m.end() :]]
                    continue
                elif c == "-" or c == "}":
                    stripped = line.rstrip()
                    if stripped == "-" or stripped.startswith(("-}", "}")):
                        # End of a message text (``-``) or of SWIFT block 4 (``-}``).
                        if tag is not None:
                            self.field(tag, tag_line, parts)
                            tag = None
                            if out:
                                yield from out
                                out.clear()
                        if stripped[-1] == "}":
                            self.in_envelope = 0
                        continue
                elif line.isspace():
                    continue
                if tag is not None:
                    parts.append(line)
                # else: a header line before (or between) messages, e.g. ABN AMRO's "ABNANL2A" / "940"
        if tag is not None:
            self.field(tag, tag_line, parts)
        if self.in_envelope:
            raise InputError(
                f"the SWIFT message that began on line {self.in_envelope} is truncated: "
                "block 4 has no end (-})",
                where=f"line {line_no}",
            )
        self.end_statement()
        yield from out
        out.clear()
        if self.statements == 0:
            if self.tags_seen == 0:
                raise InputError("not an MT940 file: no SWIFT field tags (:20:, :25:, :61: ...) found")
            raise InputError("no statement in this MT940 file: no :20: transaction reference number field")
        self.source.version = "MT942" if self.mt942 else "MT940"
        parts_ = (["swift-envelope"] if self.envelope else []) + [self.style or PLAIN]
        self.source.dialect = "+".join(parts_)

    def envelope_line(self, line: str, line_no: int) -> str:
        """A line of SWIFT FIN blocks ``{1:...}{2:...}{3:...}{4:`` (or the trailer ``{5:...}``). Returns any
        text after ``{4:`` on the same line."""
        at = line.find("{4:")
        if self.in_envelope and line.startswith("{1:"):
            raise InputError(
                f"a new SWIFT message starts before the one that began on line {self.in_envelope} "
                "ended with -}",
                where=f"line {line_no}",
            )
        m = _ENVELOPE_TYPE.search(line)
        if m is not None:
            if m.group(1) == "942":
                self.mt942 = True
                self.source.version = "MT942"
            elif m.group(1) not in ("940", "950"):
                raise InputError(
                    f"SWIFT message type MT{m.group(1)} is not a statement (MT940/MT942)",
                    where=f"line {line_no}",
                )
        if at < 0:
            if line.startswith("{1:"):
                self.in_envelope = line_no
                self.envelope = True
            return ""
        if not self.in_envelope:
            self.in_envelope = line_no
        self.envelope = True
        return line[at + 3 :].strip()

    # -- fields ---------------------------------------------------------------------------------------------

    def field(self, tag: str, line_no: int, parts: list[str]) -> None:
        self.tags_seen += 1
        if tag == "86":
            if self.tx is not None:
                style = apply_information(self.tx, parts)
                if self.style != style and (self.style is None or self.style == PLAIN):
                    self.style = style
            elif self.style is None and parts[0]:
                self.style = style_of(parts[0])
            # else: information for the statement as a whole (after the closing balance); no place for it
        elif tag == "61":
            if self.tx is not None:
                self.out.append(self.tx)
            self.statement_line(line_no, parts)
        else:
            self.flush_tx()
            if tag == "20":
                self.end_statement()
                self.begin_statement(line_no, parts[0].strip())
            elif tag in _BALANCE_TYPES:
                self.balance(tag, line_no, parts)
            elif tag == "25" or tag == "25P":
                self.account(line_no, parts)
            elif tag == "28C" or tag == "28":
                self.need_statement(tag, line_no).sequence_number = parts[0].strip()
            elif tag == "34F" or tag == "13D" or tag == "13" or tag == "90D" or tag == "90C":
                self.mt942_field(tag, line_no, parts)
            # 21 (related reference) and NS (bank-specific) carry nothing the model keeps

    def need_statement(self, tag: str, line_no: int) -> Statement:
        if self.statement is None:
            raise InputError(
                f"field :{tag}: comes before the start of a statement (:20:)", where=f"line {line_no}"
            )
        return self.statement

    def begin_statement(self, line_no: int, reference: str) -> None:
        self.statement = Statement(
            source=self.source, account=Account(), location=f"line {line_no}", statement_id=reference or None
        )
        self.statements += 1
        self.yielded = False
        self.account_line = 0
        self.entry = 0

    def end_statement(self) -> None:
        self.flush_tx()
        st = self.statement
        if st is not None and not self.yielded:
            self.check_account(st, st.location)
            self.out.append(st)
            self.yielded = True

    def check_account(self, st: Statement, where: str) -> None:
        if not self.account_line:
            raise InputError(
                f"the statement that begins on {st.location} has no account identification (:25:)",
                where=where,
            )

    def account(self, line_no: int, parts: list[str]) -> None:
        st = self.need_statement("25", line_no)
        if self.account_line:
            raise InputError(
                f"a second account identification (:25:) in the statement that begins on {st.location} "
                f"(the first is on line {self.account_line})",
                where=f"line {line_no}",
            )
        self.account_line = line_no
        # Kept as written (trailing spaces included): it is what the bank's other systems match on.
        acct = AccountId(parts[0] if len(parts) == 1 else "".join(parts))
        st.account.number = acct.number
        st.account.iban = acct.iban
        st.account.bank_id = acct.bank_id
        if acct.currency and not st.account.currency:
            st.account.currency = acct.currency

    def balance(self, tag: str, line_no: int, parts: list[str]) -> None:
        st = self.need_statement(tag, line_no)
        try:
            parsed = parse_balance(parts[0], tag)
        except InputError as exc:
            raise exc.located(where=f"line {line_no}") from None
        bal = Balance(_BALANCE_TYPES[tag], parsed.amount, parsed.currency, parsed.date)
        st.balances.append(bal)
        if tag[:2] == "60":
            if st.opening_balance is None:
                st.opening_balance = bal
                st.period_start = parsed.date
                # The statement's currency is that of its opening balance (not the :25: suffix).
                st.account.currency = parsed.currency
        elif tag[:2] == "62":
            st.closing_balance = bal
            st.period_end = parsed.date
            if st.opening_balance is None:
                st.account.currency = parsed.currency

    def mt942_field(self, tag: str, line_no: int, parts: list[str]) -> None:
        self.mt942 = True
        self.source.version = "MT942"
        st = self.need_statement(tag, line_no)
        if tag == "34F" and not st.account.currency:
            currency = parts[0].strip()[:3]
            if len(currency) == 3 and currency.isalpha():
                st.account.currency = currency.upper()

    def statement_line(self, line_no: int, parts: list[str]) -> None:
        st = self.statement
        where = f"line {line_no}"
        if st is None:
            raise InputError("transaction (:61:) before the start of a statement (:20:)", where=where)
        if not self.account_line:
            self.check_account(st, where)
        try:
            amount, value_date, booking_date, is_reversal, funds_code, tx_type, entry_ref, bank_ref = parse_line(
                parts[0]
            )
        except InputError as exc:
            raise exc.located(where=where) from None
        if not self.yielded:
            self.out.append(st)
            self.yielded = True
        self.entry += 1
        # Positional: several times cheaper than keywords for a dataclass of this many fields. The order is
        # that of Transaction: amount, currency, entry, entry_amount, location, bank_ref, booking/value date.
        tx = Transaction(
            amount, st.account.currency or "", self.entry, amount, where, bank_ref, booking_date, value_date
        )
        if is_reversal:
            tx.is_reversal = True
        if entry_ref is not None:
            tx.entry_ref = entry_ref
        if tx_type:
            tx.bank_tx_code = swift_code(tx_type)
        if funds_code:
            tx.extra["funds_code"] = funds_code
        if len(parts) > 1:
            details = parts[1].strip() if len(parts) == 2 else " ".join(p.strip() for p in parts[1:]).strip()
            if details:
                tx.extra["supplementary_details"] = details
        self.tx = tx

    def flush_tx(self) -> None:
        if self.tx is not None:
            self.out.append(self.tx)
            self.tx = None
