"""The server purges expired rows itself, so no cron is needed: a background task started with
the app runs `purge_expired` a minute after start and then once per interval (an hour by
default), each run in its own unit
of work. Several app instances may each run it: the purge deletes by expiry timestamps, so a
second run finds nothing left. A failed run (the database away, a lock) is logged and tried
again at the next interval; it never stops the loop or the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from domain.columns import utcnow
from domain.db import unit_of_work
from domain.maintenance.purge import purge_expired

logger = logging.getLogger("peer_support.maintenance")


def purge_once(engine: Engine) -> dict[str, int]:
    with unit_of_work(engine) as session:
        return purge_expired(session, utcnow())


# The first run comes soon after start, so a server restarted more often than the interval
# (deploys, crashes) still purges; later runs come once per interval.
FIRST_RUN_AFTER_SECONDS = 60


async def purge_periodically(engine: Engine, interval_seconds: float) -> None:
    wait = min(interval_seconds, FIRST_RUN_AFTER_SECONDS)
    while True:
        await asyncio.sleep(wait)
        wait = interval_seconds
        try:
            counts = await asyncio.to_thread(purge_once, engine)
        except Exception:
            logger.exception("Purging expired rows failed; next try in %s s", interval_seconds)
        else:
            if any(counts.values()):
                logger.info("Purged expired rows: %s", counts)


def purge_lifespan(
    interval_seconds: float,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """An app lifespan that runs the purge every `interval_seconds` (0: never)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not interval_seconds:
            yield
            return
        task = asyncio.create_task(purge_periodically(app.state.engine, interval_seconds))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
