"""The resource directory: curated by resource editors and coordinators, published entries
readable by everyone; an entry not reviewed for 12 months is due for review."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, or_, select

from domain.actors import RESOURCE_MANAGERS, Actor, may, require_role
from domain.audit.actions import AuditAction, field_changed
from domain.audit.service import record_audit_event
from domain.changes import changes_of
from domain.codes import ApiScope, ResourceCategory
from domain.columns import utcnow
from domain.encounters.models import EncounterResource
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.pagination import Page, PageRequest, page_from_rows
from domain.professions.models import Profession
from domain.program_settings.service import program_today
from domain.resources.crisis import remember_crisis_contacts
from domain.resources.models import (
    REVIEW_INTERVAL_MONTHS,
    Resource,
    ResourceAudience,
    ResourceCreate,
    ResourcePublic,
    ResourceUpdate,
    is_web_address,
)

NULLABLE_FIELDS = frozenset(
    {"phone", "text_number", "url", "email", "location", "hours", "cost", "last_reviewed_on"}
)


# "Crisis" means two lists, defined here side by side so they cannot drift apart:
# - PINNED_CATEGORIES come first in every listing of the directory (search, API, public page,
#   embed): someone in crisis scanning a list must meet a line they can call now.
# - CRISIS_CATEGORIES are what the crisis button's panel shows: the pinned lines and the
#   Employee Assistance Program. The EAP belongs in the panel (it is the employer's own
#   confidential help, often reachable around the clock) but is not pinned in lists: it is
#   not a line for an acute crisis, and pinning it would push what was searched for down.
PINNED_CATEGORIES = (ResourceCategory.crisis_line, ResourceCategory.peer_support_line)
CRISIS_CATEGORIES = (*PINNED_CATEGORIES, ResourceCategory.eap)


@dataclass(frozen=True)
class ResourceFilters:
    category: ResourceCategory | None = None
    audience: str | None = None
    text: str | None = None  # words to search for: only `find_resources` reads it
    include_unpublished: bool = False
    # Status filters (curation): only published (True) or only unpublished (False) entries;
    # only entries due for review on `today` (default: today's UTC date).
    published: bool | None = None
    due_for_review: bool = False
    today: date | None = None


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month_index = divmod(index, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


def review_cutoff(today: date | None = None) -> date:
    """An entry last reviewed on this day or before is due for review."""
    return months_before(today or utcnow().date(), REVIEW_INTERVAL_MONTHS)


def is_due_for_review(resource: Resource, today: date | None = None) -> bool:
    """Never reviewed, or last reviewed 12 months ago or more."""
    return review_is_due(resource.last_reviewed_on, today)


def review_is_due(last_reviewed_on: date | None, today: date | None = None) -> bool:
    """`is_due_for_review` for a list's plain row."""
    return last_reviewed_on is None or last_reviewed_on <= review_cutoff(today)


def due_for_review_clause(today: date | None = None) -> Any:
    """`is_due_for_review` as a WHERE clause, for lists and counts."""
    return or_(
        col(Resource.last_reviewed_on).is_(None),
        col(Resource.last_reviewed_on) <= review_cutoff(today),
    )


def to_public(resource: Resource) -> ResourcePublic:
    assert resource.id is not None
    return ResourcePublic(
        **resource.model_dump(
            exclude={"created_at", "updated_at", "keywords", "search_terms", "url"}
        ),
        # An address stored before the web-address rule (or past the service) is left out:
        # the JSON feeds are read by other sites, which may turn any `url` into a link.
        url=resource.url if is_web_address(resource.url) else None,
        keywords=list(resource.keywords),
        audiences=sorted(row.profession_code for row in resource.audience_rows),
        due_for_review=is_due_for_review(resource),
    )


