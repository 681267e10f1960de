"""A small receivables world built in code: customers, invoices and incoming payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gateway.model.invoice import Customer, Invoice
from gateway.model.references import CreditorReference
from gateway.model.statement import BankTxCode, Transaction

ACME_IBAN = "NL91ABNA0417164300"
ACME_OTHER_IBAN = "DE89370400440532013000"
ACNE_IBAN = "BE68539007547034"
STRANGER_IBAN = "FR1420041010050500013M02606"

CUSTOMERS = [
    Customer("C-ACME", "ACME Trading B.V.", (ACME_IBAN, ACME_OTHER_IBAN)),
    Customer("C-ACNE", "Acne Studios AB", (ACNE_IBAN,)),
    Customer("C-MUELLER", "Müller Maschinenbau GmbH", ()),
]


def invoice(
    invoice_id: str,
    amount: str,
    *,
    customer: str = "C-ACME",
    open_amount: str | None = None,
    currency: str = "EUR",
    issued: date = date(2026, 1, 5),
    due: date = date(2026, 2, 4),
    reference: str | None = None,
) -> Invoice:
    names = {c.customer_id: c.name for c in CUSTOMERS}
    return Invoice(
        invoice_id=invoice_id,
        customer_id=customer,
        customer_name=names.get(customer, customer),
        currency=currency,
        amount=Decimal(amount),
        open_amount=Decimal(open_amount if open_amount is not None else amount),
        issue_date=issued,
        due_date=due,
        reference=reference,
    )


_counter = iter(range(1, 1_000_000))


def payment(
    amount: str,
    *,
    text: str | None = None,
    iban: str | None = ACME_IBAN,
    name: str | None = "ACME Trading BV",
    ref: str | None = None,
    booked: date = date(2026, 1, 20),
    currency: str = "EUR",
    bank_ref: str | None = None,
    code: BankTxCode | None = None,
    e2e: str | None = None,
    mandate: str | None = None,
    reversal: bool = False,
    return_reason: str | None = None,
) -> Transaction:
    n = next(_counter)
    value = Decimal(amount)
    return Transaction(
        amount=value,
        currency=currency,
        entry=n,
        entry_amount=value,
        location=f"line {n}",
        bank_ref=bank_ref or f"B{n:05d}",
        booking_date=booked,
        value_date=booked,
        counterparty_name=name,
        counterparty_iban=iban,
        remittance_text=text,
        structured_reference=CreditorReference.parse(ref) if ref else None,
        bank_tx_code=code,
        end_to_end_id=e2e,
        mandate_id=mandate,
        is_reversal=reversal,
        return_reason=return_reason,
    )
