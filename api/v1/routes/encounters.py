"""Encounters: a supporter logs, reads, changes (within 7 days) and deletes their own;
coordinators list all, de-identified. Nobody else sees encounter rows (admins alone, report
viewers and API clients read reports): the rule is `domain.encounters.service`'s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.deps import SessionDep
from api.v1.deps import CurrentActor, PageDep
from api.v1.idempotency import IdempotencyKey, create_once, idempotent_creation_responses
from api.v1.pagination import PageOut, page_out
from api.v1.problems import errors
from domain.encounters.models import EncounterCreate, EncounterPublic, EncounterUpdate
from domain.encounters.service import (
    EncounterFilters,
    delete_encounter,
    get_encounter,
    list_encounters,
    log_encounter,
    to_public,
    update_encounter,
)
from domain.types import MAX_ROW_ID, IsoDate

router = APIRouter(tags=["encounters"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


class EncounterLogged(EncounterPublic):
    """The new encounter, with the supporter's month against the cap."""

    month_count: int
    monthly_cap: int
    debrief_prompt: bool


@router.post(
    "/encounters",
    summary="Log an encounter (active, trained supporters)",
    status_code=201,
    response_model=EncounterLogged,
    responses=idempotent_creation_responses(401, 403, 422),
)
def log_encounter_route(
    actor: CurrentActor,
    session: SessionDep,
    data: EncounterCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def create() -> EncounterLogged:
        logged = log_encounter(session=session, actor=actor, data=data)
        return EncounterLogged(
            **to_public(logged.encounter).model_dump(),
            month_count=logged.workload.count,
            monthly_cap=logged.workload.cap,
            debrief_prompt=logged.debrief_prompt,
        )

    return create_once(
        session, actor, key=idempotency_key, route="/encounters", data=data, create=create
    )


@router.get(
    "/encounters",
    summary="Your encounters, newest first (coordinators: everyone's)",
    response_model=PageOut[EncounterPublic],
    responses=errors(401, 403, 422),
)
def list_encounters_route(
    actor: CurrentActor,
    session: SessionDep,
    page: PageDep,
    request: Request,
    response: Response,
    occurred_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    occurred_before: Annotated[IsoDate | None, Query(alias="before")] = None,
) -> PageOut[EncounterPublic]:
    filters = EncounterFilters(occurred_from=occurred_from, occurred_before=occurred_before)
    result = list_encounters(session=session, actor=actor, filters=filters, page=page)
    items = [to_public(row) for row in result.items]
    return page_out(items, result.next_after_id, request, response)


@router.get(
    "/encounters/{encounter_id}",
    summary="Read an encounter (yours; coordinators: any)",
    response_model=EncounterPublic,
    responses=errors(401, 403, 404, 422),
)
def read_encounter_route(
    actor: CurrentActor, session: SessionDep, encounter_id: IdPath
) -> EncounterPublic:
    return to_public(get_encounter(session=session, actor=actor, encounter_id=encounter_id))


@router.patch(
    "/encounters/{encounter_id}",
    summary="Change your encounter (within 7 days of logging)",
    response_model=EncounterPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def update_encounter_route(
    actor: CurrentActor, session: SessionDep, encounter_id: IdPath, data: EncounterUpdate
) -> EncounterPublic:
    encounter = update_encounter(session=session, actor=actor, encounter_id=encounter_id, data=data)
    return to_public(encounter)


@router.delete(
    "/encounters/{encounter_id}",
    summary="Delete your encounter (within 7 days of logging)",
    status_code=204,
    responses=errors(401, 403, 404, 409, 422),
)
def delete_encounter_route(
    actor: CurrentActor, session: SessionDep, encounter_id: IdPath
) -> Response:
    delete_encounter(session=session, actor=actor, encounter_id=encounter_id)
    return Response(status_code=204)
