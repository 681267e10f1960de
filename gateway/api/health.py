"""Health endpoints for a load balancer or Kubernetes: alive, and ready (the database answers, schema current)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gateway.storage import current_revisions, head_revisions

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = current_revisions(engine)
    except Exception as exc:  # any driver error means "not ready", never a crash of the probe
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, status_code=503)
    if current != head_revisions():
        return JSONResponse({"status": "unavailable", "reason": "schema out of date"}, status_code=503)
    return JSONResponse({"status": "ok"})
