"""Every table module, imported once, so that ``metadata`` is the whole schema (Alembic's target and the
"migrations match the models" test). A new table module adds one import line here."""

from __future__ import annotations

from gateway.storage import tables  # noqa: F401  (statements, bank transactions, imports)
from gateway.storage.tables import Base

metadata = Base.metadata
