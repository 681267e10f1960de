"""Invoices and customers from CSV exports of the ERP.

invoices.csv:
    ``invoice_id,customer_id,customer_name,currency,amount,open_amount,issue_date,due_date,reference``
customers.csv: ``customer_id,name,iban`` — one row per known account, so a customer may have several rows.

Amounts are written with ``.`` as the decimal separator and are read exactly; dates are ``YYYY-MM-DD``.
Every bad row raises ``InputError`` naming the file, the line and the column. No matching logic here: this
is the boundary a later ERP connector replaces.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from gateway.errors import InputError
from gateway.model.invoice import Customer, Invoice

INVOICE_COLUMNS = (
    "invoice_id",
    "customer_id",
    "customer_name",
    "currency",
    "amount",
    "open_amount",
    "issue_date",
    "due_date",
    "reference",
)
CUSTOMER_COLUMNS = ("customer_id", "name", "iban")

_DECIMAL = re.compile(r"-?\d+(\.\d+)?").fullmatch
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch
_CURRENCY = re.compile(r"[A-Z]{3}").fullmatch


class _Rows:
    """A streaming csv walk that yields each row's values in ``columns`` order with its line number."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.path = path
        self.file = str(path)
        self.columns = columns

    @contextmanager
    def reader(self) -> Iterator[tuple[Any, list[int] | None, int]]:
        """The csv reader past a checked header, the positions of ``columns`` in a row (None: the header
        has them in that order) and the header's width. CSV errors in the rows read meanwhile name the line
        (``reader.line_num``: the line a row ends on, also what bad values are reported at)."""
        try:
            handle = self.path.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise InputError(f"cannot open: {exc.strerror}", file=self.file) from exc
        with handle:
            reader = csv.reader(handle)
            try:
                header = next(reader, None)
                if header is None:
                    raise InputError(
                        "the file is empty; expected a header " + ",".join(self.columns),
                        file=self.file,
                        where="line 1",
                    )
                header = [h.strip() for h in header]
                missing = [c for c in self.columns if c not in header]
                if missing:
                    raise InputError(
                        f"missing header column {missing[0]!r}; expected {','.join(self.columns)}",
                        file=self.file,
                        where="line 1",
                    )
                positions = [header.index(c) for c in self.columns]
                in_order = positions == list(range(len(self.columns)))
                yield reader, None if in_order else positions, len(header)
            except csv.Error as exc:
                raise InputError(
                    f"not valid CSV: {exc}", file=self.file, where=f"line {reader.line_num}"
                ) from exc

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        with self.reader() as (reader, positions, width):
            for row in reader:
                if len(row) != width:
                    self.check_width(reader, row, width)
                    continue
                values = row if positions is None else [row[i] for i in positions]
                yield reader.line_num, list(map(str.strip, values))

    def check_width(self, reader: Any, row: list[str], width: int) -> None:
        """A row of another width than the header: blank ones are skipped, any other is an error."""
        if not row or all(not cell.strip() for cell in row):
            return
        raise InputError(
            f"{len(row)} fields where the header has {width}",
            file=self.file,
            where=f"line {reader.line_num}",
        )

    def error(self, line: int, column: str, message: str) -> InputError:
        return InputError(message, file=self.file, where=f"line {line}, column {column}")


def _decimal(rows: _Rows, line: int, text: str, column: str) -> Decimal:
    if not text:
        raise rows.error(line, column, f"{column} is empty")
    if not _DECIMAL(text):
        raise rows.error(line, column, f"not a decimal amount with '.' as separator: {text!r}")
    return Decimal(text)


