"""Finding resources: the one search behind the API's `q`, the supporter pages, the public
directory and the embed.

Rules (each has one function here):
- `find_resources`: published entries for everyone, drafts only for resource managers; crisis
  entries first, then by rank when there is a query, then by id. The cursor (`next_after`) carries
  that whole order, so paging never repeats or skips an entry.
- `nothing_found_message`: what to try when a search finds nothing.

Today's version is a placeholder over `list_resources`; the full-text search replaces it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from domain.actors import Actor
from domain.pagination import DEFAULT_LIMIT, PageRequest
from domain.resources.models import Resource
from domain.resources.service import ResourceFilters, list_resources


@dataclass(frozen=True)
class FoundResources:
    items: list[Resource]
    # The cursor key of the last item when there is a next page: opaque text for callers.
    next_after: str | None


def find_resources(
    *,
    session: Session,
    actor: Actor | None,
    filters: ResourceFilters,
    limit: int = DEFAULT_LIMIT,
    after: str | None = None,
) -> FoundResources:
    after_id = int(after) if after and after.isdigit() else None
    page = list_resources(
        session=session, actor=actor, filters=filters, page=PageRequest(limit, after_id)
    )
    next_after = str(page.next_after_id) if page.next_after_id is not None else None
    return FoundResources(items=page.items, next_after=next_after)


def nothing_found_message(filters: ResourceFilters) -> str:
    if filters.text:
        return (
            f"Nothing found for “{filters.text.strip()}”. Try fewer or shorter words, "
            "or another category."
        )
    return "Nothing in this category yet. Try all categories."
