"""The money side of a generated statement, decided before any text is written.

A plan is replayable: the same seed yields the same entries, so a generator can walk it once to learn
the closing balance (which camt and MT940 write before or between the entries) and again to write the
entries, without holding 200,000 amounts in memory. Amounts are integer cents until rendered.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path


def cents_text(cents: int, sep: str = ".") -> str:
    """Unsigned decimal text of ``abs(cents)`` with two decimals (``1234`` -> ``12.34``)."""
    whole, frac = divmod(abs(cents), 100)
    return f"{whole}{sep}{frac:02d}"


def signed_text(cents: int) -> str:
    return ("-" if cents < 0 else "") + cents_text(cents)


def _amount(rng: random.Random) -> int:
    # Log-uniform between 1.00 and 20,000.00: many small card payments, a tail of large transfers.
    return max(1, int(math.exp(rng.uniform(math.log(100), math.log(2_000_000)))))


def entries(seed: int, transactions: int, batch_share: float = 0.0) -> Iterator[list[int]]:
    """Signed cents per transaction, grouped by bank entry; ``transactions`` details in total.

    A batch entry (share ``batch_share``) carries 2-12 details of the same direction, like a direct-debit
    collection credited as one amount; its entry amount is the sum of its details.
    """
    rng = random.Random(seed)
    left = transactions
    while left > 0:
        credit = rng.random() < 0.5
        size = 1
        if batch_share and rng.random() < batch_share:
            size = min(left, rng.randint(2, 12))
        left -= size
        sign = 1 if credit else -1
        yield [sign * _amount(rng) for _ in range(size)]


@dataclass(slots=True)
class Truth:
    """What a correct parser must find in a generated file (written next to it as ``<file>.json``)."""

    format: str
    transactions: int
    entries: int
    statements: int
    total: str  # sum of all transaction amounts, signed
    opening: str  # first statement's opening balance (OFX: none, empty string)
    closing: str  # last statement's closing balance
    seed: int
    generator_version: int

    @property
    def total_decimal(self) -> Decimal:
        return Decimal(self.total)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Truth:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def summarize(seed: int, transactions: int, batch_share: float = 0.0) -> tuple[int, int]:
    """(number of entries, signed total in cents) of a plan, without keeping it."""
    count = total = 0
    for details in entries(seed, transactions, batch_share):
        count += 1
        total += sum(details)
    return count, total
