"""Storage: SQLAlchemy 2 models, the exact-decimal column type, Alembic migrations, repositories."""

from gateway.storage.engine import make_engine, session_factory
from gateway.storage.migrate import SchemaOutOfDate, current_revisions, ensure_schema, head_revisions, upgrade

__all__ = [
    "SchemaOutOfDate",
    "current_revisions",
    "ensure_schema",
    "head_revisions",
    "make_engine",
    "session_factory",
    "upgrade",
]
