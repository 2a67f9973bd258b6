"""Users (admins) and the supporter roster (coordinators, and each supporter for themselves)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlmodel import Session

from api.deps import SessionDep
from api.v1.deps import CurrentActor, PageDep
from api.v1.idempotency import IdempotencyKey, create_once, idempotent_creation_responses
from api.v1.pagination import PageOut, page_out
from api.v1.problems import errors
from domain.codes import SupporterStatus
from domain.supporters.models import Supporter, SupporterCreate, SupporterPublic, SupporterUpdate
from domain.supporters.service import (
    SupporterFilters,
    create_supporter,
    display_names,
    get_supporter,
    list_supporters,
    update_supporter,
)
from domain.types import MAX_ROW_ID
from domain.users.models import User, UserCreate, UserPublic, UserUpdate
from domain.users.service import create_user, get_user, list_users, update_user

router = APIRouter()
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def user_public(user: User) -> UserPublic:
    assert user.id is not None
    return UserPublic(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=sorted(user.roles),
        active=user.active,
    )


def supporters_public(session: Session, supporters: list[Supporter]) -> list[SupporterPublic]:
    names = display_names(session, supporters)
    return [
        SupporterPublic.model_validate(
            supporter.model_dump() | {"display_name": names.get(supporter.user_id, "")}
        )
        for supporter in supporters
    ]


@router.get(
    "/users",
    tags=["users"],
    summary="List users (admins)",
    response_model=PageOut[UserPublic],
    responses=errors(401, 403, 422),
)
def list_users_route(
    actor: CurrentActor, session: SessionDep, page: PageDep, request: Request, response: Response
) -> PageOut[UserPublic]:
    result = list_users(session=session, actor=actor, page=page)
    return page_out([user_public(u) for u in result.items], result.next_after_id, request, response)


@router.post(
    "/users",
    tags=["users"],
    summary="Create a user (admins)",
    status_code=201,
    response_model=UserPublic,
    responses=idempotent_creation_responses(401, 403, 422),
)
def create_user_route(
    actor: CurrentActor,
    session: SessionDep,
    data: UserCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def create() -> UserPublic:
        return user_public(create_user(session=session, actor=actor, data=data))

    return create_once(
        session,
        actor,
        key=idempotency_key,
        route="/users",
        data=data,
        create=create,
        secret_fields=frozenset({"password"}),
    )


@router.get(
    "/users/{user_id}",
    tags=["users"],
    summary="Read a user (admins, or yourself)",
    response_model=UserPublic,
    responses=errors(401, 404, 422),
)
def read_user_route(actor: CurrentActor, session: SessionDep, user_id: IdPath) -> UserPublic:
    return user_public(get_user(session=session, actor=actor, user_id=user_id))


@router.patch(
    "/users/{user_id}",
    tags=["users"],
    summary="Change a user's name, roles or active state (admins)",
    response_model=UserPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def update_user_route(
    actor: CurrentActor, session: SessionDep, user_id: IdPath, data: UserUpdate
) -> UserPublic:
    return user_public(update_user(session=session, actor=actor, user_id=user_id, data=data))


@router.get(
    "/supporters",
    tags=["supporters"],
    summary="The roster, filtered by profession, org unit or status",
    response_model=PageOut[SupporterPublic],
    responses=errors(401, 403, 422),
)
def list_supporters_route(
    actor: CurrentActor,
    session: SessionDep,
    page: PageDep,
    request: Request,
    response: Response,
    profession: Annotated[str | None, Query(max_length=60)] = None,
    org_unit: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    status: SupporterStatus | None = None,
) -> PageOut[SupporterPublic]:
    filters = SupporterFilters(profession_code=profession, org_unit_id=org_unit, status=status)
    result = list_supporters(session=session, actor=actor, filters=filters, page=page)
    items = supporters_public(session, result.items)
    return page_out(items, result.next_after_id, request, response)


@router.get(
    "/supporters/{supporter_id}",
    tags=["supporters"],
    summary="Read a supporter profile (coordinators, or the supporter)",
    response_model=SupporterPublic,
    responses=errors(401, 404, 422),
)
def read_supporter_route(
    actor: CurrentActor, session: SessionDep, supporter_id: IdPath
) -> SupporterPublic:
    supporter = get_supporter(session=session, actor=actor, supporter_id=supporter_id)
    return supporters_public(session, [supporter])[0]


@router.post(
    "/supporters",
    tags=["supporters"],
    summary="Add a supporter profile to a user",
    status_code=201,
    response_model=SupporterPublic,
    responses=idempotent_creation_responses(401, 403, 422),
)
def create_supporter_route(
    actor: CurrentActor,
    session: SessionDep,
    data: SupporterCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def create() -> SupporterPublic:
        supporter = create_supporter(session=session, actor=actor, data=data)
        return supporters_public(session, [supporter])[0]

    return create_once(
        session, actor, key=idempotency_key, route="/supporters", data=data, create=create
    )


@router.patch(
    "/supporters/{supporter_id}",
    tags=["supporters"],
    summary="Change a supporter profile (a supporter: only their own availability)",
    response_model=SupporterPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def update_supporter_route(
    actor: CurrentActor, session: SessionDep, supporter_id: IdPath, data: SupporterUpdate
) -> SupporterPublic:
    supporter = update_supporter(session=session, actor=actor, supporter_id=supporter_id, data=data)
    return supporters_public(session, [supporter])[0]
