"""The published directory as Open Referral HSDS 3.0 (`domain.resources.hsds` holds the
mapping and why the document has this shape): no sign-in, any origin, cacheable (ETag)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import SessionDep
from api.http_cache import PUBLIC_FEED_HEADERS, cacheable_answer
from api.v1.problems import errors
from domain.resources.hsds import (
    HSDS_DEFAULT_PER_PAGE,
    HSDS_MAX_PAGE,
    HSDS_MAX_PER_PAGE,
    HsdsPageRequest,
    HsdsServicePage,
    hsds_services_page,
)

router = APIRouter()
PageNumber = Annotated[
    int, Query(ge=1, le=HSDS_MAX_PAGE, description="page number, from 1 (HSDS `page`)")
]
PerPage = Annotated[
    int, Query(ge=1, le=HSDS_MAX_PER_PAGE, description="services per page (HSDS `per_page`)")
]
DESCRIPTION = """The published resource directory in the shape of Open Referral's Human
Services Data Specification 3.0: the page an HSDS API answers to `GET /services?full=true`,
each service fully nested with its organization (the program), phones, schedules, service areas,
cost options and its category as a taxonomy term. Ids are UUIDs that stay the same from one
answer to the next. Pages follow `page` and `per_page`; a `Link: <...>; rel="next"` header
points to the next one."""


@router.get(
    "/directory/hsds",
    tags=["directory"],
    summary="The published directory as HSDS 3.0 services: no sign-in, any origin, cacheable",
    description=DESCRIPTION,
    response_model=HsdsServicePage,
    responses={304: {"description": "Not modified"}, **errors(422)},
)
def directory_hsds_route(
    session: SessionDep,
    request: Request,
    page: PageNumber = 1,
    per_page: PerPage = HSDS_DEFAULT_PER_PAGE,
) -> Response:
    found = hsds_services_page(
        session=session, page=HsdsPageRequest(page_number=page, per_page=per_page)
    )
    headers = dict(PUBLIC_FEED_HEADERS)
    if not found["last_page"]:
        next_url = request.url.include_query_params(page=page + 1)
        headers["Link"] = f'<{next_url}>; rel="next"'
    body = json.dumps(found, ensure_ascii=False, separators=(",", ":")).encode()
    return cacheable_answer(request, body, media_type="application/json", headers=headers)
