"""Reference data: professions and org units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import SessionDep
from api.v1.deps import CurrentActor, PageDep
from api.v1.pagination import PageOut, decode_cursor_key, page_out
from api.v1.problems import errors
from domain.org_units.models import OrgUnitCreate, OrgUnitPublic, OrgUnitUpdate
from domain.org_units.service import (
    create_org_unit,
    get_org_unit,
    page_org_units,
    update_org_unit,
)
from domain.org_units.tree import MAX_ORG_DEPTH
from domain.pagination import DEFAULT_LIMIT, MAX_LIMIT
from domain.professions.models import (
    ProfessionCreate,
    ProfessionPublic,
    ProfessionUpdate,
)
from domain.professions.service import create_profession, page_professions, update_profession
from domain.types import MAX_ROW_ID

router = APIRouter()
CodePath = Annotated[str, Path(max_length=60)]


@router.get(
    "/professions",
    tags=["professions"],
    summary="List professions (in code order)",
    response_model=PageOut[ProfessionPublic],
    responses=errors(401, 422),
)
def list_professions_route(
    _actor: CurrentActor,
    session: SessionDep,
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=120)] = None,
    include_inactive: bool = False,
) -> PageOut[ProfessionPublic]:
    after = decode_cursor_key(cursor) if cursor else None
    rows, next_code = page_professions(
        session=session, limit=limit, after_code=after, include_inactive=include_inactive
    )
    items = [ProfessionPublic.model_validate(row, from_attributes=True) for row in rows]
    return page_out(items, next_code, request, response)


@router.post(
    "/professions",
    tags=["professions"],
    summary="Add a profession",
    status_code=201,
    response_model=ProfessionPublic,
    responses=errors(401, 403, 409, 422),
)
def create_profession_route(
    actor: CurrentActor, session: SessionDep, data: ProfessionCreate
) -> ProfessionPublic:
    profession = create_profession(session=session, actor=actor, data=data)
    return ProfessionPublic.model_validate(profession, from_attributes=True)


@router.patch(
    "/professions/{code}",
    tags=["professions"],
    summary="Rename or (de)activate a profession",
    response_model=ProfessionPublic,
    responses=errors(401, 403, 404, 422),
)
def update_profession_route(
    actor: CurrentActor, session: SessionDep, code: CodePath, data: ProfessionUpdate
) -> ProfessionPublic:
    profession = update_profession(session=session, actor=actor, code=code, data=data)
    return ProfessionPublic.model_validate(profession, from_attributes=True)


@router.get(
    "/org-units",
    tags=["org units"],
    summary="List org units",
    response_model=PageOut[OrgUnitPublic],
    responses=errors(401, 422),
)
def list_org_units_route(
    _actor: CurrentActor, session: SessionDep, page: PageDep, request: Request, response: Response
) -> PageOut[OrgUnitPublic]:
    result = page_org_units(session=session, page=page)
    items = [OrgUnitPublic.model_validate(row, from_attributes=True) for row in result.items]
    return page_out(items, result.next_after_id, request, response)


@router.get(
    "/org-units/{org_unit_id}",
    tags=["org units"],
    summary="Read an org unit",
    response_model=OrgUnitPublic,
    responses=errors(401, 404, 422),
)
def read_org_unit_route(
    _actor: CurrentActor,
    session: SessionDep,
    org_unit_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
) -> OrgUnitPublic:
    unit = get_org_unit(session=session, org_unit_id=org_unit_id)
    return OrgUnitPublic.model_validate(unit, from_attributes=True)


@router.post(
    "/org-units",
    tags=["org units"],
    summary="Add an org unit",
    status_code=201,
    response_model=OrgUnitPublic,
    responses=errors(401, 403, 422),
)
def create_org_unit_route(
    actor: CurrentActor, session: SessionDep, data: OrgUnitCreate
) -> OrgUnitPublic:
    unit = create_org_unit(session=session, actor=actor, data=data)
    return OrgUnitPublic.model_validate(unit, from_attributes=True)


@router.patch(
    "/org-units/{org_unit_id}",
    tags=["org units"],
    summary="Change an org unit",
    description=(
        "Moving a unit under `parent_id` is refused with 409 when the parent sits inside the "
        "unit (the tree would loop; two moves at once are checked one after the other), and "
        f"with 422 when the tree would nest more than {MAX_ORG_DEPTH} levels deep."
    ),
    response_model=OrgUnitPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def update_org_unit_route(
    actor: CurrentActor,
    session: SessionDep,
    org_unit_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    data: OrgUnitUpdate,
) -> OrgUnitPublic:
    unit = update_org_unit(session=session, actor=actor, org_unit_id=org_unit_id, data=data)
    return OrgUnitPublic.model_validate(unit, from_attributes=True)
