"""Readers for MT940 field 86 (information to account owner), which banks fill in three ways:

* German (DFÜ-Abkommen / DK "Spezifikation der Datenformate", MT940 field 86 structured): a 3-digit
  Geschäftsvorfallcode, then ``?nn`` sub-fields: ``?00`` Buchungstext, ``?10`` Primanota, ``?20``-``?29`` and
  ``?60``-``?63`` Verwendungszweck (with SEPA identifiers ``EREF+``, ``MREF+``, ``CRED+``, ``SVWZ+`` ...),
  ``?30`` BLZ/BIC, ``?31`` account/IBAN, ``?32``-``?33`` name, ``?34`` Textschlüsselergänzung;
* Dutch (ING, ABN AMRO, Rabobank, Triodos, Knab...; the NVB/"Structured MT940" layout): ``/CODE/value``
  pairs such as ``/EREF/``, ``/NAME/``, ``/IBAN/``, ``/BIC/``, ``/REMI/`` (``USTD//`` text or
  ``STRD/CUR/ref`` structured), ``/CSID/``, ``/MARF/``, ``/RTRN/``, ``/CNTP/acct/bic/name/city``;
* free text.

Each reader fills the transaction in place; the raw text is kept in ``extra["information"]``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from adapters.statements._mt940_fields import iban_checks
from gateway.model import BankTxCode, Transaction
from gateway.model.references import BE_OGM, CH_QRR, NL_BETALINGSKENMERK, RF, CreditorReference

GERMAN = "german-86"
DUTCH = "dutch-86"
PLAIN = "plain"

# SWIFT limits a line of field 86 to 65 characters; a full line was cut by length, not at a word end.
LINE_WIDTH = 65
# DK: each ?2x / ?6x / ?32-?33 sub-field holds at most 27 characters, so full ones continue mid-word.
SUBFIELD_WIDTH = 27

_DUTCH_CODES = (
    "EREF|NAME|IBAN|BIC|REMI|CSID|MARF|RTRN|TRCD|ORDP|BENM|ADDR|CNTP|PREF|ULTC|ULTD|ULTB|PURP|SVCL|ISDT|"
    "SUM|EXCH|CHGS|OCMT|ID|ACCW|TRTP|BUSP|CDTRREF|CDTRREFTP|CD|PRTRY|CREF|FX|INFO|TRID|EXTRA"
)


def _prefix_tree(words: list[str]) -> str:
    """The words as one regular expression that branches per letter (``E(?:REF|XCH|XTRA)|...``): the
    regular expression engine tries alternatives one by one, so at each "/" of a text this tests a few
    letters instead of every code. Matches exactly the same strings as ``|``.join(words)."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[:1], []).append(word[1:])
    out = []
    for first, rests in groups.items():
        if first == "":
            continue
        if len(rests) == 1:
            out.append(re.escape(first + rests[0]))
        else:
            tail = _prefix_tree([r for r in rests if r])
            out.append(re.escape(first) + "(?:" + tail + (")?" if "" in rests else ")"))
    return "|".join(out)


_DUTCH_TREE = _prefix_tree(_DUTCH_CODES.split("|"))
_DUTCH_START = re.compile(r"/(?:" + _DUTCH_TREE + r")/")
_DUTCH_CODE = re.compile(r"/(" + _DUTCH_TREE + r")/")

_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_NOT_PROVIDED = frozenset({"NOTPROVIDED", "NONREF", "NONE", ""})


def join_lines(lines: list[str], style: str) -> str:
    """Join the lines of one field: directly where a line was cut by length (or where the next line starts a
    sub-field), with a space where the bank ended the line itself. German text is always joined directly:
    its ``?nn`` sub-fields run across lines regardless of words."""
    if len(lines) == 1:
        return lines[0]
    if style == GERMAN:
        return "".join(lines)
    out = [lines[0]]
    prev = lines[0]
    for line in lines[1:]:
        if (
            len(prev) >= LINE_WIDTH
            or not prev
            or not line
            or prev[-1] == " "
            or line[0] == " "
            or (style == DUTCH and (line[0] == "/" or prev[-1] == "/"))
        ):
            out.append(line)
        else:
            out.append(" " + line)
        prev = line
    return "".join(out)


def style_of(first_line: str) -> str:
    if (first_line[3:4] == "?" and first_line[:3].isdigit()) or first_line.startswith("?00"):
        return GERMAN
    if first_line[:1] == "/" and _DUTCH_START.match(first_line):
        return DUTCH
    return PLAIN


