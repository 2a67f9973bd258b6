"""Debrief requests, for coordinators signed in as themselves. Who needed a debrief never
leaves through an integration: API clients are refused whatever their scopes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.deps import SessionDep
from api.v1.deps import CurrentActor, PageDep
from api.v1.pagination import PageOut, page_out
from api.v1.problems import errors
from domain.debriefs.models import DebriefRequestPublic, DebriefRequestUpdate, DebriefStatus
from domain.debriefs.service import list_debrief_requests, update_debrief_request
from domain.types import MAX_ROW_ID

router = APIRouter(tags=["debrief requests"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get(
    "/debrief-requests",
    summary="Debrief requests: open ones oldest first, done or all newest first (coordinators)",
    response_model=PageOut[DebriefRequestPublic],
    responses=errors(401, 403, 422),
)
def list_debrief_requests_route(
    actor: CurrentActor,
    session: SessionDep,
    page: PageDep,
    request: Request,
    response: Response,
    status: DebriefStatus | None = None,
) -> PageOut[DebriefRequestPublic]:
    result = list_debrief_requests(session=session, actor=actor, status=status, page=page)
    return page_out(result.items, result.next_after_id, request, response)


@router.patch(
    "/debrief-requests/{request_id}",
    summary="Assign a debrief request to a trainer (a coordinator), or mark it done",
    response_model=DebriefRequestPublic,
    responses=errors(401, 403, 404, 409, 422),
)
def update_debrief_request_route(
    actor: CurrentActor, session: SessionDep, request_id: IdPath, data: DebriefRequestUpdate
) -> DebriefRequestPublic:
    return update_debrief_request(session=session, actor=actor, request_id=request_id, data=data)
