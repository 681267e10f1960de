"""The open items ledger: what customers owe, derived from invoices, allocations and write-offs.

``service`` changes it (one audited unit of work per call, inside the caller's transaction), ``queries``
reads it for the review page, ``exposure`` answers the credit check, ``job`` runs the statement inbox.
"""
