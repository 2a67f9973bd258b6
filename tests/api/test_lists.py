"""Every list of the API pages the same way: `limit` (default 50, at most 200), an opaque `next`
cursor also sent as `Link: <...>; rel="next"`, each row exactly once in a stable order, forged
cursors refused, and a number of SQL statements that does not grow with the rows."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.v1.pagination import encode_cursor
from domain.actors import Actor
from domain.api_clients.models import ApiClient, ApiClientCreate
from domain.api_clients.service import create_api_client
from domain.audit.models import AuditEvent
from domain.audit.service import record_audit_event
from domain.codes import (
    ApiScope,
    DurationBand,
    EncounterSetting,
    Escalation,
    FollowUp,
    InitiatedBy,
    Modality,
    PeerOrgRelation,
    ResourceCategory,
    Role,
    SessionKind,
    Stressor,
    SupportElement,
    SupporterStatus,
    SupportType,
)
from domain.debriefs.models import DebriefRequest, DebriefUrgency
from domain.debriefs.service import request_debrief
from domain.encounters.models import (
    Encounter,
    EncounterElement,
    EncounterStressor,
    EncounterSupportType,
)
from domain.org_units.models import OrgUnit
from domain.professions.models import Profession
from domain.resources.models import Resource, ResourceAudience
from domain.sessions.models import ProgramSession
from domain.supporters.models import Supporter
from domain.users.models import User
from tests.factories import (
    counting_statements,
    make_org_unit,
    make_program_session,
    make_resource,
    make_supporter,
    make_user,
    supporter_actor,
)

Headers = dict[str, str]
PROBLEM = "application/problem+json"
LINK_NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')
_numbers = itertools.count(1)


def add_encounters(db: Session, count: int, *, on: date = date(2025, 3, 10)) -> list[Encounter]:
    supporter = make_supporter(db)
    assert supporter.id is not None
    rows = [
        Encounter(
            supporter_id=supporter.id,
            supporter_profession=supporter.profession_code,
            occurred_on=on,
            setting=EncounterSetting.icu,
            initiated_by=InitiatedBy.supporter_approach,
            modality=Modality.in_person,
            peer_profession_code="physician",
            peer_org_relation=PeerOrgRelation.unknown,
            interprofessional=True,
            duration_band=DurationBand.under_15,
            escalation=Escalation.none,
            follow_up=FollowUp.none,
            stressor_rows=[EncounterStressor(stressor=Stressor.personal)],
            element_rows=[EncounterElement(element=SupportElement.listening)],
            support_type_rows=[EncounterSupportType(support_type=SupportType.emotional)],
        )
        for _ in range(count)
    ]
    db.add_all(rows)
    db.flush()
    return rows


def _add_professions(db: Session, count: int) -> None:
    db.add_all(Profession(code=f"test_job_{next(_numbers)}", name="Job") for _ in range(count))
    db.flush()


def _add_api_clients(db: Session, count: int) -> None:
    for _ in range(count):
        data = ApiClientCreate(name=f"system {next(_numbers)}", scopes=[ApiScope.reports_read])
        create_api_client(session=db, actor=Actor.operator("test"), data=data)


def _add_audit_events(db: Session, count: int) -> None:
    for _ in range(count):
        record_audit_event(
            session=db, actor=Actor.operator("test"), action="test.event", object_type="test"
        )


def _add_debrief_requests(db: Session, count: int) -> None:
    """Requests from different supporters; every other one assigned to a trainer (both names
    come with each row)."""
    trainer = make_user(db, roles=(Role.coordinator,))
    for n in range(count):
        supporter = make_supporter(db)
        request = request_debrief(
            session=db, actor=supporter_actor(db, supporter), urgency=DebriefUrgency.today
        )
        if n % 2:
            request.assigned_to_user_id = trainer.id
            db.add(request)
    db.flush()


def _ids(db: Session, model: Any, *where: Any, newest_first: bool = False) -> list[Any]:
    order = col(model.id).desc() if newest_first else col(model.id)
    return list(db.exec(select(model.id).where(*where).order_by(order)))


@dataclass(frozen=True)
class Listing:
    path: str
    roles: tuple[Role, ...]  # none: the public directory, read without a token
    add: Callable[[Session, int], object]
    keys: Callable[[Session], list[Any]]  # every row the list holds, in the list's order
    key: str = "id"


LISTINGS = [
    Listing(
        "/professions",
        (Role.supporter,),
        _add_professions,
        lambda db: list(
            db.exec(
                select(Profession.code)
                .where(col(Profession.active).is_(True))
                .order_by(col(Profession.code))
            )
        ),
        key="code",
    ),
    Listing(
        "/org-units",
        (Role.supporter,),
        lambda db, n: [make_org_unit(db) for _ in range(n)],
        lambda db: _ids(db, OrgUnit),
    ),
    Listing(
        "/users",
        (Role.admin,),
        lambda db, n: [make_user(db) for _ in range(n)],
        lambda db: _ids(db, User),
    ),
    Listing(
        "/supporters",
        (Role.coordinator,),
        lambda db, n: [make_supporter(db) for _ in range(n)],
        lambda db: _ids(db, Supporter),
    ),
    Listing("/api-clients", (Role.admin,), _add_api_clients, lambda db: _ids(db, ApiClient)),
    Listing(
        "/sessions",
        (Role.coordinator,),
        lambda db, n: [make_program_session(db) for _ in range(n)],
        lambda db: _ids(db, ProgramSession),
    ),
    Listing(
        "/encounters",
        (Role.coordinator,),
        add_encounters,
        lambda db: _ids(db, Encounter, newest_first=True),
    ),
    Listing(
        "/resources",
        (Role.supporter,),
        lambda db, n: [make_resource(db) for _ in range(n)],
        lambda db: _ids(db, Resource, col(Resource.published).is_(True)),
    ),
    Listing(
        "/directory",
        (),
        lambda db, n: [make_resource(db) for _ in range(n)],
        lambda db: _ids(db, Resource, col(Resource.published).is_(True)),
    ),
    Listing(
        "/debrief-requests",
        (Role.coordinator,),
        _add_debrief_requests,
        lambda db: _ids(db, DebriefRequest, newest_first=True),
    ),
    Listing(
        "/audit-events",
        (Role.admin,),
        _add_audit_events,
        lambda db: _ids(db, AuditEvent, newest_first=True),
    ),
]
each_listing = pytest.mark.parametrize("listing", LISTINGS, ids=lambda item: item.path)


@pytest.fixture
def headers_for(headers_for_roles: Callable[..., Headers]) -> Callable[[Listing], Headers]:
    return lambda listing: headers_for_roles(*listing.roles) if listing.roles else {}


def next_link(response: Any) -> str | None:
    link = response.headers.get("link")
    if link is None:
        return None
    match = LINK_NEXT.match(link)
    assert match, link
    return match["url"]


def walk(client: TestClient, first_url: str, headers: Headers, key: str) -> list[Any]:
    """Every key the list gives, following the `Link` header page after page."""
    seen: list[Any] = []
    url: str | None = first_url
    while url is not None:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item[key] for item in body["items"]]
        url = next_link(response)
        if url is None:
            assert body["next"] is None
        else:
            assert parse_qs(urlsplit(url).query)["cursor"] == [body["next"]]
        assert len(seen) < 1000, "the cursor does not advance"
    return seen


def assert_problem(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in [error["field"] for error in response.json()["errors"]]


@each_listing
def test_a_page_holds_50_by_default_and_links_the_next(
    client: TestClient, db: Session, listing: Listing, headers_for: Callable[[Listing], Headers]
) -> None:
    headers = headers_for(listing)
    listing.add(db, 51)
    expected = listing.keys(db)[:50]

    response = client.get(f"/api/v1{listing.path}", headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert [item[listing.key] for item in body["items"]] == expected
    assert body["next"]
    assert f"cursor={body['next']}" in (next_link(response) or "")


@each_listing
def test_limit_goes_up_to_200_and_201_is_refused_naming_limit(
    client: TestClient, listing: Listing, headers_for: Callable[[Listing], Headers]
) -> None:
    headers = headers_for(listing)
    url = f"/api/v1{listing.path}"

    assert client.get(url, params={"limit": 200}, headers=headers).status_code == 200
    assert_problem(client.get(url, params={"limit": 201}, headers=headers), 422, "limit")
    assert_problem(client.get(url, params={"limit": 0}, headers=headers), 422, "limit")


@each_listing
def test_the_cursor_walks_every_row_once_in_a_stable_order(
    client: TestClient, db: Session, listing: Listing, headers_for: Callable[[Listing], Headers]
) -> None:
    headers = headers_for(listing)
    listing.add(db, 12)

    for _ in range(2):  # the same order every time (the audit trail grows by its own reads)
        expected = listing.keys(db)
        walked = walk(client, f"/api/v1{listing.path}?limit=5", headers, listing.key)
        assert walked == expected


@each_listing
def test_the_last_page_has_no_link_and_no_next(
    client: TestClient, listing: Listing, headers_for: Callable[[Listing], Headers]
) -> None:
    response = client.get(
        f"/api/v1{listing.path}", params={"limit": 200}, headers=headers_for(listing)
    )

    assert response.json()["next"] is None
    assert "link" not in response.headers


@each_listing
def test_a_forged_cursor_is_refused_naming_cursor(
    client: TestClient, listing: Listing, headers_for: Callable[[Listing], Headers]
) -> None:
    headers = headers_for(listing)
    forged = ["not-a-cursor", "NQ", "YmVmb3JlOjU", encode_cursor("") + "x", "%%%", "a" * 64]
    for cursor in forged:
        response = client.get(f"/api/v1{listing.path}", params={"cursor": cursor}, headers=headers)
        assert_problem(response, 422, "cursor")


@each_listing
def test_the_statements_per_request_do_not_grow_with_the_rows(
    client: TestClient, db: Session, listing: Listing, headers_for: Callable[[Listing], Headers]
) -> None:
    headers = headers_for(listing)

    def statements_for_one_page() -> int:
        db.expire_all()  # every request loads its rows from the database, none from memory
        with counting_statements(db) as statements:
            response = client.get(f"/api/v1{listing.path}", headers=headers)
        assert response.status_code == 200, response.text
        return len(statements)

    listing.add(db, 2)
    with_few = statements_for_one_page()
    listing.add(db, 23)
    with_many = statements_for_one_page()

    assert with_few == with_many


# Filters


def get_ids(client: TestClient, path: str, headers: Headers, **params: Any) -> set[int]:
    response = client.get(f"/api/v1{path}", params={"limit": 200, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_supporters_filter_by_profession_org_unit_and_status(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    headers = headers_for_roles(Role.coordinator)
    unit = make_org_unit(db)
    nurse = make_supporter(db)
    pharmacist = make_supporter(db, profession_code="pharmacist", org_unit_id=unit.id)
    paused = make_supporter(db, status=SupporterStatus.paused, org_unit_id=unit.id)

    assert get_ids(client, "/supporters", headers, profession="pharmacist") == {pharmacist.id}
    assert get_ids(client, "/supporters", headers, org_unit=unit.id) == {pharmacist.id, paused.id}
    assert get_ids(client, "/supporters", headers, status="paused") == {paused.id}
    assert nurse.id in get_ids(client, "/supporters", headers, status="active")


def test_sessions_filter_by_kind_and_from_inclusive_to_exclusive(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    headers = headers_for_roles(Role.coordinator)

    def at(day: int, kind: SessionKind = SessionKind.monthly_session) -> int | None:
        starts_at = datetime(2025, 6, day, 17, tzinfo=UTC)
        return make_program_session(db, starts_at=starts_at, kind=kind).id

    early, start, inside, end = at(1), at(10), at(15, SessionKind.debrief), at(20)

    in_range = get_ids(client, "/sessions", headers, **{"from": "2025-06-10", "to": "2025-06-20"})
    assert in_range == {start, inside}
    assert early not in in_range
    assert end not in in_range
    debriefs = get_ids(client, "/sessions", headers, kind="debrief")
    assert inside in debriefs
    assert {early, start, end}.isdisjoint(debriefs)


def test_encounters_filter_by_from_inclusive_and_before_exclusive(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    headers = headers_for_roles(Role.coordinator)
    (april,) = add_encounters(db, 1, on=date(2025, 4, 30))
    (may,) = add_encounters(db, 1, on=date(2025, 5, 1))
    (june,) = add_encounters(db, 1, on=date(2025, 6, 1))

    found = get_ids(
        client, "/encounters", headers, **{"from": "2025-05-01", "before": "2025-06-01"}
    )

    assert found == {may.id}
    assert get_ids(client, "/encounters", headers, before="2025-05-01") >= {april.id}
    assert june.id in get_ids(client, "/encounters", headers, **{"from": "2025-06-01"})


def test_resources_filter_by_category_audience_and_text(
    client: TestClient, db: Session, headers_for_roles: Callable[..., Headers]
) -> None:
    headers = headers_for_roles(Role.supporter)
    legal = make_resource(db, category=ResourceCategory.legal, title="Legal aid clinic")
    for_everyone = make_resource(db, description="Quiet ROOM on the 3rd floor")
    for_pharmacists = make_resource(
        db, audience_rows=[ResourceAudience(profession_code="pharmacist")]
    )
    for_dentists = make_resource(db, audience_rows=[ResourceAudience(profession_code="dentist")])

    assert get_ids(client, "/resources", headers, category="legal") == {legal.id}
    for_pharmacy = get_ids(client, "/resources", headers, audience="pharmacist")
    assert {for_everyone.id, for_pharmacists.id, legal.id} <= for_pharmacy
    assert for_dentists.id not in for_pharmacy
    assert get_ids(client, "/resources", headers, q="quiet room") == {for_everyone.id}
    assert get_ids(client, "/resources", headers, q="LEGAL AID") == {legal.id}
