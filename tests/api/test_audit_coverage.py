"""Every sensitive action leaves exactly one audit event naming its actor, object and outcome
(issue 7, item 8): changes of resources, people, settings, API clients, program sessions and
attendance; reads of encounter rows by anyone but the supporter who logged them; reads of
reports and of the roster; and every refusal (403) the API answers to a caller it knows.

A supporter reading their own log, a person reading their own profile, and a 401 leave none.
Here the refusal's own unit of work runs in the test's transaction; tests/live/
test_audit_denied.py checks that it is committed for real while the request rolls back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.audit.actions import is_known_action
from domain.auth.service import TokenIssuer
from domain.codes import ApiScope, ResourceCategory, Role, SessionKind
from domain.columns import utcnow
from domain.debriefs.models import DebriefUrgency
from domain.debriefs.service import request_debrief
from domain.encounters.models import Encounter
from domain.encounters.service import log_encounter
from domain.program_settings.models import SETTINGS_ROW_ID
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.api.conftest import Headers, bearer
from tests.factories import (
    encounter_data,
    events_after,
    last_event_id,
    make_program_session,
    make_resource,
    make_supporter,
    make_user,
    supporter_actor,
)

NEW = "the id in the answer"  # the object the request created
REPORT = "/reports/encounters?from=2025-01&to=2025-01&dimension=setting"


@dataclass(frozen=True)
class Caller:
    headers: Headers
    label: str  # how the audit trail names them: "user:12", "api_client:3"


@dataclass(frozen=True)
class Event:
    action: str
    object_type: str
    object_id: object
    outcome: str = "success"


@dataclass(frozen=True)
class Step:
    """One request and the one event it must leave (None: no event at all)."""

    caller: Caller
    method: str
    path: str
    status: int
    event: Event | None
    body: dict[str, Any] | None = None


class World:
    """Callers and objects for the rows, made in the test's transaction."""

    def __init__(self, db: Session, issuer: TokenIssuer, make_api_client: Callable[..., Any]):
        self.db, self.issuer, self.make_api_client = db, issuer, make_api_client

    def person(self, *roles: Role) -> Caller:
        return self.as_user(make_user(self.db, roles=roles))

    def as_user(self, user: User) -> Caller:
        return Caller(bearer(self.issuer, f"user:{user.id}"), f"user:{user.id}")

    def api_client(self, *scopes: ApiScope) -> Caller:
        client, _ = self.make_api_client(*scopes)
        granted = frozenset(scope.value for scope in scopes)
        return Caller(
            bearer(self.issuer, f"client:{client.id}", granted), f"api_client:{client.id}"
        )

    def supporter(self, *roles: Role) -> tuple[Caller, Supporter]:
        user = make_user(self.db, roles=(Role.supporter, *roles))
        return self.as_user(user), make_supporter(self.db, user=user)

    def encounter_of(self, supporter: Supporter) -> Encounter:
        actor = supporter_actor(self.db, supporter)
        return log_encounter(session=self.db, actor=actor, data=encounter_data()).encounter

    def coordinator(self) -> Caller:
        return self.person(Role.coordinator)

    def admin(self) -> Caller:
        return self.person(Role.admin)


Row = Callable[[World], Step]


# Changes: resources


def resource_create(w: World) -> Step:
    body = {"title": "Chaplaincy", "category": "spiritual_care"}
    return Step(
        w.person(Role.resource_editor),
        "POST",
        "/resources",
        201,
        Event("resource.create", "resource", NEW),
        body,
    )


def crisis_phone_change(w: World) -> Step:
    line = make_resource(w.db, category=ResourceCategory.crisis_line, phone="988")
    return Step(
        w.coordinator(),
        "PATCH",
        f"/resources/{line.id}",
        200,
        Event("resource.change.phone", "resource", line.id),
        {"phone": "1-800-273-8255"},
    )


