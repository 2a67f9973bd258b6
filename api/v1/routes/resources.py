"""The resource directory: curated by resource editors and coordinators; `GET /directory` is
the public, cacheable, embeddable view of what is published."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import SessionDep
from api.http_cache import PUBLIC_FEED_HEADERS, cacheable_answer
from api.v1.deps import CurrentActor, KeyPageDep
from api.v1.idempotency import IdempotencyKey, create_once, idempotent_creation_responses
from api.v1.pagination import PageOut, page_out
from api.v1.problems import errors
from domain.codes import ResourceCategory
from domain.resources.models import (
    MAX_SEARCH_TEXT_LENGTH,
    ResourceCreate,
    ResourcePublic,
    ResourceUpdate,
)
from domain.resources.search import find_resources
from domain.resources.service import (
    ResourceFilters,
    create_resource,
    delete_resource,
    get_resource,
    to_public,
    update_resource,
)
from domain.types import MAX_ROW_ID

router = APIRouter()
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
AudienceQuery = Annotated[str | None, Query(max_length=60, description="a profession code")]
TextQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_SEARCH_TEXT_LENGTH,
        description="words, in any order, each the start of a word in the title, keywords,"
        " category or description; crisis lines first, then title matches",
    ),
]


@router.get(
    "/resources",
    tags=["resources"],
    summary="List resources (drafts too, for resource editors and coordinators)",
    response_model=PageOut[ResourcePublic],
    responses=errors(401, 403, 422),
)
def list_resources_route(
    actor: CurrentActor,
    session: SessionDep,
    page: KeyPageDep,
    request: Request,
    response: Response,
    category: ResourceCategory | None = None,
    audience: AudienceQuery = None,
    q: TextQuery = None,
    include_unpublished: bool = False,
) -> PageOut[ResourcePublic]:
    filters = ResourceFilters(
        category=category, audience=audience, text=q, include_unpublished=include_unpublished
    )
    result = find_resources(
        session=session, actor=actor, filters=filters, limit=page.limit, after=page.after
    )
    items = [to_public(row) for row in result.items]
    return page_out(items, result.next_after, request, response)


@router.get(
    "/resources/{resource_id}",
    tags=["resources"],
    summary="Read a resource",
    response_model=ResourcePublic,
    responses=errors(401, 404, 422),
)
def read_resource_route(
    actor: CurrentActor, session: SessionDep, resource_id: IdPath
) -> ResourcePublic:
    return to_public(get_resource(session=session, actor=actor, resource_id=resource_id))


@router.post(
    "/resources",
    tags=["resources"],
    summary="Add a resource",
    status_code=201,
    response_model=ResourcePublic,
    responses=idempotent_creation_responses(401, 403, 422),
)
def create_resource_route(
    actor: CurrentActor,
    session: SessionDep,
    data: ResourceCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def create() -> ResourcePublic:
        return to_public(create_resource(session=session, actor=actor, data=data))

    return create_once(
        session, actor, key=idempotency_key, route="/resources", data=data, create=create
    )


@router.patch(
    "/resources/{resource_id}",
    tags=["resources"],
    summary="Change a resource",
    response_model=ResourcePublic,
    responses=errors(401, 403, 404, 422),
)
def update_resource_route(
    actor: CurrentActor, session: SessionDep, resource_id: IdPath, data: ResourceUpdate
) -> ResourcePublic:
    resource = update_resource(session=session, actor=actor, resource_id=resource_id, data=data)
    return to_public(resource)


@router.delete(
    "/resources/{resource_id}",
    tags=["resources"],
    summary="Delete a resource never shared in an encounter (else unpublish it)",
    status_code=204,
    responses=errors(401, 403, 404, 409, 422),
)
def delete_resource_route(
    actor: CurrentActor, session: SessionDep, resource_id: IdPath
) -> Response:
    delete_resource(session=session, actor=actor, resource_id=resource_id)
    return Response(status_code=204)


@router.get(
    "/directory",
    tags=["directory"],
    summary="The published directory: no sign-in, any origin, cacheable (ETag)",
    response_model=PageOut[ResourcePublic],
    responses={304: {"description": "Not modified"}, **errors(422)},
)
def directory_route(
    session: SessionDep,
    page: KeyPageDep,
    request: Request,
    category: ResourceCategory | None = None,
    audience: AudienceQuery = None,
    q: TextQuery = None,
) -> Response:
    filters = ResourceFilters(category=category, audience=audience, text=q)
    result = find_resources(
        session=session, actor=None, filters=filters, limit=page.limit, after=page.after
    )
    links = Response()
    listing = page_out([to_public(r) for r in result.items], result.next_after, request, links)
    extra = dict(PUBLIC_FEED_HEADERS)
    if "link" in links.headers:
        extra["Link"] = links.headers["link"]
    return cacheable_answer(
        request, listing.model_dump_json().encode(), media_type="application/json", headers=extra
    )
