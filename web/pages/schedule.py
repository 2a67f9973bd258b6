"""Workspace pages: the schedule of sessions, taking attendance, and the monthly tally
(coordinators). Every rule is a domain service's; times are entered and shown in the program's
time zone."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep
from domain.actors import require_role
from domain.codes import AttendanceStatus, Role, SessionKind
from domain.columns import utcnow
from domain.errors import DomainError, InvalidInput
from domain.pagination import PageRequest
from domain.program_settings.service import program_time_zone
from domain.reports.service import ReportAudience
from domain.reports.tally import read_monthly_tally
from domain.sessions.models import (
    MAX_DURATION_MINUTES,
    AttendanceUpdate,
    ProgramSession,
    ProgramSessionCreate,
    ProgramSessionUpdate,
)
from domain.sessions.service import (
    AttendanceSheet,
    ScheduleWhen,
    addable_supporters,
    attendance_counts,
    attendance_sheet,
    create_program_session,
    delete_program_session,
    facilitator_choices,
    get_program_session,
    is_ambiguous_local_time,
    latest_started_monthly_session,
    list_schedule,
    local_month_bounds,
    monthly_sessions_between,
    program_start_to_utc,
    record_attendance,
    sheet_row,
    update_program_session,
)
from domain.types import MAX_ROW_ID
from web.forms import Form, FormValues, domain_error_messages, parse_form, whole_number
from web.pages.common import page, redirect_after_post
from web.rendering import is_htmx
from web.session import CheckedVisitor, SignedInVisitor, Visitor

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
AfterQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
SCHEDULE_PAGE = 25
TAPPABLE = (AttendanceStatus.attended, AttendanceStatus.excused, AttendanceStatus.absent)
SESSION_FIELDS = ("kind", "topic", "start_date", "start_time", "duration_minutes", "location")


def require_coordinator(visitor: Visitor) -> None:
    """The workspace's sessions and tally are the coordinators' (admins run the system, not
    the program)."""
    require_role(visitor.actor, Role.coordinator, to="use the program's sessions and tally")


# The schedule.


@router.get("/schedule", response_class=HTMLResponse)
def schedule_page(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    upcoming_after: AfterQuery = None,
    held_after: AfterQuery = None,
) -> HTMLResponse:
    require_coordinator(visitor)
    actor = visitor.actor
    upcoming = list_schedule(
        session=session, actor=actor, when=ScheduleWhen.upcoming,
        page=PageRequest(SCHEDULE_PAGE, upcoming_after),
    )  # fmt: skip
    held = list_schedule(
        session=session, actor=actor, when=ScheduleWhen.held,
        page=PageRequest(SCHEDULE_PAGE, held_after),
    )  # fmt: skip
    zone = program_time_zone(session)
    return page(
        request, session, visitor, "schedule.html", active="schedule", upcoming=upcoming,
        held=held, zone=zone.key, tally_month=lambda moment: tally_month_of(moment, session),
        continued=upcoming_after is not None or held_after is not None,
        upcoming_after=upcoming_after, held_after=held_after,
        done=request.query_params.get("done", ""),
    )  # fmt: skip


def tally_month_of(moment: datetime, session: Session) -> str:
    """The month (program time) a session belongs to, as the tally names it."""
    local = moment.astimezone(program_time_zone(session))
    return f"{local.year:04d}-{local.month:02d}"


def session_form_context(session: Session, visitor: Visitor) -> dict[str, Any]:
    return {
        "kinds": list(SessionKind),
        "facilitators": facilitator_choices(session=session, actor=visitor.actor),
        "zone": program_time_zone(session).key,
        "max_duration": MAX_DURATION_MINUTES,
    }


def form_values(form: Form) -> dict[str, Any]:
    values: dict[str, Any] = {name: form.first(name).strip() for name in SESSION_FIELDS}
    values["facilitator_id"] = form.first("facilitator_id")
    return values


def values_of(program_session: ProgramSession, session: Session) -> dict[str, Any]:
    local = program_session.starts_at.astimezone(program_time_zone(session))
    return {
        "kind": program_session.kind.value,
        "topic": program_session.topic,
        "start_date": local.date().isoformat(),
        "start_time": local.strftime("%H:%M"),
        "duration_minutes": str(program_session.duration_minutes),
        "location": program_session.location,
        "facilitator_id": str(program_session.facilitator_id or ""),
    }


def parse_session_form(
    values: dict[str, Any], session: Session
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The form's answers in the shape of ProgramSessionCreate (the start in UTC), or the
    messages for the fields at fault. The date and time are read in the program's zone."""
    errors: dict[str, str] = {}
    day = _parse(date.fromisoformat, values["start_date"])
    clock = _parse(time.fromisoformat, values["start_time"])
    if day is None:
        errors["start_date"] = "Enter the date, like 2026-03-18."
    if clock is None:
        errors["start_time"] = "Enter the time, like 17:30."
    starts_at = None
    if day is not None and clock is not None:
        try:
            starts_at = program_start_to_utc(day, clock, program_time_zone(session))
        except InvalidInput as error:
            errors[error.field or "start_time"] = error.message
    duration = whole_number(values["duration_minutes"], max_digits=5)
    if duration is None:
        errors["duration_minutes"] = "Enter a whole number of minutes."
    facilitator = whole_number(values["facilitator_id"])
    if facilitator is None and values["facilitator_id"]:
        errors["facilitator_id"] = "Choose a facilitator from the list."
    data: dict[str, Any] = {
        "kind": values["kind"] or None,
        "topic": values["topic"],
        "starts_at": starts_at,
        "duration_minutes": duration,
        "location": values["location"],
        "facilitator_id": facilitator,
    }
    if data["kind"] is None:
        errors["kind"] = "Choose one."
    if errors:
        return None, errors
    return data, {}


