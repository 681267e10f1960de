"""The documents as HTML (Jinja2, autoescaped) and PDF (WeasyPrint), and the CSV dispatcher.

The PDF renderer is given a URL fetcher that refuses every URL: the templates carry their stylesheet inline and
use installed fonts, and nothing a customer name or note could smuggle in makes the server fetch anything. The
PDF also carries its CSV as an embedded file, so the figures travel with the printout.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML, Attachment, URLFetcher

from gateway.desk.documents import csv_out
from gateway.desk.documents.history import PaymentHistory
from gateway.desk.documents.statement import StatementOfAccount

TEMPLATES = Path(__file__).parent / "templates"

Document = StatementOfAccount | PaymentHistory


_CENT = Decimal("0.01")


def money(value: Decimal | None) -> str:
    """Thousands separated, at least two decimals and every further one the ledger holds:
    ``Decimal('2380.00')`` -> ``2,380.00``, ``Decimal(0)`` -> ``0.00``, ``Decimal('1.125')`` -> ``1.125``."""
    if value is None:
        return ""
    if value == value.quantize(_CENT):
        value = value.quantize(_CENT)
    return format(value, ",f")


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def moment(value: datetime) -> str:
    zone = value.tzname() or "UTC"  # SQLite hands back naive UTC
    return f"{value:%Y-%m-%d %H:%M} {zone}"


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(money=money, day=day, moment=moment)


class RefuseAll(URLFetcher):
    """A WeasyPrint fetcher that loads nothing: every URL asked for is noted and refused."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.refused.append(url)
        raise ValueError(f"documents load nothing from outside, {url!r} refused")


def _template(doc: Document) -> str:
    if isinstance(doc, StatementOfAccount):
        return "statement.html"
    if isinstance(doc, PaymentHistory):
        return "history.html"
    raise TypeError(f"not a document: {type(doc).__name__}")


def render_html(doc: Document) -> str:
    return _env.get_template(_template(doc)).render(doc=doc)


def render_csv(doc: Document) -> str:
    if isinstance(doc, StatementOfAccount):
        return csv_out.statement_csv(doc)
    if isinstance(doc, PaymentHistory):
        return csv_out.history_csv(doc)
    raise TypeError(f"not a document: {type(doc).__name__}")


def csv_name(doc: Document) -> str:
    kind = "statement" if isinstance(doc, StatementOfAccount) else "history"
    return f"{kind}-{doc.customer.customer_id}-{doc.as_of}.csv"


def render_pdf(doc: Document, *, fetcher: URLFetcher | None = None) -> bytes:
    """The document as an A4 PDF with its CSV embedded."""
    attachment = Attachment(
        string=render_csv(doc).encode("utf-8"),
        name=csv_name(doc),
        description=f"The figures of document {doc.document_id} (CSV)",
        url_fetcher=fetcher or RefuseAll(),
    )
    html = HTML(string=render_html(doc), base_url=None, url_fetcher=fetcher or RefuseAll())
    pdf = html.write_pdf(attachments=[attachment])
    assert pdf is not None
    return pdf


__all__ = ["RefuseAll", "csv_name", "money", "render_csv", "render_html", "render_pdf"]