def resource_change_by_api_client(w: World) -> Step:
    entry = make_resource(w.db)
    return Step(
        w.api_client(ApiScope.resources_write),
        "PATCH",
        f"/resources/{entry.id}",
        200,
        Event("resource.change.published", "resource", entry.id),
        {"published": False},
    )


def resource_delete(w: World) -> Step:
    entry = make_resource(w.db)
    return Step(
        w.person(Role.resource_editor),
        "DELETE",
        f"/resources/{entry.id}",
        204,
        Event("resource.delete", "resource", entry.id),
    )


# Changes: people


def user_create(w: World) -> Step:
    body = {
        "email": "new.person@hospital.example.org",
        "display_name": "New",
        "roles": ["supporter"],
    }
    return Step(w.admin(), "POST", "/users", 201, Event("user.create", "user", NEW), body)


def user_roles_change(w: World) -> Step:
    user = make_user(w.db, roles=(Role.supporter,))
    return Step(
        w.admin(),
        "PATCH",
        f"/users/{user.id}",
        200,
        Event("user.roles.change", "user", user.id),
        {"roles": ["coordinator"]},
    )


def user_deactivate(w: World) -> Step:
    user = make_user(w.db, roles=(Role.supporter,))
    return Step(
        w.admin(),
        "PATCH",
        f"/users/{user.id}",
        200,
        Event("user.deactivate", "user", user.id),
        {"active": False},
    )


def user_rename(w: World) -> Step:
    user = make_user(w.db)
    return Step(
        w.admin(),
        "PATCH",
        f"/users/{user.id}",
        200,
        Event("user.change.display_name", "user", user.id),
        {"display_name": "Dr. B"},
    )


def supporter_create(w: World) -> Step:
    user = make_user(w.db, roles=(Role.supporter,))
    body = {"user_id": user.id, "profession_code": "pharmacist"}
    return Step(
        w.coordinator(),
        "POST",
        "/supporters",
        201,
        Event("supporter.create", "supporter", NEW),
        body,
    )


def supporter_status_change(w: World) -> Step:
    supporter = make_supporter(w.db)
    return Step(
        w.coordinator(),
        "PATCH",
        f"/supporters/{supporter.id}",
        200,
        Event("supporter.change.status", "supporter", supporter.id),
        {"status": "paused"},
    )


def supporter_status_change_by_api_client(w: World) -> Step:
    supporter = make_supporter(w.db)
    return Step(
        w.api_client(ApiScope.roster_write),
        "PATCH",
        f"/supporters/{supporter.id}",
        200,
        Event("supporter.change.status", "supporter", supporter.id),
        {"status": "inactive"},
    )


def own_availability_change(w: World) -> Step:
    me, supporter = w.supporter()
    return Step(
        me,
        "PATCH",
        f"/supporters/{supporter.id}",
        200,
        Event("supporter.change.available", "supporter", supporter.id),
        {"available": False},
    )


# Changes: settings and API clients


def settings_change(w: World) -> Step:
    return Step(
        w.admin(),
        "PATCH",
        "/settings",
        200,
        Event("settings.change.refresher_missed_sessions", "program_settings", SETTINGS_ROW_ID),
        {"refresher_missed_sessions": 5},
    )


def api_client_create(w: World) -> Step:
    body = {"name": "Integration engine", "scopes": ["reports:read"]}
    return Step(
        w.admin(), "POST", "/api-clients", 201, Event("api_client.create", "api_client", NEW), body
    )


def api_client_scopes_change(w: World) -> Step:
    client, _ = w.make_api_client(ApiScope.reports_read)
    return Step(
        w.admin(),
        "PATCH",
        f"/api-clients/{client.id}",
        200,
        Event("api_client.scopes.change", "api_client", client.id),
        {"scopes": ["roster:read"]},
    )


