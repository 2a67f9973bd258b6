"""The resource directory's curation list (resource editors and coordinators): every entry with
its review status. Read-only for now: the directory work brings the editing pages; until then
entries change through the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from domain.columns import utcnow
from domain.pagination import PageRequest
from domain.resources.service import ResourceFilters, is_due_for_review, list_resources
from domain.types import MAX_ROW_ID
from web.pages.common import page
from web.session import SignedInVisitor

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100


@router.get("/curation", response_class=HTMLResponse)
def curation(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    after: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    listed = list_resources(
        session=session, actor=visitor.actor, filters=ResourceFilters(include_unpublished=True),
        page=PageRequest(PAGE_SIZE, after),
    )  # fmt: skip
    today = utcnow().date()
    rows = [(resource, is_due_for_review(resource, today)) for resource in listed.items]
    return page(
        request, session, visitor, "curation.html", active="curation", rows=rows,
        next_after=listed.next_after_id,
        due_count=sum(1 for resource, due in rows if due and resource.published),
    )  # fmt: skip
