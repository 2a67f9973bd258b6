"""Workspace pages: the program settings (issue 8). Coordinators change the settings of their
daily work, admins all of them; who may change which is `changeable_settings` in
`domain.program_settings.service`, which also refuses (403) a change someone may not make."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep
from domain.errors import DomainError, PermissionDenied
from domain.program_settings.models import ProgramSettings, ProgramSettingsUpdate
from domain.program_settings.service import (
    changeable_settings,
    read_program_settings,
    update_program_settings,
)
from web.forms import (
    Form,
    FormValues,
    domain_error_messages,
    number_limits,
    parse_form,
    whole_number,
)
from web.pages.common import page, redirect_after_post
from web.session import CheckedVisitor, SignedInVisitor, Visitor

router = APIRouter(include_in_schema=False)

NUMBER_SETTINGS = (
    "default_monthly_cap",
    "refresher_missed_sessions",
    "small_cell_threshold",
    "min_distinct_supporters",
    "session_idle_minutes",
    "session_absolute_hours",
)
TEXT_SETTINGS = ("program_name", "time_zone")
LIST_SETTINGS = ("embed_origins",)
WHOLE_NUMBER = "Enter a whole number."


@cache
def time_zone_names() -> list[str]:
    return sorted(name for name in available_timezones() if "/" in name or name == "UTC")


def form_values(settings: ProgramSettings) -> dict[str, Any]:
    """What the form shows: the stored settings, origins one per line."""
    values: dict[str, Any] = settings.model_dump()
    values["embed_origins"] = "\n".join(settings.embed_origins)
    return values


def submitted(form: Form) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The form's answers as sent (to show again), as the update schema wants them, and the
    messages of answers that are not even of the right kind. Only settings the form sent are
    read: a setting left out is kept, one sent is never ignored."""
    shown: dict[str, Any] = {}
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in (*TEXT_SETTINGS, *NUMBER_SETTINGS, *LIST_SETTINGS):
        if name not in form.values:
            continue
        raw = form.first(name).strip()
        shown[name] = raw
        if name in NUMBER_SETTINGS:
            number = whole_number(raw)
            if number is not None:
                data[name] = number
            else:
                errors[name] = WHOLE_NUMBER
        elif not raw and name in TEXT_SETTINGS:
            errors[name] = "Fill this in."
        elif name in LIST_SETTINGS:
            data[name] = [line.strip() for line in raw.splitlines() if line.strip()]
        else:
            data[name] = raw
    return shown, data, errors


def settings_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    settings: ProgramSettings,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request, session, visitor, "settings.html", active="settings", block="settings_form",
        status_code=status_code, settings=settings,
        values={**form_values(settings), **(values or {})}, errors=errors or {},
        changeable=changeable_settings(visitor.actor), time_zones=time_zone_names(), saved=saved,
        limits=number_limits(ProgramSettingsUpdate),
    )  # fmt: skip


@router.get("/settings", response_class=HTMLResponse)
def settings_form(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    settings = read_program_settings(session=session, actor=visitor.actor)
    saved = request.query_params.get("saved") == "1"
    return settings_page(request, session, visitor, settings, saved=saved)


@router.post("/settings", response_class=HTMLResponse)
def settings_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, form: FormValues
) -> Response:
    settings = read_program_settings(session=session, actor=visitor.actor)
    shown, values, errors = submitted(form)
    data, schema_errors = parse_form(ProgramSettingsUpdate, values)
    errors = {**schema_errors, **errors}
    if data is not None and not errors:
        try:
            update_program_settings(session=session, actor=visitor.actor, data=data)
        except PermissionDenied:
            raise  # a setting this person may not change: refused, never ignored
        except DomainError as error:
            errors = domain_error_messages(error)
        else:
            return redirect_after_post(request, "/settings?saved=1")
    return settings_page(
        request, session, visitor, settings, values=shown, errors=errors, status_code=422
    )