def apply_information(tx: Transaction, lines: list[str]) -> str:
    """Fill ``tx`` from the lines of one :86: field; returns the style found."""
    first = lines[0]
    if (first[3:4] == "?" and first[:3].isdigit()) or first.startswith("?00"):  # style_of, inlined
        _german(tx, first if len(lines) == 1 else "".join(lines))
        return GERMAN
    if first[:1] == "/" and _DUTCH_START.match(first):  # style_of, inlined
        _dutch(tx, first if len(lines) == 1 else join_lines(lines, DUTCH))
        return DUTCH
    text = join_lines(lines, PLAIN).strip()
    tx.extra["information"] = _append(tx.extra.get("information"), text)
    if text:
        tx.remittance_text = _append(tx.remittance_text, text)
        if tx.structured_reference is None:
            tx.structured_reference = clear_reference(text)
    return PLAIN


def _append(old: str | None, new: str) -> str:
    return f"{old} {new}" if old else new


def _join_segments(segments: list[str]) -> str:
    if len(segments) == 1:
        return segments[0]
    prev = out = segments[0]
    for seg in segments[1:]:
        if len(prev) < SUBFIELD_WIDTH and prev and seg and prev[-1] != " " and seg[0] != " ":
            out += " " + seg
        else:
            out += seg
        prev = seg
    return out


# What each DK sub-field is (DK "Spezifikation der Datenformate", MT940 field 86 structured).
_PURPOSE, _NAME, _BOOKING_TEXT, _PRIMANOTA, _BANK, _ACCOUNT, _TEXT_KEY = range(7)
_GERMAN_KIND = {
    **{f"{n:02d}": _PURPOSE for n in (*range(20, 30), *range(60, 64))},
    "32": _NAME,
    "33": _NAME,
    "00": _BOOKING_TEXT,
    "10": _PRIMANOTA,
    "30": _BANK,
    "31": _ACCOUNT,
    "34": _TEXT_KEY,
}


# The sub-fields in the order the DK specification lists them, each at most once (names and purpose lines
# in file order), and no "?" inside a value: what nearly every German bank writes. Such text is taken apart
# by one match; anything else goes through the general loop in ``_german``.
_DK_LAYOUT = re.compile(
    r"([0-9]{3})?"
    r"(?:\?00([^?]*))?"
    r"(?:\?10([^?]*))?"
    r"((?:\?2[0-9][^?]*)*)"
    r"(?:\?30([^?]*))?"
    r"(?:\?31([^?]*))?"
    r"((?:\?3[23][^?]*)*)"
    r"(?:\?34([^?]*))?"
    r"((?:\?6[0-3][^?]*)*)"
)
# Read-only and shared: one BankTxCode per Geschäftsvorfallcode instead of one per transaction.
_DK_CODES: dict[str, BankTxCode] = {}


def _dk_code(gvc: str) -> BankTxCode:
    code = _DK_CODES.get(gvc)
    if code is None:
        if len(_DK_CODES) > 4096:  # GVCs are 3 digits; this only guards against odd input
            _DK_CODES.clear()
        code = _DK_CODES[gvc] = BankTxCode(proprietary=gvc, issuer="DK")
    return code


def _german(tx: Transaction, text: str) -> None:
    extra = tx.extra
    extra["information"] = text
    m = _DK_LAYOUT.fullmatch(text)
    if m is not None:
        _german_layout(tx, extra, m.groups(""))
        return
    pieces = text.split("?")
    head = pieces[0]
    if len(head) == 3 and head.isdigit():
        code = tx.bank_tx_code
        if code is not None and code.proprietary:
            extra["swift_transaction_type"] = code.proprietary
        # The Geschäftsvorfallcode says more than the SWIFT type (which German banks mostly fill as NMSC).
        tx.bank_tx_code = _dk_code(head)
    purpose: list[str] = []
    names: list[str] = []
    kinds = _GERMAN_KIND
    last: list[str] | None = None
    # str.split is several times faster than a regular expression here, and this runs per transaction.
    for piece in pieces[1:]:
        kind = kinds.get(piece[:2])
        if kind is None:
            if not (len(piece) >= 2 and piece[:2].isdigit()) and last:
                last[-1] += "?" + piece  # a "?" that does not start a sub-field is text
            continue
        value = piece[2:]
        if kind == _PURPOSE:
            purpose.append(value)
            last = purpose
            continue
        if kind == _NAME:
            names.append(value)
            last = names
            continue
        last = None
        value = value.strip()
        if not value:
            continue
        if kind == _BANK:
            if _is_bic(value):
                tx.counterparty_bic = value
            else:
                extra["counterparty_bank_code"] = value
        elif kind == _ACCOUNT:
            _account(tx, value)
        elif kind == _BOOKING_TEXT:
            extra["booking_text"] = value
        elif kind == _PRIMANOTA:
            extra["primanota"] = value
        else:
            extra["text_key_addition"] = value
    if names:
        name = _join_segments(names).strip()
        if name:
            tx.counterparty_name = name
    if purpose:
        _sepa_purpose(tx, _join_segments(purpose).strip())