def api_client_revoke(w: World) -> Step:
    client, _ = w.make_api_client(ApiScope.reports_read)
    return Step(
        w.admin(),
        "DELETE",
        f"/api-clients/{client.id}",
        200,
        Event("api_client.revoke", "api_client", client.id),
    )


# Changes: program sessions and attendance


def program_session_create(w: World) -> Step:
    starts = (utcnow() + timedelta(days=7)).isoformat()
    body = {"kind": "monthly_session", "starts_at": starts, "topic": "Moral distress"}
    return Step(
        w.coordinator(),
        "POST",
        "/sessions",
        201,
        Event("program_session.create", "program_session", NEW),
        body,
    )


def program_session_change(w: World) -> Step:
    held = make_program_session(w.db)
    return Step(
        w.api_client(ApiScope.sessions_write),
        "PATCH",
        f"/sessions/{held.id}",
        200,
        Event("program_session.change.location", "program_session", held.id),
        {"location": "Room 4B"},
    )


def program_session_cancel(w: World) -> Step:
    planned = make_program_session(w.db, starts_at=utcnow() + timedelta(days=3))
    return Step(
        w.coordinator(),
        "DELETE",
        f"/sessions/{planned.id}",
        204,
        Event("program_session.cancel", "program_session", planned.id),
    )


def attendance_record(w: World) -> Step:
    training = make_program_session(w.db, kind=SessionKind.initial_training)
    supporter = make_supporter(w.db)
    return Step(
        w.coordinator(),
        "PUT",
        f"/sessions/{training.id}/attendance/{supporter.id}",
        200,
        Event("attendance.attended", "supporter", supporter.id),
        {"status": "attended"},
    )


# Reads of encounter rows: audited unless the reader logged them


def coordinator_lists_encounters(w: World) -> Step:
    w.encounter_of(make_supporter(w.db))
    return Step(
        w.coordinator(), "GET", "/encounters", 200, Event("encounter.list", "encounter", None)
    )


def coordinator_reads_an_encounter(w: World) -> Step:
    encounter = w.encounter_of(make_supporter(w.db))
    return Step(
        w.coordinator(),
        "GET",
        f"/encounters/{encounter.id}",
        200,
        Event("encounter.read", "encounter", encounter.id),
    )


def supporting_coordinator_lists_everyones_encounters(w: World) -> Step:
    me, _ = w.supporter(Role.coordinator)
    return Step(me, "GET", "/encounters", 200, Event("encounter.list", "encounter", None))


def supporter_lists_own_encounters(w: World) -> Step:
    me, supporter = w.supporter()
    w.encounter_of(supporter)
    return Step(me, "GET", "/encounters", 200, None)


def supporter_reads_own_encounter(w: World) -> Step:
    me, supporter = w.supporter()
    return Step(me, "GET", f"/encounters/{w.encounter_of(supporter).id}", 200, None)


def supporting_coordinator_reads_own_encounter(w: World) -> Step:
    me, supporter = w.supporter(Role.coordinator)
    return Step(me, "GET", f"/encounters/{w.encounter_of(supporter).id}", 200, None)


# Reads of reports: by people too


def coordinator_reads_a_report(w: World) -> Step:
    return Step(w.coordinator(), "GET", REPORT, 200, Event("report.read", "report", "setting"))


def report_viewer_reads_a_report(w: World) -> Step:
    return Step(
        w.person(Role.report_viewer), "GET", REPORT, 200, Event("report.read", "report", "setting")
    )


def api_client_reads_a_report(w: World) -> Step:
    return Step(
        w.api_client(ApiScope.reports_read),
        "GET",
        REPORT,
        200,
        Event("report.read", "report", "setting"),
    )


# Reads of the roster: supporters and users, not one's own profile


def coordinator_lists_supporters(w: World) -> Step:
    return Step(
        w.coordinator(), "GET", "/supporters", 200, Event("supporter.list", "supporter", None)
    )


