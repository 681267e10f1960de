"""Matching incoming payments to open invoices: a pure core over the normalized model.

``reconcile(transactions, invoices, customers, config)`` returns one ``Decision`` per transaction.
No file formats, no database: callers read statements and invoices and pass them in.
"""

from gateway.matching.config import MatchingConfig
from gateway.matching.decision import Allocation, Decision, Status, Suggestion
from gateway.matching.engine import reconcile
from gateway.matching.ledger import Ledger

__all__ = ["Allocation", "Decision", "Ledger", "MatchingConfig", "Status", "Suggestion", "reconcile"]