def _german_layout(tx: Transaction, extra: dict[str, str], groups: tuple[str, ...]) -> None:
    """``_german`` for text in the usual DK layout (see ``_DK_LAYOUT``; sub-fields not present are ""): the
    same assignments, in the same order, without a step per sub-field."""
    gvc, booking_text, primanota, purpose20, bank, account, names, text_key, purpose60 = groups
    if gvc:
        code = tx.bank_tx_code
        if code is not None and code.proprietary:
            extra["swift_transaction_type"] = code.proprietary
        tx.bank_tx_code = _DK_CODES.get(gvc) or _dk_code(gvc)
    if booking_text:
        booking_text = booking_text.strip()
        if booking_text:
            extra["booking_text"] = booking_text
    if primanota:
        primanota = primanota.strip()
        if primanota:
            extra["primanota"] = primanota
    if bank:
        bank = bank.strip()
        if bank:
            if _is_bic(bank):
                tx.counterparty_bic = bank
            else:
                extra["counterparty_bank_code"] = bank
    if account:
        account = account.strip()
        if account:
            _account(tx, account)
    if text_key:
        text_key = text_key.strip()
        if text_key:
            extra["text_key_addition"] = text_key
    if names:
        if names.count("?") == 1:
            name = names[3:].strip()
        else:
            name = _join_segments([seg[2:] for seg in names[1:].split("?")]).strip()
        if name:
            tx.counterparty_name = name
    purpose = purpose20 + purpose60 if purpose60 else purpose20
    if purpose:
        # _join_segments, inlined: "?2x" sub-fields in file order, then "?6x"
        segments = purpose.split("?")
        prev = text = segments[1][2:]
        for seg in segments[2:]:
            seg = seg[2:]
            if len(prev) < SUBFIELD_WIDTH and prev and seg and prev[-1] != " " and seg[0] != " ":
                text += " " + seg
            else:
                text += seg
            prev = seg
        _sepa_purpose(tx, text.strip())


@lru_cache(maxsize=4096)
def _is_bic(value: str) -> bool:
    # Banks repeat: a cache hit is several times cheaper than the match.
    return _BIC.fullmatch(value) is not None


def _account(tx: Transaction, value: str) -> None:
    if not value:
        return
    compact = value.replace(" ", "").upper()
    if iban_checks(compact):
        tx.counterparty_iban = compact
    else:
        tx.counterparty_account = value


# A SEPA identifier is one of these followed by "+", wherever it stands (DK Anlage 3 puts no space before
# it, and text such as "ABIC+" ends in the identifier BIC): the same places a split at "+" finds.
_SEPA_TAG = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|COAM|OAMT|PURP|RTRN|BIC)\+")


def _sepa_purpose(tx: Transaction, text: str) -> None:
    """German Verwendungszweck, split at the SEPA identifiers (DK Anlage 3, "SEPA-Bezeichner") such as
    ``EREF+``; a "+" not preceded by one of them is text. The first value of each identifier counts."""
    pieces = _SEPA_TAG.split(text)  # lead, tag, value, tag, value, ...
    if len(pieces) == 1:
        remittance = text
    else:
        values: dict[str, str] = {}
        for tag, value in zip(pieces[1::2], pieces[2::2], strict=True):
            if tag in values:
                continue
            value = values[tag] = value.strip()
            if not value or tag == "SVWZ":
                continue
            if tag == "EREF":
                if value.upper() not in _NOT_PROVIDED:
                    tx.end_to_end_id = value
            elif tag == "MREF":
                tx.mandate_id = value
            elif tag == "CRED":
                tx.creditor_id = value
            elif tag == "IBAN":
                if tx.counterparty_iban is None:
                    _account(tx, value)
            elif tag == "BIC":
                if tx.counterparty_bic is None:
                    tx.counterparty_bic = value
            elif tag == "RTRN":
                tx.return_reason = value
            else:
                tx.extra[_SEPA_EXTRA[tag]] = value
        remittance = values.get("SVWZ") or pieces[0].strip()
    if remittance:
        tx.remittance_text = remittance
        tx.structured_reference = clear_reference(remittance)


