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

_SEPA_TAGS = frozenset(
    {
        "EREF",
        "KREF",
        "MREF",
        "CRED",
        "DEBT",
        "SVWZ",
        "ABWA",
        "ABWE",
        "IBAN",
        "BIC",
        "COAM",
        "OAMT",
        "PURP",
        "RTRN",
    }
)

_DUTCH_CODES = (
    "EREF|NAME|IBAN|BIC|REMI|CSID|MARF|RTRN|TRCD|ORDP|BENM|ADDR|CNTP|PREF|ULTC|ULTD|ULTB|PURP|SVCL|ISDT|"
    "SUM|EXCH|CHGS|OCMT|ID|ACCW|TRTP|BUSP|CDTRREF|CDTRREFTP|CD|PRTRY|CREF|FX|INFO|TRID|EXTRA"
)
_DUTCH_START = re.compile(r"/(?:" + _DUTCH_CODES + r")/")
_DUTCH_CODE = re.compile(r"/(" + _DUTCH_CODES + r")/")

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
    style = style_of(lines[0])
    if style == GERMAN:
        _german(tx, join_lines(lines, style))
    elif style == DUTCH:
        _dutch(tx, join_lines(lines, style))
    else:
        text = join_lines(lines, style).strip()
        tx.extra["information"] = _append(tx.extra.get("information"), text)
        if text:
            tx.remittance_text = _append(tx.remittance_text, text)
            if tx.structured_reference is None:
                tx.structured_reference = clear_reference(text)
    return style


def _append(old: str | None, new: str) -> str:
    return f"{old} {new}" if old else new


def _join_segments(segments: list[str]) -> str:
    if len(segments) == 1:
        return segments[0]
    out = [segments[0]]
    prev = segments[0]
    for seg in segments[1:]:
        if len(prev) < SUBFIELD_WIDTH and prev and seg and prev[-1] != " " and seg[0] != " ":
            out.append(" ")
        out.append(seg)
        prev = seg
    return "".join(out)


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


def _german(tx: Transaction, text: str) -> None:
    extra = tx.extra
    extra["information"] = text
    pieces = text.split("?")
    head = pieces[0]
    if len(head) == 3 and head.isdigit():
        code = tx.bank_tx_code
        if code is not None and code.proprietary:
            extra["swift_transaction_type"] = code.proprietary
        # The Geschäftsvorfallcode says more than the SWIFT type (which German banks mostly fill as NMSC).
        tx.bank_tx_code = BankTxCode(proprietary=head, issuer="DK")
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
            if _BIC.fullmatch(value):
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


def _account(tx: Transaction, value: str) -> None:
    if not value:
        return
    compact = value.replace(" ", "").upper()
    if iban_checks(compact):
        tx.counterparty_iban = compact
    else:
        tx.counterparty_account = value


def _sepa_purpose(tx: Transaction, text: str) -> None:
    """German Verwendungszweck, split at the SEPA identifiers (DK Anlage 3, "SEPA-Bezeichner") such as
    ``EREF+``; a "+" not preceded by one of them is text. Plain string operations: this runs per
    transaction."""
    values: dict[str, str] = {}
    lead = ""
    tag = ""
    pieces = text.split("+")
    buf = pieces[0]
    for piece in pieces[1:]:
        found = buf[-4:]
        if found in _SEPA_TAGS:
            body = buf[:-4]
        elif buf[-3:] == "BIC":
            found, body = "BIC", buf[:-3]
        else:
            buf += "+" + piece
            continue
        if tag:
            values.setdefault(tag, body.strip())
        else:
            lead = body.strip()
        tag, buf = found, piece
    if tag:
        values.setdefault(tag, buf.strip())
        _sepa_values(tx, values)
        remittance = values.get("SVWZ") or lead
    else:
        remittance = text
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


def _sepa_values(tx: Transaction, values: dict[str, str]) -> None:
    for tag, value in values.items():
        if not value:
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
        elif tag in _SEPA_EXTRA:
            tx.extra[_SEPA_EXTRA[tag]] = value


def _dutch(tx: Transaction, text: str) -> None:
    tx.extra["information"] = text
    found = list(_DUTCH_CODE.finditer(text))
    values: dict[str, str] = {}
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        value = text[m.end() : end]
        if value.endswith("/"):
            value = value[:-1]
        values.setdefault(m.group(1), value.strip())
    eref = values.get("EREF")
    if eref and eref.upper() not in _NOT_PROVIDED:
        tx.end_to_end_id = eref
    if values.get("NAME"):
        tx.counterparty_name = values["NAME"]
    if values.get("IBAN"):
        _account(tx, values["IBAN"])
    if values.get("BIC"):
        tx.counterparty_bic = values["BIC"]
    cntp = values.get("CNTP")
    if cntp:
        _cntp(tx, cntp)
    if values.get("CSID"):
        tx.creditor_id = values["CSID"]
    if values.get("MARF"):
        tx.mandate_id = values["MARF"]
    if values.get("RTRN"):
        tx.return_reason = values["RTRN"]
    for code, key in (
        ("TRCD", "transaction_code"),
        ("TRTP", "transaction_type_text"),
        ("PURP", "purpose_code"),
        ("PREF", "payment_info_id"),
        ("ISDT", "interest_date"),
    ):
        if values.get(code):
            tx.extra[key] = values[code]
    remi = values.get("REMI")
    if remi is not None:
        _remittance(tx, remi)


def _cntp(tx: Transaction, value: str) -> None:
    """ING ``/CNTP/account/BIC/name/city/``."""
    parts = value.split("/")
    account = parts[0].strip() if parts else ""
    if account and tx.counterparty_iban is None and tx.counterparty_account is None:
        _account(tx, account)
    if len(parts) > 1 and parts[1].strip() and tx.counterparty_bic is None:
        tx.counterparty_bic = parts[1].strip()
    if len(parts) > 2 and parts[2].strip() and tx.counterparty_name is None:
        tx.counterparty_name = parts[2].strip()


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
    # Cheap shape tests first: this runs for every transaction.
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
