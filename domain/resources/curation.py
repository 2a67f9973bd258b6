"""The curation list (resource editors and coordinators): every entry with its review status.

Rules (each has one function here):
- `require_curator`: only resource editors and coordinators curate the directory.
- `matches_status`: an entry is published or unpublished, and due for review when never
  reviewed or last reviewed 12 months ago or more (`service.is_due_for_review`).
- `status_counts`: how many entries hold each status, in one query.
- `curation_page`: a page of plain rows of one status and category, by id. A search goes
  through `search.find_resources`, the one search, and keeps the rows of the chosen status; its
  cursor is the search's own, so pages never repeat or skip an entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from domain.actors import RESOURCE_MANAGERS, Actor, require_role
from domain.codes import ResourceCategory
from domain.columns import utcnow
from domain.resources.models import Resource
from domain.resources.search import find_resources
from domain.resources.service import (
    ResourceFilters,
    due_for_review_clause,
    is_due_for_review,
    review_is_due,
)

# A search whose matches are mostly of another status reads at most this many pages of it
# before offering the next page, so one request stays short.
MAX_SEARCH_ROUNDS = 5


class CurationStatus(StrEnum):
    all = "all"
    published = "published"
    unpublished = "unpublished"
    due = "due"


STATUS_NAMES = {
    CurationStatus.all: "All",
    CurationStatus.published: "Published",
    CurationStatus.unpublished: "Unpublished",
    CurationStatus.due: "Due for review",
}


@dataclass(frozen=True)
class CurationRow:
    """What a row of the list shows: a read model, not the entry itself."""

    id: int
    title: str
    category: ResourceCategory
    published: bool
    last_reviewed_on: date | None
    due_for_review: bool


@dataclass(frozen=True)
class StatusCounts:
    all: int
    published: int
    unpublished: int
    due: int

    def of(self, status: CurationStatus) -> int:
        return int(getattr(self, status.value))


@dataclass(frozen=True)
class CurationPage:
    rows: list[CurationRow]
    # Opaque text for the next page's `after`, or None on the last page.
    next_after: str | None


def require_curator(actor: Actor) -> None:
    require_role(actor, *RESOURCE_MANAGERS, to="curate the resource directory")


def matches_status(resource: Resource, status: CurationStatus, today: date) -> bool:
    if status is CurationStatus.published:
        return resource.published
    if status is CurationStatus.unpublished:
        return not resource.published
    if status is CurationStatus.due:
        return is_due_for_review(resource, today)
    return True


def _status_clause(status: CurationStatus, today: date) -> Any:
    if status is CurationStatus.published:
        return col(Resource.published).is_(True)
    if status is CurationStatus.unpublished:
        return col(Resource.published).is_(False)
    if status is CurationStatus.due:
        return due_for_review_clause(today)
    return None


def status_counts(*, session: Session, actor: Actor) -> StatusCounts:
    require_curator(actor)
    today = utcnow().date()
    published = col(Resource.published).is_(True)
    query = select(
        func.count(),
        func.count(col(Resource.id)).filter(published),
        func.count(col(Resource.id)).filter(due_for_review_clause(today)),
    ).select_from(Resource)
    total, published_count, due = session.exec(query).one()
    return StatusCounts(
        all=total, published=published_count, unpublished=total - published_count, due=due
    )


def _row(resource: Resource, today: date) -> CurationRow:
    assert resource.id is not None
    return CurationRow(
        id=resource.id,
        title=resource.title,
        category=resource.category,
        published=resource.published,
        last_reviewed_on=resource.last_reviewed_on,
        due_for_review=is_due_for_review(resource, today),
    )


def curation_page(
    *,
    session: Session,
    actor: Actor,
    status: CurationStatus = CurationStatus.all,
    category: ResourceCategory | None = None,
    text: str | None = None,
    limit: int,
    after: str | None = None,
) -> CurationPage:
    require_curator(actor)
    today = utcnow().date()
    if text and text.strip():
        return _searched_page(
            session=session, actor=actor, status=status, category=category, text=text.strip(),
            limit=limit, after=after, today=today,
        )  # fmt: skip
    query = sa.select(
        col(Resource.id), col(Resource.title), col(Resource.category), col(Resource.published),
        col(Resource.last_reviewed_on),
    ).order_by(col(Resource.id)).limit(limit + 1)  # fmt: skip
    clause = _status_clause(status, today)
    if clause is not None:
        query = query.where(clause)
    if category is not None:
        query = query.where(col(Resource.category) == category)
    after_id = int(after) if after and after.isascii() and after.isdigit() else None
    if after_id is not None:
        query = query.where(col(Resource.id) > after_id)
    found = session.execute(query).all()
    rows = [
        CurationRow(id_, title, category_, published, reviewed, review_is_due(reviewed, today))
        for id_, title, category_, published, reviewed in found[:limit]
    ]
    next_after = str(rows[-1].id) if len(found) > limit and rows else None
    return CurationPage(rows=rows, next_after=next_after)


def _searched_page(
    *,
    session: Session,
    actor: Actor,
    status: CurationStatus,
    category: ResourceCategory | None,
    text: str,
    limit: int,
    after: str | None,
    today: date,
) -> CurationPage:
    """Pages of the search, kept to the chosen status. Each round asks for no more than the
    rows still missing, so every row read is either shown or passed over by its status, and
    the search's cursor after the round is where the next page starts."""
    filters = ResourceFilters(category=category, text=text, include_unpublished=True)
    rows: list[CurationRow] = []
    cursor = after
    for _ in range(MAX_SEARCH_ROUNDS):
        found = find_resources(
            session=session, actor=actor, filters=filters, limit=limit - len(rows), after=cursor
        )
        rows.extend(_row(r, today) for r in found.items if matches_status(r, status, today))
        cursor = found.next_after
        if cursor is None or len(rows) >= limit:
            break
    return CurationPage(rows=rows, next_after=cursor)
