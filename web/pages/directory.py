"""The public resource directory `/directory`: no sign-in, the same bytes for everyone (the session
is never read), so shared caches may keep it and `If-None-Match` gets a 304.

Search as you type (htmx asks for the `results` block and pushes the address), filters by
category and audience, crisis entries pinned first and the order of the search
(`domain.resources.search.find_resources`), a "More" link carrying the cursor, and "nothing found,
try ..." from `nothing_found_message`. The embed (web/pages/embed.py) reads its address the same
way (`read_directory_query`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import SessionDep
from api.http_cache import cacheable_answer
from domain.codes import ResourceCategory
from domain.errors import InvalidInput
from domain.professions.models import Profession
from domain.professions.service import list_professions
from domain.resources.models import MAX_SEARCH_TEXT_LENGTH
from domain.resources.search import FoundResources, find_resources, nothing_found_message
from domain.resources.service import ResourceFilters
from domain.schemas import control_characters_problem
from web.pages.common import page
from web.rendering import VARY_ON_HTMX

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
MAX_CURSOR_LENGTH = 200
# An HTML page: revalidated after a minute (cheap with the ETag), so an edit shows quickly.
DIRECTORY_CACHE_CONTROL = "public, max-age=60"
THEMES = ("light", "dark")
BAD_CURSOR = "This link to a next page is not valid. Start from the first page."


@dataclass(frozen=True)
class DirectoryQuery:
    """What a directory address asks for: `q` as typed (shown again in the search box, even
    when it is wrong) and the filters made of what was right."""

    q: str = ""
    category: str = ""
    audience: str = ""
    after: str | None = None
    theme: str = "light"
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def search_text(self) -> str:
        """The text searched for: the typed text, or nothing when it is wrong."""
        return "" if "q" in self.errors else self.q

    @property
    def filters(self) -> ResourceFilters:
        return ResourceFilters(
            category=ResourceCategory(self.category) if self.category else None,
            audience=self.audience or None,
            text=self.search_text or None,
        )

    def address(self, path: str, **changes: str | None) -> str:
        """`path` with this query's filters (and `changes`), the empty ones left out."""
        params = {
            "q": self.search_text,
            "category": self.category,
            "audience": self.audience,
            **changes,
        }
        kept = {name: value for name, value in params.items() if value}
        return f"{path}?{urlencode(kept)}" if kept else path


def read_search_text(typed: str) -> tuple[str, str | None]:
    """The search box's text with every run of whitespace (a tab, a line break, a non-breaking
    space) one plain space, and what is wrong with it. The API's rules (`q` of
    `GET /api/v1/directory`): no control characters (`domain.schemas`), at most
    `MAX_SEARCH_TEXT_LENGTH` characters; anything else printable is searched for, a soft
    hyphen too."""
    text = " ".join(typed.split())
    if problem := control_characters_problem(typed):
        return text, problem.capitalize() + "."
    if len(text) > MAX_SEARCH_TEXT_LENGTH:
        return text, f"Search for at most {MAX_SEARCH_TEXT_LENGTH} characters."
    return text, None


def read_directory_query(
    request: Request, professions: list[Profession], *, with_theme: bool = False
) -> DirectoryQuery:
    """The address's `q`, `category`, `audience`, `after` (and `theme`), each checked; what is
    wrong is in `errors` by parameter (then the filters hold only what was right)."""
    params = request.query_params
    errors: dict[str, str] = {}
    q, q_problem = read_search_text(params.get("q", ""))
    if q_problem:
        errors["q"] = q_problem
    category = params.get("category", "")
    if category and category not in set(ResourceCategory):
        errors["category"] = "Choose a category from the list."
        category = ""
    audience = params.get("audience", "")
    if audience and audience not in {profession.code for profession in professions}:
        errors["audience"] = "Choose a profession from the list."
        audience = ""
    after = params.get("after") or None
    if after is not None and (
        len(after) > MAX_CURSOR_LENGTH
        or not after.isascii()
        or control_characters_problem(after) is not None
    ):
        errors["after"] = BAD_CURSOR
        after = None
    theme = params.get("theme", "") or "light"
    if with_theme and theme not in THEMES:
        errors["theme"] = "The theme is light or dark."
        theme = "light"
    return DirectoryQuery(
        q=q, category=category, audience=audience, after=after, theme=theme, errors=errors
    )


def search_directory(
    session: Session, query: DirectoryQuery
) -> tuple[FoundResources, dict[str, str]]:
    """One page of published entries, and what is wrong with the address: a cursor the search
    does not know (another order, an old link) is, and the first page is shown instead."""
    try:
        found = find_resources(
            session=session, actor=None, filters=query.filters, limit=PAGE_SIZE, after=query.after
        )
    except InvalidInput:
        found = find_resources(session=session, actor=None, filters=query.filters, limit=PAGE_SIZE)
        return found, {**query.errors, "after": BAD_CURSOR}
    return found, query.errors


def directory_context(
    session: Session,
    query: DirectoryQuery,
    professions: list[Profession],
    path: str,
    *,
    theme: str | None = None,
) -> dict[str, Any]:
    """What the directory's templates show (`errors`: what is wrong with the address); `theme`
    is carried in the embed's links."""
    found, errors = search_directory(session, query)
    next_after = found.next_after
    return {
        "query": query,
        "errors": errors,
        "resources": found.items,
        "nothing_found": nothing_found_message(query.filters),
        "more_address": query.address(path, after=next_after, theme=theme) if next_after else None,
        "first_address": query.address(path, theme=theme) if query.after else None,
        "categories": list(ResourceCategory),
        "professions": professions,
    }


@router.get("/directory")
def directory(request: Request, session: SessionDep) -> Response:
    professions = list_professions(session=session)
    query = read_directory_query(request, professions)
    context = directory_context(session, query, professions, "/directory")
    if context["errors"]:
        return page(
            request, session, None, "directory.html", status_code=422, block="results",
            headers={"Vary": VARY_ON_HTMX, "Cache-Control": "no-store"}, **context,
        )  # fmt: skip
    rendered = page(request, session, None, "directory.html", block="results", **context)
    return cacheable_answer(
        request,
        bytes(rendered.body),
        media_type="text/html; charset=utf-8",
        cache_control=DIRECTORY_CACHE_CONTROL,
        headers={"Vary": VARY_ON_HTMX},
    )
