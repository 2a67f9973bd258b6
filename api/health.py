"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import EngineDep
from domain.db import read_only
from domain.migrations import head_revision, probe_revision

router = APIRouter(tags=["health"])
logger = logging.getLogger("peer_support.health")


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated to head")
def readyz(engine: EngineDep) -> JSONResponse:
    engine = read_only(engine)
    try:
        current = probe_revision(engine)
    except Exception as error:  # whatever went wrong, the answer is "not ready"
        logger.warning("readiness probe: the database cannot be read: %s", error)
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
