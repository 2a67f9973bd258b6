"""The audit trail and the program settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import SessionDep
from api.v1.deps import CurrentActor, PageDep
from api.v1.pagination import PageOut, page_out
from api.v1.problems import errors
from domain.audit.models import AuditEventPublic
from domain.audit.service import list_audit_events
from domain.program_settings.models import ProgramSettingsPublic, ProgramSettingsUpdate
from domain.program_settings.service import read_program_settings, update_program_settings

router = APIRouter()


@router.get(
    "/audit-events",
    tags=["audit"],
    summary="The audit trail, newest first (admins, or the audit:read scope)",
    response_model=PageOut[AuditEventPublic],
    responses=errors(401, 403, 422),
)
def list_audit_events_route(
    actor: CurrentActor,
    session: SessionDep,
    page: PageDep,
    request: Request,
    response: Response,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> PageOut[AuditEventPublic]:
    result = list_audit_events(session=session, actor=actor, page=page, action=action)
    items = [AuditEventPublic.model_validate(e, from_attributes=True) for e in result.items]
    return page_out(items, result.next_after_id, request, response)


@router.get(
    "/settings",
    tags=["settings"],
    summary="The program settings (coordinators and admins)",
    response_model=ProgramSettingsPublic,
    responses=errors(401, 403),
)
def read_settings_route(actor: CurrentActor, session: SessionDep) -> ProgramSettingsPublic:
    settings = read_program_settings(session=session, actor=actor)
    return ProgramSettingsPublic.model_validate(settings, from_attributes=True)


@router.patch(
    "/settings",
    tags=["settings"],
    summary=(
        "Change program settings (admins: all; coordinators: program_name, default_monthly_cap, "
        "refresher_missed_sessions; each change is audited)"
    ),
    response_model=ProgramSettingsPublic,
    responses=errors(401, 403, 422),
)
def update_settings_route(
    actor: CurrentActor, session: SessionDep, data: ProgramSettingsUpdate
) -> ProgramSettingsPublic:
    settings = update_program_settings(session=session, actor=actor, data=data)
    return ProgramSettingsPublic.model_validate(settings, from_attributes=True)
