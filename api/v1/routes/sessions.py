"""Program sessions (initial training, monthly sessions, debriefs) and attendance."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from api.deps import SessionDep
from api.v1.deps import CurrentActor, PageDep
from api.v1.pagination import PageOut, page_out
from api.v1.problems import errors
from domain.codes import AttendanceStatus, SessionKind
from domain.sessions.models import (
    AttendanceUpdate,
    ProgramSession,
    ProgramSessionCreate,
    ProgramSessionPublic,
    ProgramSessionUpdate,
)
from domain.sessions.service import (
    SessionFilters,
    create_program_session,
    delete_program_session,
    get_program_session,
    list_program_sessions,
    record_attendance,
    update_program_session,
)
from domain.types import MAX_ROW_ID, IsoDate

router = APIRouter(tags=["sessions"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


class AttendancePublic(BaseModel):
    session_id: int
    supporter_id: int
    status: AttendanceStatus
    recorded_at: dt.datetime


def session_public(row: ProgramSession) -> ProgramSessionPublic:
    return ProgramSessionPublic.model_validate(row, from_attributes=True)


def _start_of(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), dt.UTC) if day else None


@router.get(
    "/sessions",
    summary="List sessions by kind and date range (`from` inclusive, `to` exclusive)",
    response_model=PageOut[ProgramSessionPublic],
    responses=errors(401, 403, 422),
)
def list_sessions_route(
    actor: CurrentActor,
    session: SessionDep,
    page: PageDep,
    request: Request,
    response: Response,
    kind: SessionKind | None = None,
    starts_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    starts_before: Annotated[IsoDate | None, Query(alias="to")] = None,
) -> PageOut[ProgramSessionPublic]:
    filters = SessionFilters(
        kind=kind, starts_from=_start_of(starts_from), starts_before=_start_of(starts_before)
    )
    result = list_program_sessions(session=session, actor=actor, filters=filters, page=page)
    items = [session_public(row) for row in result.items]
    return page_out(items, result.next_after_id, request, response)


@router.get(
    "/sessions/{session_id}",
    summary="Read a session",
    response_model=ProgramSessionPublic,
    responses=errors(401, 403, 404, 422),
)
def read_session_route(
    actor: CurrentActor, session: SessionDep, session_id: IdPath
) -> ProgramSessionPublic:
    return session_public(get_program_session(session=session, actor=actor, session_id=session_id))


@router.post(
    "/sessions",
    summary="Schedule a session",
    status_code=201,
    response_model=ProgramSessionPublic,
    responses=errors(401, 403, 422),
)
def create_session_route(
    actor: CurrentActor, session: SessionDep, data: ProgramSessionCreate
) -> ProgramSessionPublic:
    return session_public(create_program_session(session=session, actor=actor, data=data))


@router.patch(
    "/sessions/{session_id}",
    summary="Change a session",
    response_model=ProgramSessionPublic,
    responses=errors(401, 403, 404, 422),
)
def update_session_route(
    actor: CurrentActor, session: SessionDep, session_id: IdPath, data: ProgramSessionUpdate
) -> ProgramSessionPublic:
    updated = update_program_session(session=session, actor=actor, session_id=session_id, data=data)
    return session_public(updated)


@router.delete(
    "/sessions/{session_id}",
    summary="Cancel a session (its attendance goes with it)",
    status_code=204,
    responses=errors(401, 403, 404, 422),
)
def delete_session_route(actor: CurrentActor, session: SessionDep, session_id: IdPath) -> Response:
    delete_program_session(session=session, actor=actor, session_id=session_id)
    return Response(status_code=204)


@router.put(
    "/sessions/{session_id}/attendance/{supporter_id}",
    summary="Record a supporter's attendance",
    response_model=AttendancePublic,
    responses=errors(401, 403, 404, 422),
)
def record_attendance_route(
    actor: CurrentActor,
    session: SessionDep,
    session_id: IdPath,
    supporter_id: IdPath,
    data: AttendanceUpdate,
) -> AttendancePublic:
    attendance = record_attendance(
        session=session, actor=actor, session_id=session_id, supporter_id=supporter_id, data=data
    )
    return AttendancePublic.model_validate(attendance, from_attributes=True)