def resource_filter_clauses(actor: Actor | None, filters: ResourceFilters) -> list[Any]:
    """WHERE clauses for the filters other than text: published entries for everyone (no actor
    needed), drafts only for resource managers; a category; an audience (entries for everyone
    and entries that name this profession)."""
    clauses: list[Any] = []
    if filters.include_unpublished:
        require_role(
            actor or Actor("anonymous"),
            *RESOURCE_MANAGERS,
            to="see unpublished resources",
            scope=ApiScope.resources_read,
        )
    else:
        clauses.append(col(Resource.published).is_(True))
    if filters.published is not None:
        clauses.append(col(Resource.published).is_(filters.published))
    if filters.due_for_review:
        clauses.append(due_for_review_clause(filters.today))
    if filters.category:
        clauses.append(Resource.category == filters.category)
    if filters.audience:
        named = select(ResourceAudience.resource_id).where(
            ResourceAudience.profession_code == filters.audience
        )
        anyone = select(ResourceAudience.resource_id)
        clauses.append(or_(col(Resource.id).in_(named), col(Resource.id).not_in(anyone)))
    return clauses


def list_resources(
    *, session: Session, actor: Actor | None, filters: ResourceFilters, page: PageRequest
) -> Page[Resource]:
    """Entries by id, for lists that page by id (curation, the log form's choices). A text
    search is `domain.resources.search.find_resources`: it ranks and pins, this does not."""
    if filters.text:
        raise ValueError("list_resources does not search text; use find_resources")
    query = (
        select(Resource)
        .where(*resource_filter_clauses(actor, filters))
        .order_by(col(Resource.id))
        .limit(page.limit + 1)
    )
    if page.after_id is not None:
        query = query.where(col(Resource.id) > page.after_id)
    return page_from_rows(list(session.exec(query)), page, lambda row: row.id)


def get_resource(*, session: Session, actor: Actor | None, resource_id: int) -> Resource:
    return _visible(actor, session.get(Resource, resource_id), resource_id)


def _locked_resource(*, session: Session, actor: Actor, resource_id: int) -> Resource:
    """The entry as last committed, locked until this unit of work ends (FOR UPDATE on
    PostgreSQL; SQLite's units of work already run one at a time, from BEGIN IMMEDIATE), with
    `get_resource`'s visibility rule. Every change reads the entry this way, so two editors'
    changes run one after the other and each compares against what the other stored; an entry
    deleted meanwhile is `NotFound`."""
    resource = session.get(Resource, resource_id, with_for_update=True, populate_existing=True)
    return _visible(actor, resource, resource_id)


def _visible(actor: Actor | None, resource: Resource | None, resource_id: int) -> Resource:
    """Published entries for everyone; drafts only for resource managers and API writers."""
    may_see_drafts = actor is not None and (
        may(actor, *RESOURCE_MANAGERS, scope=ApiScope.resources_read)
        or actor.has_scope(ApiScope.resources_write)  # writers edit the drafts they add
    )
    if resource is None or (not resource.published and not may_see_drafts):
        raise NotFound(f"There is no resource {resource_id}.")
    return resource


def _require_professions(session: Session, codes: list[str]) -> None:
    if not codes:
        return
    known = set(session.exec(select(Profession.code).where(col(Profession.code).in_(codes))))
    unknown = sorted(set(codes) - known)
    if unknown:
        raise InvalidInput(f"{unknown[0]!r} is not a profession code.", field="audiences")


def _scalar_fields(values: dict[str, Any]) -> dict[str, Any]:
    scalars = {k: v for k, v in values.items() if k != "audiences"}
    if scalars.get("url") is not None:
        scalars["url"] = str(scalars["url"])
    return scalars


CRISIS_ENTRY_NEEDS_A_NUMBER = (
    "A crisis line, peer support line or EAP is published with a phone or text number: the "
    "crisis button offers it to call or text. Add one, or keep the entry unpublished."
)


def require_number_in_crisis_panel(
    *, published: bool, category: ResourceCategory, phone: str | None, text_number: str | None
) -> None:
    """A published entry of a crisis-panel category (`CRISIS_CATEGORIES`) has a phone or text
    number: the crisis button lists it for a person in distress to call, and an entry with
    nothing to call would cost them a tap they cannot spare. Checked on the state an add or a
    change would leave, before anything is written."""
    if published and category in CRISIS_CATEGORIES and not (phone or text_number):
        raise InvalidInput(CRISIS_ENTRY_NEEDS_A_NUMBER, field="phone")


