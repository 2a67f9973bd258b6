"""Who may call what: one table of (endpoint) x (caller) -> expected status, covering every
operation of /api/v1/openapi.json (a new endpoint without a row fails the suite).

Each cell runs one valid request (objects that exist, a valid body, unique values) as one caller:

- anonymous: no token;
- a user holding one role alone, the supporter with an active, trained profile; a user without
  any role;
- an API client per scope, and one whose token carries no scope at all.

Objects owned by someone (encounters, supporter profiles) are the caller's own when the caller
has them (the supporter), else another supporter's: the table shows who may act at all;
tests/api/test_object_level.py shows that one supporter never reaches another's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.v1.problems import PROBLEM_MEDIA_TYPE
from domain.actors import Actor
from domain.api_clients.models import ApiClientCreate
from domain.api_clients.service import create_api_client
from domain.auth.service import TokenIssuer
from domain.codes import ApiScope, Role
from domain.debriefs.models import DebriefUrgency
from domain.debriefs.service import request_debrief
from domain.encounters.service import log_encounter
from domain.professions.models import Profession
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.api.conftest import Headers, bearer
from tests.factories import (
    encounter_data,
    make_org_unit,
    make_program_session,
    make_resource,
    make_supporter,
    make_user,
    supporter_actor,
)

# The callers, in the order of the table's columns.
USERS = ("anonymous", "admin", "coordinator", "supporter", "resource_editor", "report_viewer",
         "no_role")  # fmt: skip
CLIENTS = ("client:none", *(f"client:{scope.value}" for scope in ApiScope))
CALLERS = (*USERS, *CLIENTS)

# What each mark means.
STATUS_OF_MARK = {
    "+": 200,  # OK
    "*": 201,  # Created
    "0": 204,  # No Content (deleted)
    "-": 401,  # not signed in
    "x": 403,  # the caller lacks the role or scope
    "?": 404,  # outside the caller's reach: never revealed
}

# Columns, users:   anonymous, Admin, Coordinator, Supporter, resource Editor, report Viewer,
#                   a user with No role;
#          clients: a token without scope, then Roster, Sessions, resources (X), rePorts and
#                   Audit scopes, r:read w:write (roster:read, roster:write, sessions:read, ...).
# fmt: off
TABLE: dict[str, str] = {
    #                                                   users           clients
    #                                                   - A C S E V N   - R R S S X X P A
    #                                                                     r w r w r w r r
    "POST /auth/token":                                "+ + + + + + + | + + + + + + + + +",
    "GET /me":                                         "- + + + + + + | + + + + + + + + +",
    "GET /professions":                                "- + + + + + + | + + + + + + + + +",
    "POST /professions":                               "- * * x x x x | x x * x x x x x x",
    "PATCH /professions/{code}":                       "- + + x x x x | x x + x x x x x x",
    "GET /org-units":                                  "- + + + + + + | + + + + + + + + +",
    "POST /org-units":                                 "- * * x x x x | x x * x x x x x x",
    "GET /org-units/{org_unit_id}":                    "- + + + + + + | + + + + + + + + +",
    "PATCH /org-units/{org_unit_id}":                  "- + + x x x x | x x + x x x x x x",
    "GET /users":                                      "- + x x x x x | x x x x x x x x x",
    "POST /users":                                     "- * x x x x x | x x x x x x x x x",
    "GET /users/{user_id}":                            "- + ? ? ? ? ? | ? ? ? ? ? ? ? ? ?",
    "PATCH /users/{user_id}":                          "- + x x x x x | x x x x x x x x x",
    "GET /supporters":                                 "- + + x x x x | x + x x x x x x x",
    "POST /supporters":                                "- * * x x x x | x x * x x x x x x",
    "GET /supporters/{supporter_id}":                  "- + + + ? ? ? | ? + ? ? ? ? ? ? ?",
    "PATCH /supporters/{supporter_id}":                "- + + + ? ? ? | ? x + ? ? ? ? ? ?",
    "POST /api-clients":                               "- * x x x x x | x x x x x x x x x",
    "GET /api-clients":                                "- + x x x x x | x x x x x x x x x",
    "GET /api-clients/{api_client_id}":                "- + x x x x x | x x x x x x x x x",
    "PATCH /api-clients/{api_client_id}":              "- + x x x x x | x x x x x x x x x",
    "DELETE /api-clients/{api_client_id}":             "- + x x x x x | x x x x x x x x x",
    "GET /sessions":                                   "- + + + x x x | x x x + x x x x x",
    "POST /sessions":                                  "- * * x x x x | x x x x * x x x x",
    "GET /sessions/{session_id}":                      "- + + + x x x | x x x + x x x x x",
    "PATCH /sessions/{session_id}":                    "- + + x x x x | x x x x + x x x x",
    "DELETE /sessions/{session_id}":                   "- 0 0 x x x x | x x x x 0 x x x x",
    "PUT /sessions/{session_id}/attendance/{supporter_id}":
                                                       "- + + x x x x | x x x x + x x x x",
    "POST /encounters":                                "- x x * x x x | x x x x x x x x x",
    "GET /encounters":                                 "- x + + x x x | x x x x x x x x x",
    "GET /encounters/{encounter_id}":                  "- x + + x x x | x x x x x x x x x",
    "PATCH /encounters/{encounter_id}":                "- x x + x x x | x x x x x x x x x",
    "DELETE /encounters/{encounter_id}":               "- x x 0 x x x | x x x x x x x x x",
    "GET /resources":                                  "- + + + + + + | + + + + + + + + +",
    "POST /resources":                                 "- x * x * x x | x x x x x x * x x",
    "GET /resources/{resource_id}":                    "- + + + + + + | + + + + + + + + +",
    "PATCH /resources/{resource_id}":                  "- x + x + x x | x x x x x x + x x",
    "DELETE /resources/{resource_id}":                 "- x 0 x 0 x x | x x x x x x 0 x x",
    "GET /directory":                                  "+ + + + + + + | + + + + + + + + +",
    "GET /directory/hsds":                             "+ + + + + + + | + + + + + + + + +",
    "GET /debrief-requests":                           "- x + x x x x | x x x x x x x x x",
    "PATCH /debrief-requests/{request_id}":            "- x + x x x x | x x x x x x x x x",
    "GET /reports/encounters":                         "- x + x x + x | x x x x x x x + x",
    "GET /audit-events":                               "- + x x x x x | x x x x x x x x +",
    "GET /settings":                                   "- + + x x x x | x x x x x x x x x",
    "PATCH /settings":                                 "- + + x x x x | x x x x x x x x x",
}
# fmt: on


def expected_statuses(marks: str) -> dict[str, int]:
    cells = marks.replace("|", " ").split()
    assert len(cells) == len(CALLERS), marks
    return {caller: STATUS_OF_MARK[cell] for caller, cell in zip(CALLERS, cells, strict=True)}


CASES = [
    pytest.param(operation, caller, status, id=f"{operation} as {caller}")
    for operation, marks in TABLE.items()
    for caller, status in expected_statuses(marks).items()
]


# Building a valid request for each operation


@dataclass
class Request:
    path: str
    json: Any = None
    params: dict[str, str] | None = None
    form: dict[str, str] | None = None


@dataclass
class World:
    """The database, and the caller's own supporter profile if they have one."""

    db: Session
    own_supporter: Supporter | None = None
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self.numbers)}"

    def supporter(self) -> Supporter:
        """The caller's own profile, else another supporter's."""
        return self.own_supporter or make_supporter(self.db)

    def encounter_id(self) -> int:
        """An encounter of the caller's own, else another supporter's, logged just now."""
        supporter = self.supporter()
        actor = supporter_actor(self.db, supporter)
        logged = log_encounter(session=self.db, actor=actor, data=encounter_data())
        assert logged.encounter.id is not None
        return logged.encounter.id

    def debrief_request_id(self) -> int:
        """An open request of another supporter."""
        supporter = make_supporter(self.db)
        actor = supporter_actor(self.db, supporter)
        request = request_debrief(session=self.db, actor=actor, urgency=DebriefUrgency.today)
        assert request.id is not None
        return request.id

    def api_client_id(self) -> int:
        client, _ = create_api_client(
            session=self.db,
            actor=Actor.operator("test"),
            data=ApiClientCreate(name=self.unique("table client "), scopes=[ApiScope.roster_read]),
        )
        assert client.id is not None
        return client.id

    def profession_code(self) -> str:
        profession = Profession(code=self.unique("table_profession_"), name="Table profession")
        self.db.add(profession)
        self.db.flush()
        return profession.code