def _parse(parser: Any, text: str) -> Any:
    try:
        return parser(text) if text else None
    except ValueError:
        return None


def _schema_errors(messages: dict[str, str]) -> dict[str, str]:
    """Schema messages about the start belong beside the time field."""
    if "starts_at" in messages:
        messages["start_time"] = messages.pop("starts_at")
    return messages


def session_form(
    request: Request,
    session: Session,
    visitor: Visitor,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    editing: ProgramSession | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ambiguous = False
    day = _parse(date.fromisoformat, values.get("start_date", ""))
    clock = _parse(time.fromisoformat, values.get("start_time", ""))
    if day is not None and clock is not None:
        ambiguous = is_ambiguous_local_time(day, clock, program_time_zone(session))
    return page(
        request, session, visitor, "schedule_form.html", active="schedule", values=values,
        errors=errors, editing=editing, ambiguous=ambiguous, status_code=status_code,
        block="session_form", **session_form_context(session, visitor),
    )  # fmt: skip


@router.get("/schedule/new", response_class=HTMLResponse)
def new_session_form(
    request: Request, session: SessionDep, visitor: SignedInVisitor
) -> HTMLResponse:
    require_coordinator(visitor)
    values = {"kind": SessionKind.monthly_session.value, "duration_minutes": "60",
              "facilitator_id": str(visitor.user.id)}  # fmt: skip
    return session_form(request, session, visitor, values=values, errors={})


@router.post("/schedule/new", response_class=HTMLResponse)
def new_session_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, form: FormValues
) -> Response:
    require_coordinator(visitor)
    values = form_values(form)
    answers, errors = parse_session_form(values, session)
    if answers is not None:
        data, errors = parse_form(ProgramSessionCreate, answers, missing="Fill this in.")
        if data is not None:
            try:
                create_program_session(session=session, actor=visitor.actor, data=data)
            except DomainError as error:
                errors = domain_error_messages(error)
            else:
                return redirect_after_post(request, "/schedule?done=scheduled")
    return session_form(
        request, session, visitor, values=values, errors=_schema_errors(errors), status_code=422
    )


