"""Request dependencies: `SessionDep` commits at the request edge, services only flush."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from domain.db import unit_of_work


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    """One unit of work per request: commit when the handler succeeds, roll back otherwise."""
    with unit_of_work(engine) as session:
        yield session


def unit_of_work_apart(request: Request) -> AbstractContextManager[Session]:
    """A unit of work of its own, committed although the request's rolls back: for what must be
    kept when a request fails (an audited refusal). Where requests run inside a test's
    transaction, the app's `state.unit_of_work_apart` stands in for it."""
    stand_in = getattr(request.app.state, "unit_of_work_apart", None)
    return stand_in() if stand_in is not None else unit_of_work(get_engine(request))


EngineDep = Annotated[Engine, Depends(get_engine)]
# scope="function": commit before the response leaves, so the page a redirect leads to (or the
# next request of the same person) sees what was just written.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str | None:
    """The caller's address: the connection's own, or the one a trusted proxy named
    (FORWARDED_ALLOW_IPS). Anything that is not an IP address (a proxy passing on whatever the
    client wrote) is no address at all, never a throttle key or an audit entry."""
    host = request.client.host if request.client else None
    try:
        return str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        return None
