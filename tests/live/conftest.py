"""Live-server fixtures: one uvicorn process per test run on a database of its own (see
tests/live/server.py). Tests make their own rows, so they do not depend on each other's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.databases import sibling_database_url
from tests.live.server import LiveServer, running_server


@pytest.fixture(scope="session")
def live_server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Shared by the tests that leave the server and its database as they found them."""
    with running_server(
        sibling_database_url(database_url, "live"), tmp_path_factory.mktemp("live")
    ) as server:
        yield server
