"""Schemathesis generates requests from /api/v1/openapi.json and checks every answer: never a
server error, statuses and content types the spec documents, bodies matching their schemas,
invalid data refused, and authentication never ignored."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from api.app import create_app
from api.deps import get_session
from domain.codes import Role
from domain.settings import Settings
from tests.api.conftest import bearer
from tests.factories import make_supporter, make_user

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))


# Schemathesis reads the spec when the module loads, so the app is made here; each test then
# points the app's database sessions at its own rolled-back transaction.
APP = create_app(
    Settings(
        _env_file=None,
        environment="test",
        database_url="sqlite:///:memory:",
        var_dir=Path(tempfile.mkdtemp(prefix="peer-support-schemathesis-")),
    )
)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
# Schemathesis asks for the token while it collects the tests, before any database exists for
# them, so the token names a fixed user id that each test then creates.
EVERYONE_USER_ID = 900_001
EVERYONE_TOKEN = bearer(APP.state.token_issuer, f"user:{EVERYONE_USER_ID}")["Authorization"]


@schema.auth()
class EveryoneToken:
    """Schemathesis applies the token itself, so its negative cases may still leave it out."""

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:  # noqa: ARG002
        return EVERYONE_TOKEN

    def set(
        self,
        case: schemathesis.Case,
        data: str,
        context: schemathesis.AuthContext,  # noqa: ARG002
    ) -> None:
        case.headers["Authorization"] = data


@pytest.fixture
def everyone(db: Session) -> Iterator[None]:
    """A person holding every role, with a supporter profile, so most requests get past
    permissions and reach validation and the rules."""

    def session_in_test_transaction() -> Iterator[Session]:
        yield db
        db.flush()

    for served in (APP, APP.state.api_v1):
        served.dependency_overrides[get_session] = session_in_test_transaction
        served.state.unit_of_work_apart = lambda: nullcontext(db)
    user = make_user(db, roles=tuple(Role), id=EVERYONE_USER_ID)
    make_supporter(db, user=user)
    yield
    for served in (APP, APP.state.api_v1):
        served.dependency_overrides.clear()
        served.state.unit_of_work_apart = None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_its_documented_contract(case: schemathesis.Case, everyone: None) -> None:
    case.call_and_validate(checks=CHECKS)
