"""Leaf values of a camt message: element names, amounts, signs, dates, as the ISO 20022 schemas type them.

camt is read namespace-agnostically (banks send no namespace, the wrong version's namespace, or the
right one), so elements are recognised by local name. ``name_of`` caches the local name per qualified
tag: every element of a file repeats a few dozen tags, and splitting ``{namespace}Name`` for each of
them would cost more than the rest of the lookup.
"""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from gateway.errors import InputError

_NAMES: dict[object, str] = {}
_NAMES_LIMIT = 4096  # a hostile file could invent endless tag names; stop caching, keep working


def learn_name(tag: object) -> str:
    """Local name of a qualified tag ("" for comments and other non-elements); cached."""
    if not isinstance(tag, str):
        return ""
    name = sys.intern(tag.rpartition("}")[2])
    if len(_NAMES) < _NAMES_LIMIT:
        _NAMES[tag] = name
    return name


def name_of(tag: object) -> str:
    return _NAMES.get(tag) or learn_name(tag)


NAMES = _NAMES  # hot loops bind this dict locally and fall back to ``learn_name``


def text_of(elem: etree._Element) -> str | None:
    """Stripped text, or None when the element is empty."""
    text = elem.text
    if text is None:
        return None
    text = text.strip()
    return text or None


def child_text(elem: etree._Element, name: str) -> str | None:
    """Text of the first direct child called ``name`` (local name)."""
    names = _NAMES
    for child in elem:
        if (names.get(child.tag) or learn_name(child.tag)) == name:
            return text_of(child)
    return None


def child(elem: etree._Element, name: str) -> etree._Element | None:
    names = _NAMES
    for c in elem:
        if (names.get(c.tag) or learn_name(c.tag)) == name:
            return c
    return None


# ISO 20022 ActiveOrHistoricCurrencyAndAmount: a non-negative decimal; the sign travels in CdtDbtInd.
_AMOUNT = re.compile(r"\s*(?:\d+(?:\.\d*)?|\.\d+)\s*")


def amount_of(elem: etree._Element, where: str, suffix: str = "") -> Decimal:
    """The unsigned amount written in ``elem`` (scale kept); ``where + suffix`` locates it in errors."""
    text = elem.text
    if text is None or _AMOUNT.fullmatch(text) is None:
        where += suffix
        if text is not None and text.strip().startswith("-"):
            raise InputError(
                f"negative amount {text.strip()!r}: camt amounts are unsigned, CdtDbtInd gives the sign",
                where=where,
            )
        raise InputError(f"not an amount: {text!r}" if text else "the amount is empty", where=where)
    return Decimal(text)


def signed(value: Decimal, indicator: str | None, where: str, suffix: str = "") -> Decimal:
    """Apply a CdtDbtInd: CRDT keeps the amount, DBIT negates it."""
    if indicator == "CRDT":
        return value
    if indicator == "DBIT":
        return -value
    where += suffix
    if indicator is not None:
        indicator = indicator.strip()
        if indicator == "CRDT":
            return value
        if indicator == "DBIT":
            return -value
    if indicator is None or indicator == "":
        raise InputError("the credit/debit indicator (CdtDbtInd) is missing", where=where)
    raise InputError(f"credit/debit indicator must be CRDT or DBIT, not {indicator!r}", where=where)


# ISODate may carry a time zone ("2019-05-21+02:00"); the date as written is the booking date.
_DATE_WITH_ZONE = re.compile(r"\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{2}:\d{2})")


# A statement repeats a handful of dates thousands of times: one date object per distinct text saves
# both the parsing and the memory of a gathered statement. Bounded, since the file decides the keys.
_DATES: dict[str, date] = {}
_CACHE_LIMIT = 4096


def date_of(elem: etree._Element, where: str, suffix: str = "") -> date:
    """An ISODate (``Dt``) or the date part of an ISODateTime (``DtTm``), as written (no zone shift)."""
    text = elem.text or ""
    found = _DATES.get(text)
    if found is not None:
        return found
    found = _parse_date(text)
    if found is None:
        text = text.strip()
        raise InputError(f"not a date: {text!r}" if text else "the date is empty", where=where + suffix)
    if len(_DATES) < _CACHE_LIMIT:
        _DATES[text] = found
    return found


def _parse_date(text: str) -> date | None:
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        text = text.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        if "T" in text:
            return datetime.fromisoformat(text).date()
        if _DATE_WITH_ZONE.fullmatch(text):
            return date.fromisoformat(text[:10])
    except ValueError:
        pass
    return None


def datetime_of(elem: etree._Element, where: str) -> datetime:
    """An ISODateTime; a bare date is read as its midnight."""
    text = (elem.text or "").strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        message = f"not a date-time: {text!r}" if text else "the date-time is empty"
        raise InputError(message, where=where) from None


def currency_of(amount: etree._Element) -> str | None:
    """The Ccy attribute, shared: every transaction of a file carries the same few currency codes."""
    ccy = amount.get("Ccy")
    return sys.intern(ccy) if ccy is not None and len(ccy) <= 3 else ccy


def date_choice(elem: etree._Element, where: str, suffix: str = "") -> date | None:
    """A DateAndDateTimeChoice (``BookgDt``, ``ValDt``, ``Bal/Dt``): ``Dt`` or ``DtTm`` inside."""
    names = _NAMES
    for c in elem:
        name = names.get(c.tag) or learn_name(c.tag)
        if name == "Dt" or name == "DtTm":
            return date_of(c, where, f"{suffix}/{name}")
    return None
