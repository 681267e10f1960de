"""Small helpers the statement writers share."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from bench.match.names import ascii_fold

# SWIFT "x" character set (MT940); "?" separates German :86: sub-fields, so it never appears in text.
_SWIFT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")


def swift_text(text: str) -> str:
    plain = ascii_fold(text.replace("&", "+").replace("°", "."))
    return "".join(ch if ch in _SWIFT and ch != "?" else " " for ch in plain)


def amount_text(amount: Decimal, sep: str = ".") -> str:
    return f"{abs(amount):.2f}".replace(".", sep)


def wrap(text: str, first: int, width: int) -> Iterator[str]:
    """Cut ``text`` into lines (the first ``first`` long, then ``width``); a continuation line never starts
    with ``:`` or ``-`` (it would read as a new field or the message end). A line cut short ends after a
    space or ``/`` where it can, so a reader joins it to the next without inventing a space."""
    size = first
    while len(text) > size:
        cut = size
        if text[cut] in ":-":
            cut = next((j for j in range(size - 1, 1, -1) if text[j - 1] in " /" and text[j] not in ":-"), cut)
        while cut > 1 and text[cut] in ":-":
            cut -= 1
        yield text[:cut]
        text = text[cut:]
        size = width
    yield text
