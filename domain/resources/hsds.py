"""The published directory in the shape of Open Referral's Human Services Data Specification
3.0 (HSDS), for systems that ingest it (a 211 line, a hospital portal).

The document's shape: HSDS 3.0 defines its JSON through its API, and the API's full listing is
`GET /services?full=true`: a page (`total_items`, `total_pages`, `page_number`, `size`,
`first_page`, `last_page`, `empty`) whose `contents` are fully nested services, each holding
its organization, phones, schedules, service areas, cost options and attributes. That is this
export, so a client written for any HSDS API reads it unchanged. The alternatives are not
HSDS JSON: the organization schema has no list of services (an organization with its services
nested would be an object of our own making), and one flat list per table is the shape of
HSDS's CSV data package.

The mapping, one function per object kind:
- the program is the one organization (`organization`), named by the program's settings;
- a published resource is an `active` service (`service`); drafts are never exported;
- its phone is a `voice` phone, its text number a `text` phone (`phones`: the RFC 6350 types
  HSDS names);
- open 24/7 is a weekly schedule on every day from 00:00 to 23:59; otherwise the free-text
  hours are a schedule's `description` (`schedules`);
- its location, which the directory holds as free text only, is a service area's free-text
  `name` (`service_areas`): HSDS's location object wants a typed place we do not have;
- its cost is the `fees_description`, and "free" also a cost option of amount 0
  (`cost_options`);
- its category is a term of the program's own taxonomy of categories, linked by an attribute
  (`category_attribute`, `category_term`);
- its audiences are the `eligibility_description`, its last review the `assured_date`.

Ids: HSDS ids are UUIDs. Each is `uuid5(HSDS_NAMESPACE, name)` of a name that says what it
stands for (`resource:12`, `resource:12:phone:voice`, `program:1`), so an entry keeps its ids
from one answer to the next and a consumer can update what it ingested. The namespace is fixed
for good: changing it would change every id. Two installations give the same ids to their own
resource 12; a consumer of several programs tells them apart by the feed they came from.

What never goes out: anything but published resources and the program's name. Nothing about
encounters, supporters, users, or how often an entry was shared. Fields the data does not hold
are left out rather than sent as null: HSDS types them as strings and numbers, not nullable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NotRequired
from uuid import UUID, uuid5

from sqlmodel import Session, col, func, select
from typing_extensions import TypedDict  # pydantic (the route's schema) needs it on Python 3.11

from domain.codes import Cost, label
from domain.professions.models import Profession
from domain.program_settings.models import SETTINGS_ROW_ID
from domain.program_settings.service import get_program_settings
from domain.resources.models import Resource, is_web_address

# Fixed for good: every HSDS id of this export derives from it (see the module docstring).
HSDS_NAMESPACE = UUID("3a648097-710c-499f-8025-4ccd3f0cc57f")
HSDS_DEFAULT_PER_PAGE = 100
HSDS_MAX_PER_PAGE = 500
HSDS_MAX_PAGE = 1_000_000
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
CATEGORY_TAXONOMY_NAME = "Resource directory categories"


def hsds_id(name: str) -> str:
    """The HSDS id of the thing `name` stands for, the same in every answer."""
    return str(uuid5(HSDS_NAMESPACE, name))


class HsdsTaxonomy(TypedDict):
    id: str
    name: str
    description: str


class HsdsTaxonomyTerm(TypedDict):
    id: str
    code: str
    name: str
    description: str
    taxonomy: str
    taxonomy_id: str
    taxonomy_detail: HsdsTaxonomy


class HsdsAttribute(TypedDict):
    id: str
    link_id: str
    link_entity: str
    taxonomy_term_id: str
    taxonomy_term: HsdsTaxonomyTerm


class HsdsOrganization(TypedDict):
    id: str
    name: str
    description: str


class HsdsPhone(TypedDict):
    id: str
    service_id: str
    number: str
    type: str
    description: str


class HsdsSchedule(TypedDict):
    id: str
    service_id: str
    description: str
    freq: NotRequired[str]
    wkst: NotRequired[str]
    byday: NotRequired[str]
    opens_at: NotRequired[str]
    closes_at: NotRequired[str]
    notes: NotRequired[str]


class HsdsServiceArea(TypedDict):
    id: str
    service_id: str
    name: str


class HsdsCostOption(TypedDict):
    id: str
    service_id: str
    option: str
    amount: float


class HsdsService(TypedDict):
    id: str
    organization_id: str
    name: str
    description: str
    status: str
    url: NotRequired[str]
    email: NotRequired[str]
    fees_description: NotRequired[str]
    eligibility_description: NotRequired[str]
    assured_date: NotRequired[str]
    last_modified: str
    organization: HsdsOrganization
    phones: list[HsdsPhone]
    schedules: list[HsdsSchedule]
    service_areas: list[HsdsServiceArea]
    cost_options: list[HsdsCostOption]
    attributes: list[HsdsAttribute]


class HsdsServicePage(TypedDict):
    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[HsdsService]


@dataclass(frozen=True)
class HsdsPageRequest:
    page_number: int = 1
    per_page: int = HSDS_DEFAULT_PER_PAGE


def organization(program_name: str) -> HsdsOrganization:
    """The program: the one organization behind every service of the directory."""
    return {
        "id": hsds_id(f"program:{SETTINGS_ROW_ID}"),
        "name": program_name,
        "description": f"{program_name}, a peer support program for health care workers, "
        "and the resources its directory lists.",
    }


def phones(resource: Resource, service_id: str) -> list[HsdsPhone]:
    """Call and text numbers, typed as HSDS asks (RFC 6350: `voice`, `text` for SMS)."""
    found: list[HsdsPhone] = []
    if resource.phone:
        found.append(
            {
                "id": hsds_id(f"resource:{resource.id}:phone:voice"),
                "service_id": service_id,
                "number": resource.phone,
                "type": "voice",
                "description": "Call",
            }
        )
    if resource.text_number:
        found.append(
            {
                "id": hsds_id(f"resource:{resource.id}:phone:text"),
                "service_id": service_id,
                "number": resource.text_number,
                "type": "text",
                "description": "Text message (SMS)",
            }
        )
    return found


def schedules(resource: Resource, service_id: str) -> list[HsdsSchedule]:
    """Open 24/7 as a weekly rule on every day (the hours text, if any, as its notes); else the
    free-text hours as a schedule's description; none when the entry says nothing."""
    schedule_id = hsds_id(f"resource:{resource.id}:schedule")
    if resource.available_24_7:
        # No time zone: 00:00 to 23:59 on every day is the whole week in any zone.
        always: HsdsSchedule = {
            "id": schedule_id,
            "service_id": service_id,
            "description": "Open 24 hours a day, 7 days a week.",
            "freq": "WEEKLY",
            "wkst": "MO",
            "byday": EVERY_DAY,
            "opens_at": "00:00",
            "closes_at": "23:59",
        }
        if resource.hours:
            always["notes"] = resource.hours
        return [always]
    if resource.hours:
        return [{"id": schedule_id, "service_id": service_id, "description": resource.hours}]
    return []


