"""API clients (admins): the secret is shown once, at creation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.deps import SessionDep
from api.v1.deps import CurrentActor, PageDep
from api.v1.pagination import PageOut, page_out
from api.v1.problems import errors
from domain.api_clients.models import (
    ApiClient,
    ApiClientCreate,
    ApiClientCreated,
    ApiClientPublic,
    ApiClientUpdate,
)
from domain.api_clients.service import (
    create_api_client,
    get_api_client,
    list_api_clients,
    revoke_api_client,
    update_api_client,
)
from domain.types import MAX_ROW_ID

router = APIRouter(tags=["api clients"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def client_public(client: ApiClient) -> ApiClientPublic:
    return ApiClientPublic.model_validate(
        client.model_dump() | {"scopes": sorted(client.scopes), "active": client.active}
    )


@router.post(
    "/api-clients",
    summary="Create an API client; the answer holds its secret, shown this once",
    status_code=201,
    response_model=ApiClientCreated,
    responses=errors(401, 403, 409, 422),
)
def create_api_client_route(
    actor: CurrentActor, session: SessionDep, data: ApiClientCreate, response: Response
) -> ApiClientCreated:
    client, secret = create_api_client(session=session, actor=actor, data=data)
    response.headers["Cache-Control"] = "no-store"
    return ApiClientCreated.model_validate(
        client_public(client).model_dump() | {"client_secret": secret}
    )


@router.get(
    "/api-clients",
    summary="List API clients",
    response_model=PageOut[ApiClientPublic],
    responses=errors(401, 403, 422),
)
def list_api_clients_route(
    actor: CurrentActor, session: SessionDep, page: PageDep, request: Request, response: Response
) -> PageOut[ApiClientPublic]:
    result = list_api_clients(session=session, actor=actor, page=page)
    items = [client_public(client) for client in result.items]
    return page_out(items, result.next_after_id, request, response)


@router.get(
    "/api-clients/{api_client_id}",
    summary="Read an API client",
    response_model=ApiClientPublic,
    responses=errors(401, 403, 404, 422),
)
def read_api_client_route(
    actor: CurrentActor, session: SessionDep, api_client_id: IdPath
) -> ApiClientPublic:
    return client_public(get_api_client(session=session, actor=actor, api_client_id=api_client_id))


@router.patch(
    "/api-clients/{api_client_id}",
    summary="Change an API client's scopes",
    response_model=ApiClientPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def update_api_client_route(
    actor: CurrentActor, session: SessionDep, api_client_id: IdPath, data: ApiClientUpdate
) -> ApiClientPublic:
    client = update_api_client(session=session, actor=actor, api_client_id=api_client_id, data=data)
    return client_public(client)


@router.delete(
    "/api-clients/{api_client_id}",
    summary="Revoke an API client: its tokens stop working at once",
    response_model=ApiClientPublic,
    responses=errors(401, 403, 404, 422),
)
def revoke_api_client_route(
    actor: CurrentActor, session: SessionDep, api_client_id: IdPath
) -> ApiClientPublic:
    client = revoke_api_client(session=session, actor=actor, api_client_id=api_client_id)
    return client_public(client)
