"""Structured payment references: ISO 11649 (RF) and national creditor references.

Every reference type offers the same verbs as python-stdnum: ``compact``, ``is_valid``, ``format``.
``CreditorReference.parse`` recognises the type from the text; ``CreditorReference.of`` keeps the type
a bank declared (camt ``CdtrRefInf/Tp``) and still checks the digits where the type is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.ch import esr
from stdnum.exceptions import ValidationError

RF = "ISO11649"
BE_OGM = "BE-OGM"
NL_BETALINGSKENMERK = "NL-BETALINGSKENMERK"
CH_QRR = "CH-QRR"
FI_VIITE = "FI-VIITE"
OTHER = "OTHER"

_NL_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)


def _nl_is_valid(digits: str) -> bool:
    """Dutch betalingskenmerk (Currence): 16 digits, first is a weighted mod-11 check over the other 15."""
    if len(digits) != 16 or not digits.isdigit():
        return False
    body = digits[1:][::-1]
    total = sum(int(d) * _NL_WEIGHTS[i % 10] for i, d in enumerate(body))
    check = 11 - total % 11
    check = {10: 1, 11: 0}.get(check, check)
    return check == int(digits[0])


def _fi_is_valid(digits: str) -> bool:
    """Finnish national reference (viitenumero): 4-20 digits, 7-3-1 weighted check digit."""
    if not (4 <= len(digits) <= 20) or not digits.isdigit():
        return False
    weights = (7, 3, 1)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(digits[-2::-1]))
    return (10 - total % 10) % 10 == int(digits[-1])


def _compact(text: str) -> str:
    return re.sub(r"[\s+/\-.]", "", text).upper()


@dataclass(frozen=True, slots=True)
class CreditorReference:
    """A creditor's structured reference as it appeared, with its type and whether its check digits hold."""

    value: str
    type: str
    valid: bool | None  # None: a type whose check we do not know

    @property
    def compact(self) -> str:
        return _compact(self.value)

    @classmethod
    def parse(cls, text: str) -> CreditorReference:
        """Recognise the reference type from the text alone."""
        raw = text.strip()
        c = _compact(raw)
        if c.startswith("RF"):
            return cls(raw, RF, iso11649.is_valid(c))
        if raw.startswith("+++") or raw.startswith("***") or re.fullmatch(r"\d{3}/\d{4}/\d{5}", raw):
            return cls(raw, BE_OGM, ogm_vcs.is_valid(c.replace("*", "")))
        if len(c) == 12 and c.isdigit() and ogm_vcs.is_valid(c):
            # Belgian banks also send the structured communication as 12 bare digits (camt issuer "BBA").
            return cls(raw, BE_OGM, True)
        if len(c) == 16 and c.isdigit() and _nl_is_valid(c):
            return cls(raw, NL_BETALINGSKENMERK, True)
        if len(c) == 27 and c.isdigit():
            return cls(raw, CH_QRR, esr.is_valid(c))
        if c.isdigit() and _fi_is_valid(c):
            return cls(raw, FI_VIITE, True)
        return cls(raw, OTHER, None)

    @classmethod
    def of(cls, text: str, declared_type: str | None) -> CreditorReference:
        """A reference whose type the bank declared (e.g. camt ``SCOR`` + issuer ``ISO``)."""
        found = cls.parse(text)
        if found.type != OTHER or not declared_type:
            return found
        return cls(found.value, declared_type, None)

    def __str__(self) -> str:
        return self.value


def is_valid_rf(text: str) -> bool:
    """True when ``text`` is an ISO 11649 reference with correct check digits."""
    try:
        iso11649.validate(_compact(text))
    except ValidationError:
        return False
    return True
