"""The append-only audit trail: one row per change, with who, what, the evidence and before/after."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from gateway.storage.ledger_tables import LedgerAudit


def now() -> datetime:
    return datetime.now(UTC)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    evidence: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    session.execute(
        insert(LedgerAudit),
        [
            {
                "at": at or now(),
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "evidence": evidence or {},
                "before": before,
                "after": after,
            }
        ],
    )