def service_areas(resource: Resource, service_id: str) -> list[HsdsServiceArea]:
    """Where the entry says it is offered: free text, so only a free-text area name."""
    if not resource.location:
        return []
    return [
        {
            "id": hsds_id(f"resource:{resource.id}:service_area"),
            "service_id": service_id,
            "name": resource.location,
        }
    ]


def cost_options(resource: Resource, service_id: str) -> list[HsdsCostOption]:
    """Free is a cost option of amount 0; insurance and fees have no amount we know."""
    if resource.cost != Cost.free:
        return []
    return [
        {
            "id": hsds_id(f"resource:{resource.id}:cost_option"),
            "service_id": service_id,
            "option": label(Cost.free),
            "amount": 0,
        }
    ]


def category_term(resource: Resource, program_name: str) -> HsdsTaxonomyTerm:
    """The entry's category as a term of the program's own taxonomy (HSDS names no standard
    one for ours): its code is the category's code, its name the label people see."""
    taxonomy: HsdsTaxonomy = {
        "id": hsds_id("taxonomy:resource_category"),
        "name": CATEGORY_TAXONOMY_NAME,
        "description": f"The categories of the {program_name} resource directory.",
    }
    name = label(resource.category)
    return {
        "id": hsds_id(f"taxonomy:resource_category:{resource.category.value}"),
        "code": resource.category.value,
        "name": name,
        "description": f"Entries of the directory's “{name}” category.",
        "taxonomy": CATEGORY_TAXONOMY_NAME,
        "taxonomy_id": taxonomy["id"],
        "taxonomy_detail": taxonomy,
    }


