"""Rule violations of the ledger, as the one error type callers catch."""

from __future__ import annotations

from gateway.errors import GatewayError


class LedgerError(GatewayError):
    """A ledger rule would be broken (over-allocation, unknown invoice, missing approval, ...)."""


class NotFound(LedgerError):
    """The payment, invoice, allocation or customer named does not exist."""


class ApprovalRequired(LedgerError):
    """A write-off above the configured limit without a manager's approval."""
