"""The HSDS 3.0 export `GET /api/v1/directory/hsds`: what HSDS requires (checked with the
project's own models in tests/api/hsds_required.py), the mapping of a resource, stable ids,
drafts absent, caching and CORS, paging, and a constant number of queries."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.v1.problems import PROBLEM_MEDIA_TYPE
from domain.codes import Cost, ResourceCategory
from domain.program_settings.service import get_program_settings
from domain.resources.models import Resource, ResourceAudience
from tests.api.hsds_required import HsdsServicePage, Service
from tests.factories import counting_statements, make_resource

HSDS = "/api/v1/directory/hsds"
# Written out, not imported: the ids other systems keep must never change.
NAMESPACE = UUID("3a648097-710c-499f-8025-4ccd3f0cc57f")


def export(client: TestClient, **params: Any) -> HsdsServicePage:
    response = client.get(HSDS, params={"per_page": 500, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return HsdsServicePage.model_validate_json(response.content)


def service_of(page: HsdsServicePage, resource: Resource) -> Service:
    wanted = str(uuid5(NAMESPACE, f"resource:{resource.id}"))
    (found,) = [service for service in page.contents if service.id == wanted]
    return found


def a_complete_resource(db: Session, **overrides: Any) -> Resource:
    values: dict[str, Any] = {
        "title": "Faculty and Staff Counseling",
        "description": "Short-term counseling.",
        "category": ResourceCategory.counseling,
        "phone": "(555) 555-0142",
        "text_number": "555-0143",
        "url": "https://counseling.example.org/",
        "email": "counseling@example.org",
        "location": "University Hospital, Suite 4B",
        "hours": "Weekdays 8 a.m. to 6 p.m.",
        "confidential": True,
        "cost": Cost.free,
        "last_reviewed_on": date(2026, 10, 1),
        "audience_rows": [
            ResourceAudience(profession_code="nurse"),
            ResourceAudience(profession_code="pharmacist"),
        ],
    } | overrides
    return make_resource(db, **values)


def test_the_export_holds_what_hsds_requires(client: TestClient, db: Session) -> None:
    a_complete_resource(db)
    make_resource(db, available_24_7=True, cost=Cost.fee)
    make_resource(db)  # nothing but a title and a category

    page = export(client)  # validated: required keys, types, formats, enums, no unknown keys

    assert page.contents
    assert page.size == len(page.contents) == page.total_items
    assert (page.page_number, page.total_pages) == (1, 1)
    assert page.first_page
    assert page.last_page
    assert not page.empty
    assert all(service.status == "active" for service in page.contents)


def test_a_resource_maps_to_a_fully_nested_service(client: TestClient, db: Session) -> None:
    resource = a_complete_resource(db)
    service_id = str(uuid5(NAMESPACE, f"resource:{resource.id}"))

    service = service_of(export(client), resource)

    assert (service.name, service.description) == (resource.title, resource.description)
    assert (service.url, service.email) == (resource.url, resource.email)
    assert service.fees_description == "Free"
    assert service.eligibility_description == "Meant for: Nurse, Pharmacist."
    assert service.assured_date == date(2026, 10, 1)
    assert service.last_modified is not None
    assert [(p.type, p.number, p.service_id) for p in service.phones] == [
        ("voice", "(555) 555-0142", service_id),
        ("text", "555-0143", service_id),
    ]
    (schedule,) = service.schedules
    assert (schedule.description, schedule.freq, schedule.service_id) == (
        "Weekdays 8 a.m. to 6 p.m.",
        None,
        service_id,
    )
    (area,) = service.service_areas
    assert area.name == "University Hospital, Suite 4B"
    (cost,) = service.cost_options
    assert (cost.amount, cost.option) == (0, "Free")
    (category,) = service.attributes
    assert category.link_id == service_id
    assert category.taxonomy_term is not None
    term = category.taxonomy_term
    assert (term.code, term.name) == ("counseling", "Counseling")
    assert category.taxonomy_term_id == category.taxonomy_term.id


def test_open_24_7_is_a_weekly_rule_on_every_day(client: TestClient, db: Session) -> None:
    resource = make_resource(db, available_24_7=True, hours="Call or text any time")

    (schedule,) = service_of(export(client), resource).schedules

    assert (schedule.freq, schedule.byday) == ("WEEKLY", "MO,TU,WE,TH,FR,SA,SU")
    assert (schedule.opens_at, schedule.closes_at) == ("00:00", "23:59")
    assert schedule.notes == "Call or text any time"


def test_what_an_entry_does_not_say_is_left_out(client: TestClient, db: Session) -> None:
    resource = make_resource(db, cost=Cost.insurance)
    raw = next(
        item
        for item in client.get(HSDS).json()["contents"]
        if item["id"] == str(uuid5(NAMESPACE, f"resource:{resource.id}"))
    )

    assert None not in raw.values()
    assert not {"url", "email", "eligibility_description"} & set(raw)
    assert raw["fees_description"] == "Covered by insurance"
    assert raw["phones"] == raw["schedules"] == raw["service_areas"] == raw["cost_options"] == []


def test_the_program_is_the_one_organization(client: TestClient, db: Session) -> None:
    make_resource(db)
    settings = get_program_settings(db)
    settings.program_name = "Colleagues for Care"
    db.add(settings)
    db.flush()

    page = export(client)

    organization = page.contents[0].organization
    assert organization is not None
    assert all(service.organization == organization for service in page.contents)
    assert organization.name == "Colleagues for Care"
    assert organization.id == str(uuid5(NAMESPACE, "program:1"))
    assert all(service.organization_id == organization.id for service in page.contents)


def test_ids_are_uuid5_of_what_they_stand_for_and_stable(client: TestClient, db: Session) -> None:
    resource = a_complete_resource(db, available_24_7=True)
    first = service_of(export(client), resource)

    resource.title = "Renamed"
    db.add(resource)
    db.flush()
    again = service_of(export(client), resource)

    def ids(service: Service) -> list[str]:
        return [
            service.id,
            *(p.id for p in service.phones),
            *(s.id for s in service.schedules),
            *(a.id for a in service.service_areas),
            *(c.id for c in service.cost_options),
            *(a.id for a in service.attributes),
        ]

    assert ids(again) == ids(first)
    assert ids(first) == [
        str(uuid5(NAMESPACE, f"resource:{resource.id}{suffix}"))
        for suffix in (
            "",
            ":phone:voice",
            ":phone:text",
            ":schedule",
            ":service_area",
            ":cost_option",
            ":attribute:category",
        )
    ]
    assert again.name == "Renamed"


def test_one_category_is_one_term_for_every_service(client: TestClient, db: Session) -> None:
    first = make_resource(db, category=ResourceCategory.legal)
    second = make_resource(db, category=ResourceCategory.legal)
    page = export(client)

    terms = [service_of(page, r).attributes[0].taxonomy_term for r in (first, second)]

    assert terms[0] == terms[1]
    assert terms[0] is not None
    assert terms[0].id == str(uuid5(NAMESPACE, "taxonomy:resource_category:legal"))


def test_unpublished_entries_are_absent(client: TestClient, db: Session) -> None:
    published = make_resource(db, title="Published entry")
    draft = make_resource(db, title="Draft entry", published=False)

    page = export(client)
    ids = {service.id for service in page.contents}

    assert str(uuid5(NAMESPACE, f"resource:{published.id}")) in ids
    assert str(uuid5(NAMESPACE, f"resource:{draft.id}")) not in ids
    assert "Draft entry" not in client.get(HSDS).text


def test_it_is_cacheable_by_anyone_for_five_minutes(client: TestClient) -> None:
    response = client.get(HSDS, headers={"Origin": "https://portal.example.org"})

    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "ETag, Link"
    assert "access-control-allow-credentials" not in response.headers
    assert "set-cookie" not in response.headers


def test_its_etag_answers_304_until_the_directory_changes(client: TestClient, db: Session) -> None:
    etag = client.get(HSDS).headers["etag"]

    unchanged = client.get(HSDS, headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == etag

    make_resource(db, title="A new entry")
    changed = client.get(HSDS, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_pages_follow_page_and_per_page_without_repeats(client: TestClient, db: Session) -> None:
    for _ in range(5):
        make_resource(db)
    everything = [service.id for service in export(client).contents]

    walked: list[str] = []
    url: str | None = f"{HSDS}?per_page=2"
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200
        page = HsdsServicePage.model_validate_json(response.content)
        walked += [service.id for service in page.contents]
        link = response.headers.get("link")
        assert (link is None) == page.last_page
        url = link.split(">", 1)[0].removeprefix("<") if link else None

    assert walked == everything
    assert page.total_pages == (len(everything) + 1) // 2


def test_a_page_past_the_end_is_empty(client: TestClient) -> None:
    page = export(client, page=999)

    assert (page.contents, page.empty, page.size, page.last_page) == ([], True, 0, True)


def test_paging_parameters_out_of_range_are_refused_naming_them(client: TestClient) -> None:
    for params, field in (
        ({"per_page": 0}, "per_page"),
        ({"per_page": 501}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"limit": 10}, "limit"),
    ):
        response = client.get(HSDS, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert field in [error["field"] for error in response.json()["errors"]]


def test_the_query_count_does_not_grow_with_the_directory(client: TestClient, db: Session) -> None:
    def statements_for_export() -> int:
        with counting_statements(db) as statements:
            assert client.get(HSDS, params={"per_page": 500}).status_code == 200
        return len(statements)

    for _ in range(3):
        a_complete_resource(db)
    few = statements_for_export()
    for _ in range(30):
        a_complete_resource(db, available_24_7=True)
    many = statements_for_export()

    assert few == many <= 5
