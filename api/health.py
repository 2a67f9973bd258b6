"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import EngineDep
from domain.db import READ_ONLY
from domain.migrations import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated to head")
def readyz(engine: EngineDep) -> JSONResponse:
    try:
        # Only reads: on SQLite it must not queue for the write lock behind busy writers.
        with engine.connect().execution_options(**READ_ONLY) as connection:
            connection.execute(text("SELECT 1"))
        current = current_revision(engine)
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    head = head_revision()
    ready = current == head
    body = {
        "status": "ok" if ready else "unavailable",
        "database": "reachable",
        "migrations": "at head"
        if ready
        else f"not at head (database {current}, code {head}): run `peer-support migrate`",
        "revision": current,
    }
    return JSONResponse(body, status_code=200 if ready else 503)