def token_request(world: World) -> Request:
    client, secret = create_api_client(
        session=world.db,
        actor=Actor.operator("test"),
        data=ApiClientCreate(name=world.unique("token client "), scopes=[ApiScope.reports_read]),
    )
    form = {"grant_type": "client_credentials", "client_id": client.client_id}
    return Request("/auth/token", form=form | {"client_secret": secret})


def new_user_body(world: World) -> dict[str, Any]:
    email = world.unique("table.user") + "@hospital.example.org"
    return {"email": email, "display_name": "Table user", "roles": ["supporter"]}


def new_supporter_body(world: World) -> dict[str, Any]:
    return {"user_id": make_user(world.db).id, "profession_code": "pharmacist"}


def new_session_body(_world: World) -> dict[str, Any]:
    return {"kind": "monthly_session", "starts_at": "2026-09-01T17:00:00Z", "topic": "Listening"}


def attendance_request(world: World) -> Request:
    session_id = make_program_session(world.db).id
    supporter_id = make_supporter(world.db).id
    return Request(f"/sessions/{session_id}/attendance/{supporter_id}", {"status": "attended"})


def new_resource_body(world: World) -> dict[str, Any]:
    return {"title": world.unique("Table resource "), "category": "wellness"}


def report_params() -> dict[str, str]:
    this_month = date.today().replace(day=1)
    first = (this_month - timedelta(days=1)).replace(day=1)
    return {"from": first.strftime("%Y-%m"), "to": this_month.strftime("%Y-%m"),
            "dimension": "setting"}  # fmt: skip