@router.get("/schedule/{session_id}/edit", response_class=HTMLResponse)
def edit_session_form(
    request: Request, session: SessionDep, visitor: SignedInVisitor, session_id: IdPath
) -> HTMLResponse:
    require_coordinator(visitor)
    found = get_program_session(session=session, actor=visitor.actor, session_id=session_id)
    return session_form(
        request, session, visitor, values=values_of(found, session), errors={}, editing=found
    )


@router.post("/schedule/{session_id}/edit", response_class=HTMLResponse)
def edit_session_submit(
    request: Request,
    session: SessionDep,
    visitor: CheckedVisitor,
    session_id: IdPath,
    form: FormValues,
) -> Response:
    require_coordinator(visitor)
    found = get_program_session(session=session, actor=visitor.actor, session_id=session_id)
    values = form_values(form)
    answers, errors = parse_session_form(values, session)
    if answers is not None:
        data, errors = parse_form(ProgramSessionUpdate, answers, missing="Fill this in.")
        if data is not None:
            try:
                update_program_session(
                    session=session, actor=visitor.actor, session_id=session_id, data=data
                )
            except DomainError as error:
                errors = domain_error_messages(error)
            else:
                return redirect_after_post(request, "/schedule?done=changed")
    return session_form(
        request, session, visitor, values=values, errors=_schema_errors(errors), editing=found,
        status_code=422,
    )  # fmt: skip


@router.get("/schedule/{session_id}/cancel", response_class=HTMLResponse)
def cancel_session_confirmation(
    request: Request, session: SessionDep, visitor: SignedInVisitor, session_id: IdPath
) -> HTMLResponse:
    require_coordinator(visitor)
    found = get_program_session(session=session, actor=visitor.actor, session_id=session_id)
    return page(request, session, visitor, "schedule_cancel.html", active="schedule", found=found)


@router.post("/schedule/{session_id}/cancel", response_class=HTMLResponse)
def cancel_session_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, session_id: IdPath
) -> Response:
    require_coordinator(visitor)
    delete_program_session(session=session, actor=visitor.actor, session_id=session_id)
    return redirect_after_post(request, "/schedule?done=cancelled")


# Attendance: one screen, one tap per supporter.


def attendance_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    sheet: AttendanceSheet,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    addable = addable_supporters(session=session, actor=visitor.actor, sheet=sheet)
    return page(
        request, session, visitor, "schedule_attendance.html", active="schedule", sheet=sheet,
        found=sheet.program_session, statuses=TAPPABLE, addable=addable, errors=errors or {},
        status_code=status_code,
    )  # fmt: skip


@router.get("/schedule/{session_id}/attendance", response_class=HTMLResponse)
def attendance_screen(
    request: Request, session: SessionDep, visitor: SignedInVisitor, session_id: IdPath
) -> HTMLResponse:
    require_coordinator(visitor)
    sheet = attendance_sheet(session=session, actor=visitor.actor, session_id=session_id)
    return attendance_page(request, session, visitor, sheet)


@router.post("/schedule/{session_id}/attendance", response_class=HTMLResponse)
def add_to_attendance(
    request: Request,
    session: SessionDep,
    visitor: CheckedVisitor,
    session_id: IdPath,
    form: FormValues,
) -> Response:
    """Add a supporter to a session's sheet (invited; the tap records the rest)."""
    require_coordinator(visitor)
    raw = form.first("supporter_id")
    supporter_id = whole_number(raw)
    if supporter_id is None:
        sheet = attendance_sheet(session=session, actor=visitor.actor, session_id=session_id)
        return attendance_page(
            request, session, visitor, sheet, errors={"supporter_id": "Choose a supporter."},
            status_code=422,
        )  # fmt: skip
    data = AttendanceUpdate(status=AttendanceStatus.invited)
    try:
        record_attendance(
            session=session, actor=visitor.actor, session_id=session_id,
            supporter_id=supporter_id, data=data,
        )  # fmt: skip
    except DomainError as error:
        if error.status_code in (403, 404):
            raise
        sheet = attendance_sheet(session=session, actor=visitor.actor, session_id=session_id)
        return attendance_page(
            request, session, visitor, sheet, errors={"supporter_id": error.message},
            status_code=error.status_code,
        )  # fmt: skip
    to_row = f"/schedule/{session_id}/attendance#supporter-{supporter_id}"
    return redirect_after_post(request, to_row)


