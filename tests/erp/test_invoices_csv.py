"""Reading the ERP's invoices.csv and customers.csv, and the clear errors for bad rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.erp.invoices_csv import read_customers, read_invoices
from gateway.errors import InputError

HEADER = "invoice_id,customer_id,customer_name,currency,amount,open_amount,issue_date,due_date,reference\n"


def write(tmp_path: Path, text: str, name: str = "invoices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_invoices_are_read_exactly(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "INV-1,C-1,ACME B.V.,EUR,1190.00,1190.00,2026-01-05,2026-02-04,RF18539007547034\n"
        + "CN-1,C-1,ACME B.V.,EUR,-50.10,-20.05,2026-01-06,2026-02-05,\n",
    )
    inv, credit = read_invoices(path)
    assert inv.amount == Decimal("1190.00") and str(inv.amount) == "1190.00"
    assert inv.issue_date == date(2026, 1, 5) and inv.reference == "RF18539007547034"
    assert credit.is_credit_note and credit.open_amount == Decimal("-20.05") and credit.reference is None


@pytest.mark.parametrize(
    ("row", "where", "words"),
    [
        ("INV-1,C-1,A,EUR,1.190,00,1190.00,2026-01-05,2026-02-04,", "line 2", "fields"),
        ('INV-1,C-1,A,EUR,"1190,00",1190.00,2026-01-05,2026-02-04,', "line 2, column amount", "decimal"),
        ("INV-1,C-1,A,EUR,100.00,100.00,05.01.2026,2026-02-04,", "line 2, column issue_date", "YYYY-MM-DD"),
        ("INV-1,C-1,A,EUR,100.00,100.00,2026-02-30,2026-02-04,", "line 2, column issue_date", "date"),
        ("INV-1,C-1,A,euro,100.00,100.00,2026-01-05,2026-02-04,", "line 2, column currency", "ISO 4217"),
        ("INV-1,C-1,A,EUR,100.00,100.01,2026-01-05,2026-02-04,", "line 2, column open_amount", "larger"),
        ("INV-1,C-1,A,EUR,100.00,-1.00,2026-01-05,2026-02-04,", "line 2, column open_amount", "sign"),
        (",C-1,A,EUR,100.00,100.00,2026-01-05,2026-02-04,", "line 2, column invoice_id", "empty"),
    ],
)
def test_bad_invoice_rows_name_line_and_column(tmp_path, row, where, words):
    path = write(tmp_path, HEADER + row + "\n")
    with pytest.raises(InputError) as err:
        list(read_invoices(path))
    assert err.value.file == str(path) and err.value.where == where
    assert words in err.value.message


def test_duplicate_invoice_id_is_refused(tmp_path):
    row = "INV-1,C-1,A,EUR,100.00,100.00,2026-01-05,2026-02-04,\n"
    with pytest.raises(InputError, match="line 3, column invoice_id: duplicate invoice_id 'INV-1'"):
        list(read_invoices(write(tmp_path, HEADER + row + row)))


def test_missing_header_column_is_named(tmp_path):
    with pytest.raises(InputError, match="line 1: missing header column 'reference'"):
        list(read_invoices(write(tmp_path, HEADER.replace(",reference", ""))))


def test_customers_gather_their_accounts(tmp_path):
    path = write(
        tmp_path,
        "customer_id,name,iban\nC-1,ACME B.V.,NL91 ABNA 0417 1643 00\n"
        "C-1,ACME B.V.,DE89370400440532013000\nC-2,Acne AB,\n",
        "customers.csv",
    )
    acme, acne = read_customers(path)
    assert acme.ibans == ("NL91ABNA0417164300", "DE89370400440532013000")
    assert acne.name == "Acne AB" and acne.ibans == ()


def test_invalid_iban_is_refused_with_its_place(tmp_path):
    path = write(tmp_path, "customer_id,name,iban\nC-1,ACME,NL91ABNA0417164301\n", "customers.csv")
    with pytest.raises(InputError) as err:
        read_customers(path)
    assert err.value.where == "line 2, column iban" and "invalid IBAN" in err.value.message
