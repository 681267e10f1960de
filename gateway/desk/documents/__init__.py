"""The documents a collection needs: the statement of account of a customer (open items, ageing, payments
received) and the payment-history file (every invoice, payment, bank statement, reminder and promise), as HTML,
PDF and CSV. Each carries a document id, the start of the SHA-256 of its CSV, to match a printout to its data.

    statement.py   assembling the statement of account from the ledger
    history.py     assembling the payment-history file, checked against the ledger's open amounts
    book.py        a customer's invoices, money movements, payments and the bank statements behind them
    customer.py    the addressee
    config.py      our letterhead (config/documents.toml)
    render.py      HTML (Jinja2) and PDF (WeasyPrint, fetching nothing)
    csv_out.py     the CSV and the document id
"""

from gateway.desk.documents.config import Letterhead, load_letterhead
from gateway.desk.documents.errors import DocumentError, DoesNotReconcile
from gateway.desk.documents.history import PaymentHistory, payment_history
from gateway.desk.documents.render import render_csv, render_html, render_pdf
from gateway.desk.documents.statement import StatementOfAccount, statement_of_account

__all__ = [
    "DocumentError",
    "DoesNotReconcile",
    "Letterhead",
    "PaymentHistory",
    "StatementOfAccount",
    "load_letterhead",
    "payment_history",
    "render_csv",
    "render_html",
    "render_pdf",
    "statement_of_account",
]
