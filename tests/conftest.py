"""Fixtures: the schema is built by the migrations once per run; each test runs inside a
transaction that is rolled back, so tests never see each other's rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from api.app import create_app
from api.deps import get_session
from domain.db import make_engine
from domain.migrations import upgrade_to_head
from domain.settings import Settings
from tests.databases import RUNNING_IN_CI, fresh_database, is_postgresql, test_database_url


@pytest.fixture(scope="session")
def database_url() -> str:
    return test_database_url()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    try:
        fresh_database(database_url)
    except OperationalError as error:
        if RUNNING_IN_CI or not is_postgresql(database_url):
            raise
        pytest.skip(f"!!! PostgreSQL is not reachable, its tests are SKIPPED: {error.orig}")
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session in a transaction rolled back after the test; services' flushes are visible."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def test_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        database_url=database_url,
        var_dir=tmp_path_factory.mktemp("var"),
    )


@pytest.fixture
def client(db: Session, test_settings: Settings) -> Iterator[TestClient]:
    """The whole app over ASGI; its requests share the test's rolled-back transaction, and so
    do the units of work apart (audited refusals: tests/live checks them committed for real)."""
    app = create_app(test_settings)

    def session_in_test_transaction() -> Iterator[Session]:
        yield db
        db.flush()

    for served in (app, app.state.api_v1):
        served.dependency_overrides[get_session] = session_in_test_transaction
        served.state.unit_of_work_apart = lambda: nullcontext(db)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client