_SEPA_EXTRA = {
    "KREF": "customer_reference",
    "DEBT": "debtor_id",
    "ABWA": "ultimate_debtor",
    "ABWE": "ultimate_creditor",
    "COAM": "compensation_amount",
    "OAMT": "original_amount",
    "PURP": "purpose_code",
}


def _dutch(tx: Transaction, text: str) -> None:
    tx.extra["information"] = text
    pieces = _DUTCH_CODE.split(text)  # text before the first code, code, value, code, value, ...
    values: dict[str, str] = {}
    for code, value in zip(pieces[1::2], pieces[2::2], strict=True):
        if code not in values:
            if value[-1:] == "/":
                value = value[:-1]
            values[code] = value.strip()
    get = values.get
    eref = get("EREF")
    if eref and eref.upper() not in _NOT_PROVIDED:
        tx.end_to_end_id = eref
    if value := get("NAME"):
        tx.counterparty_name = value
    if value := get("IBAN"):
        _account(tx, value)
    if value := get("BIC"):
        tx.counterparty_bic = value
    if value := get("CNTP"):
        _cntp(tx, value)
    if value := get("CSID"):
        tx.creditor_id = value
    if value := get("MARF"):
        tx.mandate_id = value
    if value := get("RTRN"):
        tx.return_reason = value
    for code, key in _DUTCH_EXTRA:
        if value := get(code):
            tx.extra[key] = value
    remi = get("REMI")
    if remi is not None:
        _remittance(tx, remi)


_DUTCH_EXTRA = (
    ("TRCD", "transaction_code"),
    ("TRTP", "transaction_type_text"),
    ("PURP", "purpose_code"),
    ("PREF", "payment_info_id"),
    ("ISDT", "interest_date"),
)


def _cntp(tx: Transaction, value: str) -> None:
    """ING ``/CNTP/account/BIC/name/city/``."""
    parts = value.split("/")
    account = parts[0].strip()
    if account and tx.counterparty_iban is None and tx.counterparty_account is None:
        _account(tx, account)
    if len(parts) > 1:
        bic = parts[1].strip()
        if bic and tx.counterparty_bic is None:
            tx.counterparty_bic = bic
        if len(parts) > 2:
            name = parts[2].strip()
            if name and tx.counterparty_name is None:
                tx.counterparty_name = name


def _remittance(tx: Transaction, value: str) -> None:
    if value.startswith("USTD/"):
        text = value[5:].lstrip("/").strip()
        if text:
            tx.remittance_text = text
            tx.structured_reference = clear_reference(text)
        return
    if value.startswith("STRD/"):
        # ``STRD/CUR/<ref>``: issuer CUR (Currence, the Dutch betalingskenmerk) or ISO (RF).
        parts = value.split("/", 2)
        ref = parts[2].strip().strip("/") if len(parts) > 2 else ""
        if ref:
            tx.structured_reference = CreditorReference.parse(ref)
            tx.remittance_text = ref
        return
    text = value.strip()
    if text:
        tx.remittance_text = text
        tx.structured_reference = clear_reference(text)


_OGM_SHAPE = re.compile(r"\d{3}/\d{4}/\d{5}")


def clear_reference(text: str) -> CreditorReference | None:
    """A structured creditor reference when the whole text is clearly one (RF with valid check digits, a
    Belgian +++ OGM +++, a valid Dutch 16-digit betalingskenmerk, a Swiss QR reference); else None."""
    if len(text) > 40 or not text:
        return None
    compact = text.replace(" ", "")
    # Cheap shape tests first: this runs for every transaction. Every shape below starts with R, "+", "*"
    # or a digit, so most texts are turned away by their first character.
    c0 = compact[:1]
    if not (c0 in "+*Rr" or c0.isdigit()):
        return None
    if not (
        compact[:2].upper() == "RF"
        or compact[0] in "+*"
        or (compact.isdigit() and len(compact) in (16, 27))
        or _OGM_SHAPE.fullmatch(compact)
    ):
        return None
    ref = CreditorReference.parse(text)
    if ref.valid and ref.type in (RF, BE_OGM, NL_BETALINGSKENMERK, CH_QRR):
        return ref
    return None