def create_resource(*, session: Session, actor: Actor, data: ResourceCreate) -> Resource:
    require_role(actor, *RESOURCE_MANAGERS, to="add resources", scope=ApiScope.resources_write)
    require_number_in_crisis_panel(
        published=data.published, category=data.category, phone=data.phone,
        text_number=data.text_number,
    )  # fmt: skip
    _require_professions(session, data.audiences)
    resource = Resource(**_scalar_fields(data.model_dump()))
    resource.audience_rows = [
        ResourceAudience(profession_code=c) for c in sorted(set(data.audiences))
    ]
    session.add(resource)
    session.flush()
    _audit(session, actor, AuditAction.resource_create, resource_id=resource.id)
    return resource


def _audit(session: Session, actor: Actor, action: str, *, resource_id: int | None) -> None:
    record_audit_event(
        session=session, actor=actor, action=action, object_type="resource", object_id=resource_id
    )


def _audiences_of(resource: Resource) -> list[str]:
    return sorted(row.profession_code for row in resource.audience_rows)


def update_resource(
    *, session: Session, actor: Actor, resource_id: int, data: ResourceUpdate
) -> Resource:
    """Only what differs from the stored entry is written and audited (one event per field);
    nothing differing leaves the entry, `updated_at` included, as it was."""
    require_role(actor, *RESOURCE_MANAGERS, to="change resources", scope=ApiScope.resources_write)
    resource = _locked_resource(session=session, actor=actor, resource_id=resource_id)
    changes = changes_of(data, nullable=NULLABLE_FIELDS)
    require_number_in_crisis_panel(
        **{
            name: changes.get(name, getattr(resource, name))
            for name in ("published", "category", "phone", "text_number")
        }
    )
    changed: list[str] = []
    audiences = sorted(set(changes.get("audiences") or []))
    if "audiences" in changes and audiences != _audiences_of(resource):
        _require_professions(session, audiences)
        resource.audience_rows = [
            ResourceAudience(resource_id=resource_id, profession_code=c) for c in audiences
        ]
        changed.append("audiences")
    for name, value in _scalar_fields(changes).items():
        if getattr(resource, name) == value:
            continue
        setattr(resource, name, value)
        changed.append(name)
    if not changed:
        return resource
    for name in changed:
        _audit(session, actor, field_changed("resource", name), resource_id=resource_id)
    resource.updated_at = utcnow()
    session.add(resource)
    session.flush()
    return resource


def mark_reviewed(*, session: Session, actor: Actor, resource_id: int) -> Resource:
    require_role(actor, *RESOURCE_MANAGERS, to="review resources", scope=ApiScope.resources_write)
    resource = _locked_resource(session=session, actor=actor, resource_id=resource_id)
    # The editor's "today": the program's date, as the new-entry form's default review date.
    resource.last_reviewed_on = program_today(session)
    resource.updated_at = utcnow()
    session.add(resource)
    session.flush()
    _audit(session, actor, AuditAction.resource_review, resource_id=resource_id)
    return resource


def delete_resource(*, session: Session, actor: Actor, resource_id: int) -> None:
    """Entries shared in encounters stay for the record: unpublish those instead."""
    require_role(actor, *RESOURCE_MANAGERS, to="delete resources", scope=ApiScope.resources_write)
    # Locked: of two deletes at once, the second finds no entry (404), not a second delete.
    resource = _locked_resource(session=session, actor=actor, resource_id=resource_id)
    shared = session.exec(
        select(EncounterResource.resource_id).where(EncounterResource.resource_id == resource_id)
    ).first()
    if shared is not None:
        raise RuleViolation("This resource was shared in encounters; unpublish it instead.")
    session.delete(resource)
    session.flush()
    _audit(session, actor, AuditAction.resource_delete, resource_id=resource_id)


def crisis_resources(session: Session) -> list[Resource]:
    """What the crisis button shows, also to people not signed in: the published crisis lines,
    peer support lines and the EAP, in that order. The list is also kept for pages answered
    while the database is away (`domain.resources.crisis`)."""
    rows = session.exec(
        select(Resource).where(
            col(Resource.published).is_(True), col(Resource.category).in_(CRISIS_CATEGORIES)
        )
    )
    resources = sorted(rows, key=lambda r: (CRISIS_CATEGORIES.index(r.category), r.id or 0))
    remember_crisis_contacts(resources)
    return resources