def category_attribute(resource: Resource, service_id: str, program_name: str) -> HsdsAttribute:
    term = category_term(resource, program_name)
    return {
        "id": hsds_id(f"resource:{resource.id}:attribute:category"),
        "link_id": service_id,
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }


def eligibility(audience_codes: list[str], profession_names: dict[str, str]) -> str | None:
    """The professions an entry is meant for; none named means everyone (no description)."""
    if not audience_codes:
        return None
    names = [profession_names.get(code) or label(code) for code in audience_codes]
    return "Meant for: " + ", ".join(names) + "."


def safe_url(url: str | None) -> str | None:
    """Only web addresses go out; input validation already refuses anything else (an older row
    may still hold it)."""
    return url.strip() if url is not None and is_web_address(url) else None


def service(
    resource: Resource, program: HsdsOrganization, profession_names: dict[str, str]
) -> HsdsService:
    """A published resource as a fully nested HSDS service."""
    service_id = hsds_id(f"resource:{resource.id}")
    mapped: HsdsService = {
        "id": service_id,
        "organization_id": program["id"],
        "name": resource.title,
        "description": resource.description,
        "status": "active",
        "last_modified": resource.updated_at.isoformat(),
        "organization": program,
        "phones": phones(resource, service_id),
        "schedules": schedules(resource, service_id),
        "service_areas": service_areas(resource, service_id),
        "cost_options": cost_options(resource, service_id),
        "attributes": [category_attribute(resource, service_id, program["name"])],
    }
    if url := safe_url(resource.url):
        mapped["url"] = url
    if resource.email:
        mapped["email"] = resource.email
    if resource.cost is not None:
        mapped["fees_description"] = label(resource.cost)
    audiences = sorted(row.profession_code for row in resource.audience_rows)
    if described := eligibility(audiences, profession_names):
        mapped["eligibility_description"] = described
    if resource.last_reviewed_on is not None:
        mapped["assured_date"] = resource.last_reviewed_on.isoformat()
    return mapped


def hsds_services_page(*, session: Session, page: HsdsPageRequest) -> HsdsServicePage:
    """One page of the published directory as HSDS services, ordered by resource id.

    A constant number of queries, whatever the page holds: the settings, the count, the page of
    resources with their audiences (one `selectin` query), and the profession names."""
    program = organization(get_program_settings(session).program_name)
    published = col(Resource.published).is_(True)
    total = session.exec(select(func.count()).select_from(Resource).where(published)).one()
    rows = list(
        session.exec(
            select(Resource)
            .where(published)
            .order_by(col(Resource.id))
            .offset((page.page_number - 1) * page.per_page)
            .limit(page.per_page)
        )
    )
    profession_names = dict(session.exec(select(Profession.code, Profession.name)).all())
    contents = [service(row, program, profession_names) for row in rows]
    total_pages = math.ceil(total / page.per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page.page_number,
        "size": len(contents),
        "first_page": page.page_number == 1,
        "last_page": page.page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