def api_client_lists_supporters(w: World) -> Step:
    return Step(
        w.api_client(ApiScope.roster_read),
        "GET",
        "/supporters?status=active",
        200,
        Event("supporter.list", "supporter", None),
    )


def coordinator_reads_a_supporter(w: World) -> Step:
    supporter = make_supporter(w.db)
    return Step(
        w.coordinator(),
        "GET",
        f"/supporters/{supporter.id}",
        200,
        Event("supporter.read", "supporter", supporter.id),
    )


def api_client_reads_a_supporter(w: World) -> Step:
    supporter = make_supporter(w.db)
    return Step(
        w.api_client(ApiScope.roster_read),
        "GET",
        f"/supporters/{supporter.id}",
        200,
        Event("supporter.read", "supporter", supporter.id),
    )


def supporter_reads_own_profile(w: World) -> Step:
    me, supporter = w.supporter()
    return Step(me, "GET", f"/supporters/{supporter.id}", 200, None)


def admin_lists_users(w: World) -> Step:
    return Step(w.admin(), "GET", "/users", 200, Event("user.list", "user", None))


def admin_reads_a_user(w: World) -> Step:
    user = make_user(w.db)
    return Step(w.admin(), "GET", f"/users/{user.id}", 200, Event("user.read", "user", user.id))


def person_reads_own_user(w: World) -> Step:
    user = make_user(w.db, roles=(Role.report_viewer,))
    return Step(w.as_user(user), "GET", f"/users/{user.id}", 200, None)


# Refusals: a 403 to a caller the API knows is "denied"; a 401 names nobody


def refusal(method: str, path: str) -> Event:
    return Event("api.request", "route", f"{method} /api/v1{path.split('?')[0]}", "denied")


def api_client_without_roster_scope_lists_supporters(w: World) -> Step:
    return Step(
        w.api_client(ApiScope.reports_read),
        "GET",
        "/supporters",
        403,
        refusal("GET", "/supporters"),
    )


def api_client_without_reports_scope_reads_a_report(w: World) -> Step:
    return Step(w.api_client(ApiScope.roster_read), "GET", REPORT, 403, refusal("GET", REPORT))


def api_client_lists_encounters(w: World) -> Step:
    return Step(w.api_client(*ApiScope), "GET", "/encounters", 403, refusal("GET", "/encounters"))


def a_debrief_request(w: World) -> int:
    _, supporter = w.supporter()
    actor = supporter_actor(w.db, supporter)
    request = request_debrief(session=w.db, actor=actor, urgency=DebriefUrgency.today)
    assert request.id is not None
    return request.id


def coordinator_lists_debrief_requests(w: World) -> Step:
    a_debrief_request(w)
    event = Event("debrief_request.list", "debrief_request", None)
    return Step(w.coordinator(), "GET", "/debrief-requests", 200, event)


def coordinator_assigns_a_debrief_request(w: World) -> Step:
    request_id = a_debrief_request(w)
    trainer = make_user(w.db, roles=(Role.coordinator,))
    return Step(
        w.as_user(trainer),
        "PATCH",
        f"/debrief-requests/{request_id}",
        200,
        Event("debrief_request.assign", "debrief_request", request_id),
        {"assigned_to_user_id": trainer.id},
    )


def coordinator_closes_a_debrief_request(w: World) -> Step:
    request_id = a_debrief_request(w)
    return Step(
        w.coordinator(),
        "PATCH",
        f"/debrief-requests/{request_id}",
        200,
        Event("debrief_request.close", "debrief_request", request_id),
        {"status": "done"},
    )


def api_client_lists_debrief_requests(w: World) -> Step:
    path = "/debrief-requests"
    return Step(w.api_client(*ApiScope), "GET", path, 403, refusal("GET", path))


def api_client_changes_settings(w: World) -> Step:
    return Step(
        w.api_client(*ApiScope),
        "PATCH",
        "/settings",
        403,
        refusal("PATCH", "/settings"),
        {"small_cell_threshold": 2},
    )


