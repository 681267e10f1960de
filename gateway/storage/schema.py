"""Every table module, imported once, so that ``metadata`` is the whole schema (Alembic's target and the
"migrations match the models" test). A new table module adds one import line here."""

from __future__ import annotations

from gateway.storage import (
    auth_tables,  # noqa: F401  (users and sign-in sessions of the review page)
    credit_tables,  # noqa: F401  (credit profiles, reports, decisions, API keys)
    desk_tables,  # noqa: F401  (follow-up, promises, notes, disputes)
    ledger_tables,  # noqa: F401  (the open items ledger)
    tables,  # noqa: F401  (statements, bank transactions, imports)
)
from gateway.storage.tables import Base

metadata = Base.metadata
