"""Keyset pagination: a stable order by id, a limit, and the id to continue after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after_id: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_after_id: int | None


def page_from_rows(
    rows: list[T], request: PageRequest, id_of: Callable[[T], int | None]
) -> Page[T]:
    """`rows` was fetched with limit + 1; the extra row only tells that there is more."""
    if len(rows) > request.limit:
        items = rows[: request.limit]
        return Page(items=items, next_after_id=id_of(items[-1]))
    return Page(items=rows, next_after_id=None)
