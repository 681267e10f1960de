"""Who a document is addressed to: the customer from the ledger and its contact from the desk."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.ledger.errors import NotFound
from gateway.storage.desk_tables import DeskContact
from gateway.storage.ledger_tables import LedgerCustomer


@dataclass(frozen=True, slots=True)
class CustomerHeader:
    customer_id: str
    name: str
    contact_name: str | None
    email: str | None


def customer_header(session: Session, customer_id: str) -> CustomerHeader:
    customer = session.get(LedgerCustomer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r} in the ledger")
    contact = session.get(DeskContact, customer_id)
    return CustomerHeader(
        customer.customer_id,
        customer.name,
        contact.contact_name if contact else None,
        contact.email if contact else None,
    )