def read_invoices(path: str | Path) -> Iterator[Invoice]:
    """Stream the invoices of an invoices.csv; equal dates, names and amounts share one object (1M rows).
    What was checked once (a currency, an amount's text, a date's text) is not checked again. The rows
    are read straight from the csv reader: the line number is only looked up for an error."""
    rows = _Rows(Path(path), INVOICE_COLUMNS)
    seen: set[str] = set()
    dates: dict[str, date] = {}
    shared: dict[str, str] = {}
    currencies: dict[str, str] = {}
    amounts: dict[str, Decimal] = {}
    strip = str.strip
    with rows.reader() as (reader, positions, width):
        for row in reader:
            if len(row) != width:
                rows.check_width(reader, row, width)
                continue
            if positions is not None:
                row = [row[i] for i in positions]
            invoice_id, customer_id, name, currency, amount_text, open_text, issued, due, ref = map(strip, row)
            if not invoice_id:
                raise rows.error(reader.line_num, "invoice_id", "invoice_id is empty")
            size = len(seen)
            seen.add(invoice_id)
            if len(seen) == size:
                raise rows.error(reader.line_num, "invoice_id", f"duplicate invoice_id {invoice_id!r}")
            if not customer_id:
                raise rows.error(reader.line_num, "customer_id", "customer_id is empty")
            code = currencies.get(currency)
            if code is None:
                if not _CURRENCY(currency):
                    raise rows.error(
                        reader.line_num,
                        "currency",
                        f"not an ISO 4217 currency code (3 capital letters): {currency!r}",
                    )
                code = currencies[currency] = currency
            amount = amounts.get(amount_text)
            if amount is None:
                amount = amounts[amount_text] = (
                    Decimal(amount_text)
                    if _DECIMAL(amount_text)
                    else _decimal(rows, reader.line_num, amount_text, "amount")
                )
                if len(amounts) > 100_000:  # only repeating amounts are worth sharing
                    amounts.clear()
            if open_text == amount_text:
                open_amount = amount
            else:
                line = reader.line_num
                open_amount = _decimal(rows, line, open_text, "open_amount")
                if open_amount != amount:
                    if abs(open_amount) > abs(amount):
                        raise rows.error(
                            line, "open_amount", f"open amount {open_amount} is larger than the amount {amount}"
                        )
                    if open_amount and (open_amount < 0) != (amount < 0):
                        raise rows.error(
                            line, "open_amount", f"open amount {open_amount} has the other sign than {amount}"
                        )
            issue_date = dates.get(issued) or _date(rows, reader.line_num, issued, "issue_date", dates)
            due_date = dates.get(due) or _date(rows, reader.line_num, due, "due_date", dates)
            customer = shared.get(customer_id)
            if customer is None:
                customer = shared[customer_id] = customer_id
            customer_name = shared.get(name)
            if customer_name is None:
                customer_name = shared[name] = name
            yield Invoice(
                invoice_id,
                customer,
                customer_name,
                code,
                amount,
                open_amount,
                issue_date,
                due_date,
                ref or None,
            )


def _date(rows: _Rows, line: int, text: str, column: str, cache: dict[str, date]) -> date:
    if not text:
        raise rows.error(line, column, f"{column} is empty")
    if not _DATE(text):
        raise rows.error(line, column, f"not a date YYYY-MM-DD: {text!r}")
    try:
        value = date.fromisoformat(text)
    except ValueError as exc:
        raise rows.error(line, column, f"not a date: {text!r} ({exc})") from None
    cache[text] = value
    return value


def read_customers(path: str | Path) -> list[Customer]:
    """Customers with all their accounts, in the order they first appear."""
    rows = _Rows(Path(path), CUSTOMER_COLUMNS)
    names: dict[str, str] = {}
    ibans: dict[str, list[str]] = {}
    for line, (customer_id, name, account) in rows:
        if not customer_id:
            raise rows.error(line, "customer_id", "customer_id is empty")
        if customer_id not in names or (name and not names[customer_id]):
            names[customer_id] = name
        accounts = ibans.setdefault(customer_id, [])
        if account:
            try:
                iban = IBAN(account).compact
            except SchwiftyException as exc:
                raise rows.error(line, "iban", f"invalid IBAN {account!r}: {exc}") from None
            if iban not in accounts:
                accounts.append(iban)
    return [Customer(cid, names[cid], tuple(ibans[cid])) for cid in names]
