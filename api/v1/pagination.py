"""Cursor pagination for every list: `limit` (default 50, at most 200) and an opaque `cursor`;
the next cursor comes in the body and in a `Link: <...>; rel="next"` header."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel

from domain.errors import InvalidInput
from domain.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest

ItemT = TypeVar("ItemT")
CURSOR_PREFIX = "after:"


class PageOut(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next: str | None = None


def encode_cursor(after: int | str) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{after}".encode()).decode().rstrip("=")


def decode_cursor_key(cursor: str) -> str:
    """The key a cursor continues after (an id, or a code for lists ordered by code)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    key = text.removeprefix(CURSOR_PREFIX)
    if not text.startswith(CURSOR_PREFIX) or not key or not key.isprintable():
        raise _foreign_cursor()
    return key


def _foreign_cursor() -> InvalidInput:
    return InvalidInput("This cursor is not one this API gave out.", field="cursor")


def decode_cursor(cursor: str) -> int:
    key = decode_cursor_key(cursor)
    if not (key.isascii() and key.isdigit()) or len(key) > 18:
        raise _foreign_cursor()
    return int(key)


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=64, description="from `next`")] = None,
) -> PageRequest:
    return PageRequest(limit=limit, after_id=decode_cursor(cursor) if cursor else None)


@dataclass(frozen=True)
class KeyPageRequest:
    """A page of a list ordered by more than an id (the directory's search): the key to
    continue after is text that the domain reads (and refuses, naming `cursor`, when foreign)."""

    limit: int = DEFAULT_LIMIT
    after: str | None = None


def key_page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=64, description="from `next`")] = None,
) -> KeyPageRequest:
    return KeyPageRequest(limit=limit, after=decode_cursor_key(cursor) if cursor else None)


def page_out(
    items: list[ItemT], next_after: int | str | None, request: Request, response: Response
) -> PageOut[ItemT]:
    """The body of a list answer; sets the `Link` header when there is a next page."""
    if next_after is None:
        return PageOut(items=items, next=None)
    cursor = encode_cursor(next_after)
    next_url = request.url.include_query_params(cursor=cursor)
    response.headers["Link"] = f'<{next_url}>; rel="next"'
    return PageOut(items=items, next=cursor)