@router.post("/schedule/{session_id}/attendance/{supporter_id}", response_class=HTMLResponse)
def tap_attendance(
    request: Request,
    session: SessionDep,
    visitor: CheckedVisitor,
    session_id: IdPath,
    supporter_id: IdPath,
    form: FormValues,
) -> Response:
    """One tap: attended, excused or absent. htmx gets the supporter's row and the counts."""
    require_coordinator(visitor)
    data, errors = parse_form(AttendanceUpdate, {"status": form.first("status")})
    if data is not None:
        try:
            record_attendance(
                session=session, actor=visitor.actor, session_id=session_id,
                supporter_id=supporter_id, data=data,
            )  # fmt: skip
        except InvalidInput as error:
            errors = {"status": error.message}
    if not errors and not is_htmx(request):
        return redirect_after_post(
            request, f"/schedule/{session_id}/attendance#supporter-{supporter_id}"
        )
    status_code = 422 if errors else 200
    if not is_htmx(request):
        sheet = attendance_sheet(session=session, actor=visitor.actor, session_id=session_id)
        return attendance_page(
            request, session, visitor, sheet, errors={f"row-{supporter_id}": errors["status"]},
            status_code=status_code,
        )  # fmt: skip
    sheet = attendance_counts(session=session, actor=visitor.actor, session_id=session_id)
    row = sheet_row(
        session=session, actor=visitor.actor, session_id=session_id, supporter_id=supporter_id
    )
    return page(
        request, session, visitor, "schedule_attendance_tap.html", sheet=sheet, row_item=row,
        found=sheet.program_session, statuses=TAPPABLE, status_code=status_code,
        errors={f"row-{supporter_id}": errors["status"]} if errors else {},
    )  # fmt: skip


# The monthly tally.


def default_tally_month(session: Session, visitor: Visitor) -> str:
    """The month of the latest monthly session that has started (program time), else this
    month."""
    latest = latest_started_monthly_session(session=session, actor=visitor.actor)
    moment = latest.starts_at if latest is not None else utcnow()
    return tally_month_of(moment, session)


@router.get("/tally", response_class=HTMLResponse)
def tally_page(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    month: Annotated[str | None, Query(max_length=7)] = None,
    exact: Annotated[str | None, Query(max_length=1)] = None,
) -> HTMLResponse:
    require_coordinator(visitor)
    chosen = month or default_tally_month(session, visitor)
    audience = ReportAudience.exact if exact == "1" else ReportAudience.suppressed
    try:
        tally = read_monthly_tally(
            session=session, actor=visitor.actor, month=chosen, audience=audience
        )
    except InvalidInput as error:
        return page(
            request, session, visitor, "tally.html", active="tally", tally=None, month=month,
            errors={"month": error.message}, status_code=422,
        )  # fmt: skip
    zone = program_time_zone(session)
    first = date(int(chosen[:4]), int(chosen[5:]), 1)
    starts_from, starts_before = local_month_bounds(first, zone)
    meetings = monthly_sessions_between(
        session=session, actor=visitor.actor, starts_from=starts_from, starts_before=starts_before
    )
    return page(
        request, session, visitor, "tally.html", active="tally", tally=tally, month=chosen,
        month_name=first.strftime("%B %Y"), month_short=first.strftime("%b %Y"),
        before_name=_month_name(tally.before), before_short=_month_name(tally.before, "%b %Y"),
        meetings=meetings, errors={},
    )  # fmt: skip


def _month_name(text: str, pattern: str = "%B %Y") -> str:
    return date(int(text[:4]), int(text[5:]), 1).strftime(pattern)