def report_viewer_lists_supporters(w: World) -> Step:
    return Step(
        w.person(Role.report_viewer), "GET", "/supporters", 403, refusal("GET", "/supporters")
    )


def supporter_changes_own_status(w: World) -> Step:
    me, supporter = w.supporter()
    path = f"/supporters/{supporter.id}"
    return Step(me, "PATCH", path, 403, refusal("PATCH", path), {"status": "active"})


def no_token(_w: World) -> Step:
    return Step(Caller({}, "nobody"), "GET", "/supporters", 401, None)


def a_forged_token(_w: World) -> Step:
    forged = {"Authorization": "Bearer not.a.token"}
    return Step(Caller(forged, "nobody"), "GET", "/supporters", 401, None)


ROWS: list[Row] = [
    resource_create, crisis_phone_change, resource_change_by_api_client, resource_delete,
    user_create, user_roles_change, user_deactivate, user_rename,
    supporter_create, supporter_status_change, supporter_status_change_by_api_client,
    own_availability_change,
    settings_change, api_client_create, api_client_scopes_change, api_client_revoke,
    program_session_create, program_session_change, program_session_cancel, attendance_record,
    coordinator_lists_encounters, coordinator_reads_an_encounter,
    supporting_coordinator_lists_everyones_encounters,
    supporter_lists_own_encounters, supporter_reads_own_encounter,
    supporting_coordinator_reads_own_encounter,
    coordinator_reads_a_report, report_viewer_reads_a_report, api_client_reads_a_report,
    coordinator_lists_supporters, api_client_lists_supporters,
    coordinator_reads_a_supporter, api_client_reads_a_supporter, supporter_reads_own_profile,
    admin_lists_users, admin_reads_a_user, person_reads_own_user,
    api_client_without_roster_scope_lists_supporters,
    api_client_without_reports_scope_reads_a_report, api_client_lists_encounters,
    api_client_changes_settings, report_viewer_lists_supporters,
    coordinator_lists_debrief_requests, coordinator_assigns_a_debrief_request,
    coordinator_closes_a_debrief_request, api_client_lists_debrief_requests,
    supporter_changes_own_status,
    no_token, a_forged_token,
]  # fmt: skip


@pytest.fixture
def world(db: Session, issuer: TokenIssuer, make_api_client: Callable[..., Any]) -> World:
    return World(db, issuer, make_api_client)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.__name__)
def test_each_audited_action_leaves_exactly_one_event(
    client: TestClient, db: Session, world: World, row: Row
) -> None:
    step = row(world)
    before = last_event_id(db)

    answer = client.request(
        step.method, f"/api/v1{step.path}", json=step.body, headers=step.caller.headers
    )

    assert answer.status_code == step.status, answer.text
    if step.event is None:
        assert events_after(db, before) == []
        return
    object_id = answer.json()["id"] if step.event.object_id == NEW else step.event.object_id
    expected = (
        step.event.action,
        step.caller.label,
        step.event.object_type,
        None if object_id is None else str(object_id),
        step.event.outcome,
    )
    assert events_after(db, before) == [expected]
    assert is_known_action(step.event.action)


def test_a_change_of_several_fields_leaves_one_event_per_changed_field(
    client: TestClient, db: Session, world: World
) -> None:
    line = make_resource(db, category=ResourceCategory.crisis_line, phone="988", hours="24/7")
    before = last_event_id(db)
    body = {"phone": "988", "hours": "Always", "title": "988 Lifeline"}  # the phone is unchanged
    answer = client.patch(
        f"/api/v1/resources/{line.id}", json=body, headers=world.coordinator().headers
    )
    assert answer.status_code == 200
    assert sorted(action for action, *_ in events_after(db, before)) == [
        "resource.change.hours",
        "resource.change.title",
    ]