def fixed(path: str, json: Any = None) -> Callable[[World], Request]:
    """A request that needs no object made first."""
    return lambda _: Request(path, json)


REQUESTS: dict[str, Callable[[World], Request]] = {
    "POST /auth/token": token_request,
    "GET /me": fixed("/me"),
    "GET /professions": fixed("/professions"),
    "POST /professions": lambda w: Request(
        "/professions", {"code": w.unique("table_new_"), "name": "New profession"}
    ),
    "PATCH /professions/{code}": lambda w: Request(
        f"/professions/{w.profession_code()}", {"name": "Renamed profession"}
    ),
    "GET /org-units": fixed("/org-units"),
    "POST /org-units": fixed("/org-units", {"name": "Surgery", "kind": "department"}),
    "GET /org-units/{org_unit_id}": lambda w: Request(f"/org-units/{make_org_unit(w.db).id}"),
    "PATCH /org-units/{org_unit_id}": lambda w: Request(
        f"/org-units/{make_org_unit(w.db).id}", {"name": "Renamed department"}
    ),
    "GET /users": fixed("/users"),
    "POST /users": lambda w: Request("/users", new_user_body(w)),
    # Another user: everybody reads themselves, only admins read others.
    "GET /users/{user_id}": lambda w: Request(f"/users/{make_user(w.db).id}"),
    "PATCH /users/{user_id}": lambda w: Request(
        f"/users/{make_user(w.db).id}", {"display_name": "Renamed person"}
    ),
    "GET /supporters": fixed("/supporters"),
    "POST /supporters": lambda w: Request("/supporters", new_supporter_body(w)),
    "GET /supporters/{supporter_id}": lambda w: Request(f"/supporters/{w.supporter().id}"),
    "PATCH /supporters/{supporter_id}": lambda w: Request(
        f"/supporters/{w.supporter().id}", {"available": False}
    ),
    "POST /api-clients": lambda w: Request(
        "/api-clients", {"name": w.unique("New client "), "scopes": ["reports:read"]}
    ),
    "GET /api-clients": fixed("/api-clients"),
    "GET /api-clients/{api_client_id}": lambda w: Request(f"/api-clients/{w.api_client_id()}"),
    "PATCH /api-clients/{api_client_id}": lambda w: Request(
        f"/api-clients/{w.api_client_id()}", {"scopes": ["roster:read", "sessions:read"]}
    ),
    # Revoking keeps the row: the answer is the revoked client (200), not an empty 204.
    "DELETE /api-clients/{api_client_id}": lambda w: Request(f"/api-clients/{w.api_client_id()}"),
    "GET /sessions": fixed("/sessions"),
    "POST /sessions": lambda w: Request("/sessions", new_session_body(w)),
    "GET /sessions/{session_id}": lambda w: Request(f"/sessions/{make_program_session(w.db).id}"),
    "PATCH /sessions/{session_id}": lambda w: Request(
        f"/sessions/{make_program_session(w.db).id}", {"topic": "Moral distress"}
    ),
    "DELETE /sessions/{session_id}": lambda w: Request(
        f"/sessions/{make_program_session(w.db).id}"
    ),
    "PUT /sessions/{session_id}/attendance/{supporter_id}": attendance_request,
    "POST /encounters": lambda _: Request("/encounters", encounter_data().model_dump(mode="json")),
    "GET /encounters": fixed("/encounters"),
    "GET /encounters/{encounter_id}": lambda w: Request(f"/encounters/{w.encounter_id()}"),
    "PATCH /encounters/{encounter_id}": lambda w: Request(
        f"/encounters/{w.encounter_id()}", {"setting": "icu"}
    ),
    "DELETE /encounters/{encounter_id}": lambda w: Request(f"/encounters/{w.encounter_id()}"),
    "GET /resources": fixed("/resources"),
    "POST /resources": lambda w: Request("/resources", new_resource_body(w)),
    # A published entry is read by everyone signed in; editors change and delete drafts too.
    "GET /resources/{resource_id}": lambda w: Request(f"/resources/{make_resource(w.db).id}"),
    "PATCH /resources/{resource_id}": lambda w: Request(
        f"/resources/{make_resource(w.db, published=False).id}", {"published": True}
    ),
    "DELETE /resources/{resource_id}": lambda w: Request(
        f"/resources/{make_resource(w.db, published=False).id}"
    ),
    "GET /directory": fixed("/directory"),
    "GET /directory/hsds": fixed("/directory/hsds"),
    "GET /debrief-requests": fixed("/debrief-requests"),
    "PATCH /debrief-requests/{request_id}": lambda w: Request(
        f"/debrief-requests/{w.debrief_request_id()}", {"status": "done"}
    ),
    "GET /reports/encounters": lambda _: Request("/reports/encounters", params=report_params()),
    "GET /audit-events": fixed("/audit-events"),
    "GET /settings": fixed("/settings"),
    "PATCH /settings": fixed("/settings", {"program_name": "Colleagues for care"}),
}


