"""The curation list (resource editors and coordinators): every entry with its review status.

Rules (each has one function here):
- `require_curator`: only resource editors and coordinators curate the directory.
- Statuses: an entry is published or unpublished, and due for review when never reviewed or
  last reviewed 12 months ago or more (`service.is_due_for_review`) on `today` (default: the
  UTC date).
- `status_counts`: how many entries hold each status, in one query.
- `curation_page`: a page of plain rows of one status and category, by id, after the id
  `after` (ASCII digits naming a possible row id, else `InvalidInput` on `after`). A search
  goes through `search.find_resources`, the one search, with the status as one of its filters:
  one query per page, and its cursor is the search's own, so pages never repeat or skip an
  entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from domain.actors import RESOURCE_MANAGERS, Actor, require_role
from domain.codes import ResourceCategory
from domain.columns import utcnow
from domain.errors import InvalidInput
from domain.resources.models import Resource
from domain.resources.search import find_resources
from domain.resources.service import (
    ResourceFilters,
    due_for_review_clause,
    is_due_for_review,
    review_is_due,
)
from domain.types import MAX_ROW_ID

ROW_ID_TEXT = re.compile(r"[0-9]{1,10}")


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


def _status_clause(status: CurationStatus, today: date) -> Any:
    if status is CurationStatus.published:
        return col(Resource.published).is_(True)
    if status is CurationStatus.unpublished:
        return col(Resource.published).is_(False)
    if status is CurationStatus.due:
        return due_for_review_clause(today)
    return None


def status_counts(*, session: Session, actor: Actor, today: date | None = None) -> StatusCounts:
    require_curator(actor)
    today = today or utcnow().date()
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
    today: date | None = None,
) -> CurationPage:
    require_curator(actor)
    today = today or utcnow().date()
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
    if after:
        query = query.where(col(Resource.id) > parse_after(after))
    found = session.execute(query).all()
    rows = [
        CurationRow(id_, title, category_, published, reviewed, review_is_due(reviewed, today))
        for id_, title, category_, published, reviewed in found[:limit]
    ]
    next_after = str(rows[-1].id) if len(found) > limit and rows else None
    return CurationPage(rows=rows, next_after=next_after)


def parse_after(after: str) -> int:
    """The id a plain page continues after: ASCII digits naming a possible row id (1 to
    `MAX_ROW_ID`); anything else was never given out by this list."""
    if ROW_ID_TEXT.fullmatch(after) is None or not 1 <= int(after) <= MAX_ROW_ID:
        raise InvalidInput("This page link is not one this list gave out.", field="after")
    return int(after)


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
    """A page of the search, the status one of its filters: one query, and the search's own
    cursor."""
    filters = ResourceFilters(
        category=category,
        text=text,
        include_unpublished=True,
        published={CurationStatus.published: True, CurationStatus.unpublished: False}.get(status),
        due_for_review=status is CurationStatus.due,
        today=today,
    )
    found = find_resources(session=session, actor=actor, filters=filters, limit=limit, after=after)
    return CurationPage(rows=[_row(r, today) for r in found.items], next_after=found.next_after)
