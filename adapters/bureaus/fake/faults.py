"""Fault injection for the fake bureau.

A fault spec is a comma-separated list of terms, each ``name[=arg][xN]`` (``xN``: only the first N matching
requests, then behave):

    slow=2.0        answer after 2 seconds
    429[=S]         429 with ``Retry-After: S`` (default 1); ``429=none`` without it; ``429=date`` as an HTTP date
    500, 502, 503   server errors (with the bureau's error body)
    401             as if the token had expired
    truncated       the JSON body cut in half
    malformed       valid JSON of the wrong shape (a field of the wrong type)
    202[=N]         report ordered: 202 + Location; polling answers 202 N more times (default 1), then the report

Faults come from the ``X-Fake-Fault`` request header, from a company's ``fault`` in ``companies.toml``, or from
rules set with ``POST /__fake/faults``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TERM = re.compile(r"^(?P<name>[a-z]+|\d{3})(?:=(?P<arg>[a-z0-9.:]+?))?(?:x(?P<times>\d+))?$")
KNOWN = {"slow", "429", "500", "502", "503", "401", "truncated", "malformed", "202"}


@dataclass(frozen=True)
class Fault:
    name: str
    arg: str | None = None
    times: int | None = None
    text: str = ""


def parse_faults(spec: str | None) -> list[Fault]:
    if not spec:
        return []
    out = []
    for term in (t.strip().lower() for t in spec.split(",")):
        if not term:
            continue
        m = _TERM.match(term)
        if not m or m.group("name") not in KNOWN:
            raise ValueError(f"unknown fault {term!r} (known: {', '.join(sorted(KNOWN))})")
        times = int(m.group("times")) if m.group("times") else None
        out.append(Fault(m.group("name"), m.group("arg"), times, term))
    return out


@dataclass
class FaultRule:
    """A fault set with ``POST /__fake/faults``: for a bureau (or ``*``), an endpoint kind (or ``*``), a company."""

    bureau: str
    endpoint: str
    company: str | None
    faults: list[Fault]

    def applies(self, bureau: str, endpoint: str, company: str | None) -> bool:
        return (
            self.bureau in ("*", bureau)
            and self.endpoint in ("*", endpoint)
            and (self.company is None or self.company == company)
        )