# The callers


@pytest.fixture
def sign_in(
    db: Session,
    issuer: TokenIssuer,
    headers_for_roles: Callable[..., Headers],
    headers_for_user: Callable[[User], Headers],
    headers_for_scopes: Callable[..., Headers],
) -> Callable[[str], tuple[Headers, Supporter | None]]:
    """The caller's headers, and their own supporter profile if they have one."""

    def headers_of(caller: str) -> tuple[Headers, Supporter | None]:
        if caller == "anonymous":
            return {}, None
        if caller == "no_role":
            return headers_for_roles(), None
        if caller == "supporter":
            supporter = make_supporter(db)
            user = db.get(User, supporter.user_id)
            assert user is not None
            return headers_for_user(user), supporter
        if caller == "client:none":
            # A client granted a scope, whose token carries none of it.
            client, _ = create_api_client(
                session=db,
                actor=Actor.operator("test"),
                data=ApiClientCreate(name="scopeless client", scopes=[ApiScope.audit_read]),
            )
            return bearer(issuer, f"client:{client.id}"), None
        if caller.startswith("client:"):
            return headers_for_scopes(ApiScope(caller.removeprefix("client:"))), None
        return headers_for_roles(Role(caller)), None

    return headers_of


# The tests


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def test_the_table_covers_every_operation_of_the_openapi_document(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert sorted(operations - set(TABLE)) == [], "operations without a row in TABLE"
    assert sorted(set(TABLE) - operations) == [], "rows for operations that do not exist"
    assert set(REQUESTS) == set(TABLE)


@pytest.mark.parametrize(("operation", "caller", "expected"), CASES)
def test_access(
    client: TestClient,
    db: Session,
    sign_in: Callable[[str], tuple[Headers, Supporter | None]],
    operation: str,
    caller: str,
    expected: int,
) -> None:
    headers, own_supporter = sign_in(caller)
    request = REQUESTS[operation](World(db, own_supporter))
    method = operation.split(" ", 1)[0]
    response = client.request(
        method,
        f"/api/v1{request.path}",
        headers=headers,
        json=request.json,
        params=request.params,
        data=request.form,
    )
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert response.json()["status"] == expected
