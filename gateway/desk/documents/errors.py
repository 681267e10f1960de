"""Why a document is not produced: figures that do not add up to the ledger are never printed."""

from __future__ import annotations

from gateway.errors import GatewayError


class DocumentError(GatewayError):
    """A document cannot be produced as asked."""


class DoesNotReconcile(DocumentError):
    """The document's totals differ from the ledger's open amounts: the data, not the request, is wrong."""
