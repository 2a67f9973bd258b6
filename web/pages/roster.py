"""Workspace pages: the roster (coordinators). The list with filters, sort and search (a plain
GET form; htmx refreshes only the table), a supporter's page with their history and a form to
change their profile, inviting a supporter, and importing a roster from CSV (preview, then
apply). Every rule is a domain service's; these only parse, call and render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from sqlmodel import Session
from starlette.datastructures import UploadFile

from api.deps import SessionDep
from domain.codes import SupporterStatus
from domain.errors import DomainError
from domain.org_units.service import list_org_units
from domain.org_units.tree import unit_paths
from domain.professions.service import list_professions
from domain.supporters.invitations import invite_supporter
from domain.supporters.models import SupporterInvite, SupporterUpdate
from domain.supporters.roster import (
    MAX_SEARCH_LENGTH,
    RosterFilters,
    RosterOrder,
    RosterSort,
    SortDirection,
    read_roster,
    read_roster_entry,
    require_roster_reader,
)
from domain.supporters.roster_import import (
    FILE_FIELD,
    MAX_BYTES,
    MAX_ROWS,
    decode_roster_file,
    import_roster,
    preview_roster_import,
)
from domain.supporters.service import supporter_of_user, update_supporter
from domain.types import MAX_ROW_ID
from web.forms import (
    Form,
    FormValues,
    domain_error_messages,
    number_limits,
    parse_form,
    whole_number,
)
from web.pages.common import page, redirect_after_post
from web.session import CheckedVisitor, SignedInVisitor, Visitor, csrf_checked_visitor

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
CSV_FIELD = "csv_text"
CAP_LIMITS = number_limits(SupporterUpdate)["max_encounters_per_month"]  # the schema's rule
CAP_MESSAGE = f"Enter a whole number from {CAP_LIMITS[0]} to {CAP_LIMITS[1]}."
EDITABLE = ("status", "profession_code", "org_unit_id", "trained_on", "max_encounters_per_month")


def choices(session: Session) -> dict[str, Any]:
    """What the roster's forms offer: statuses, professions (by name) and units (by path)."""
    professions = list_professions(session=session, include_inactive=True)
    paths = unit_paths(list_org_units(session=session))
    return {
        "statuses": list(SupporterStatus),
        "professions": [p for p in professions if p.active],
        "profession_names": {p.code: p.name for p in professions},
        "unit_paths": paths,
        "units": sorted(paths.items(), key=lambda item: item[1].lower()),
    }


# The list.


@router.get("/roster", response_class=HTMLResponse)
def roster_page(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    status: SupporterStatus | Literal[""] = "",
    profession: Annotated[str, Query(max_length=60)] = "",
    # A plain GET form sends every field, the unchosen ones empty.
    org_unit: Annotated[int, Field(ge=1, le=MAX_ROW_ID)] | Literal[""] = "",
    refresher: Literal["", "yes", "no"] = "",
    cap: Literal["", "at", "below"] = "",
    q: Annotated[str, Query(max_length=MAX_SEARCH_LENGTH)] = "",
    sort: RosterSort = RosterSort.name,
    order: SortDirection = SortDirection.asc,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    filters = RosterFilters(
        status=status or None,
        profession_code=profession or None,
        org_unit_id=org_unit or None,
        needs_refresher={"yes": True, "no": False}.get(refresher),
        at_cap={"at": True, "below": False}.get(cap),
        search=q.strip() or None,
    )
    listed = read_roster(
        session=session,
        actor=visitor.actor,
        filters=filters,
        order=RosterOrder(sort=sort, direction=order),
        cursor=cursor,
    )
    query = {
        "status": status, "profession": profession, "org_unit": org_unit,
        "refresher": refresher, "cap": cap, "q": q, "sort": sort.value, "order": order.value,
    }  # fmt: skip
    shown = {name: value for name, value in query.items() if value != ""}
    next_href = (
        f"/roster?{urlencode({**shown, 'cursor': listed.next_cursor})}"
        if listed.next_cursor
        else None
    )
    return page(
        request, session, visitor, "roster.html", block="roster_table", active="roster",
        rows=listed.rows, query=query, next_href=next_href,
        first_href=f"/roster?{urlencode(shown)}" if cursor else None,
        sorts=list(RosterSort), **choices(session),
    )  # fmt: skip


# Inviting a supporter (before /roster/{id}, which would take "invite" for an id).


def invite_page(
    request: Request, session: Session, visitor: Visitor, **context: Any
) -> HTMLResponse:
    return page(
        request, session, visitor, "roster_invite.html", active="roster",
        values=context.pop("values", {}), errors=context.pop("errors", {}),
        **choices(session), **context,
    )  # fmt: skip


@router.get("/roster/invite", response_class=HTMLResponse)
def invite_form(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    require_roster_reader(visitor.actor)
    return invite_page(request, session, visitor)


@router.post("/roster/invite", response_class=HTMLResponse)
def invite_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, form: FormValues
) -> Response:
    require_roster_reader(visitor.actor)
    values = {
        name: form.first(name).strip()
        for name in ("email", "display_name", "profession_code", "org_unit_id", "trained_on")
    }
    data, errors = parse_form(SupporterInvite, form_values(values))
    if data is not None:
        try:
            invitation = invite_supporter(session=session, actor=visitor.actor, data=data)
        except DomainError as error:
            errors = domain_error_messages(error)
        else:
            profile = supporter_of_user(session, invitation.user.id)
            supporter_id = profile.id if profile else None
            if invitation.mailed:
                return redirect_after_post(request, f"/roster/{supporter_id}?invited=1")
            return page(
                request, session, visitor, "roster_invited.html", active="roster",
                invitation=invitation, supporter_id=supporter_id,
            )  # fmt: skip
    return invite_page(request, session, visitor, values=values, errors=errors, status_code=422)


def form_values(values: dict[str, str]) -> dict[str, Any]:
    """Form text in the schemas' shape: blanks left out (or None where a field may be
    cleared), whole numbers as numbers."""
    shaped: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("org_unit_id", "trained_on") and value == "":
            shaped[name] = None
        elif (
            name in ("org_unit_id", "max_encounters_per_month") and whole_number(value) is not None
        ):
            shaped[name] = whole_number(value)
        elif value != "":
            shaped[name] = value
    return shaped


# Importing a roster from CSV.


@dataclass(frozen=True)
class Upload:
    form: Form  # the fields (the CSRF token)
    file: bytes  # the chosen file, read up to one byte past the limit; b"" for none


async def read_upload(request: Request) -> Upload:
    """The import form: multipart, one file and a few fields (the shared form reader refuses
    files)."""
    data = await request.form(max_files=1, max_fields=10)
    values: dict[str, list[str]] = {}
    raw = b""
    for name, value in data.multi_items():
        if isinstance(value, UploadFile):
            if name == FILE_FIELD:
                raw = await value.read(MAX_BYTES + 1)
        else:
            values.setdefault(name, []).append(value)
    return Upload(form=Form(values), file=raw)


UploadDep = Annotated[Upload, Depends(read_upload)]


def upload_visitor(request: Request, visitor: SignedInVisitor, upload: UploadDep) -> Visitor:
    """The CSRF check of every form, on the multipart form's fields."""
    return csrf_checked_visitor(request, visitor, upload.form)


def import_page(
    request: Request, session: Session, visitor: Visitor, **context: Any
) -> HTMLResponse:
    return page(
        request, session, visitor, "roster_import.html", active="roster",
        errors=context.pop("errors", {}), max_kb=MAX_BYTES // 1024, max_rows=MAX_ROWS,
        preview=context.pop("preview", None), csv_text=context.pop("csv_text", ""),
        **choices(session), **context,
    )  # fmt: skip


@router.get("/roster/import", response_class=HTMLResponse)
def import_form(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    require_roster_reader(visitor.actor)
    return import_page(request, session, visitor)


@router.post("/roster/import", response_class=HTMLResponse)
def import_preview(
    request: Request,
    session: SessionDep,
    visitor: Annotated[Visitor, Depends(upload_visitor)],
    upload: UploadDep,
) -> HTMLResponse:
    """The dry run: every row with its reasons, nothing written."""
    require_roster_reader(visitor.actor)
    try:
        text = decode_roster_file(upload.file)
        preview = preview_roster_import(session=session, actor=visitor.actor, text=text)
    except DomainError as error:
        return import_page(
            request, session, visitor, errors=domain_error_messages(error), status_code=422
        )
    return import_page(request, session, visitor, preview=preview, csv_text=text)


@router.post("/roster/import/apply", response_class=HTMLResponse)
def import_apply(
    request: Request, session: SessionDep, visitor: CheckedVisitor, form: FormValues
) -> HTMLResponse:
    """The good rows, checked again from the text the preview carried."""
    require_roster_reader(visitor.actor)
    try:
        result = import_roster(session=session, actor=visitor.actor, text=form.first(CSV_FIELD))
    except DomainError as error:
        return import_page(
            request, session, visitor, errors=domain_error_messages(error), status_code=422
        )
    return page(
        request, session, visitor, "roster_imported.html", active="roster", result=result,
        **choices(session),
    )  # fmt: skip


# One supporter.


def supporter_page(
    request: Request, session: Session, visitor: Visitor, supporter_id: int, **context: Any
) -> HTMLResponse:
    entry = read_roster_entry(session=session, actor=visitor.actor, supporter_id=supporter_id)
    values = context.pop("values", None) or current_values(entry.supporter)
    return page(
        request, session, visitor, "roster_supporter.html", active="roster", entry=entry,
        values=values, errors=context.pop("errors", {}), cap_limits=CAP_LIMITS,
        **choices(session), **context,
    )  # fmt: skip


def current_values(supporter: Any) -> dict[str, str]:
    return {
        "status": supporter.status.value,
        "profession_code": supporter.profession_code,
        "org_unit_id": str(supporter.org_unit_id or ""),
        "trained_on": supporter.trained_on.isoformat() if supporter.trained_on else "",
        "max_encounters_per_month": str(supporter.max_encounters_per_month),
    }


@router.get("/roster/{supporter_id}", response_class=HTMLResponse)
def supporter_detail(
    request: Request, session: SessionDep, visitor: SignedInVisitor, supporter_id: IdPath
) -> HTMLResponse:
    return supporter_page(
        request, session, visitor, supporter_id,
        saved=request.query_params.get("saved") == "1",
        invited=request.query_params.get("invited") == "1",
    )  # fmt: skip


@router.post("/roster/{supporter_id}", response_class=HTMLResponse)
def supporter_submit(
    request: Request,
    session: SessionDep,
    visitor: CheckedVisitor,
    supporter_id: IdPath,
    form: FormValues,
) -> Response:
    """Only what the coordinator changed goes to the service (which audits each field)."""
    entry = read_roster_entry(session=session, actor=visitor.actor, supporter_id=supporter_id)
    values = {name: form.first(name).strip() for name in EDITABLE}
    current = current_values(entry.supporter)
    changed = {name: value for name, value in values.items() if value != current[name]}
    data, errors = parse_form(SupporterUpdate, form_values(changed))
    cap = values["max_encounters_per_month"]
    cap_number = whole_number(cap)
    if cap_number is None or not CAP_LIMITS[0] <= cap_number <= CAP_LIMITS[1]:
        data, errors = None, {**errors, "max_encounters_per_month": CAP_MESSAGE}
    if data is not None:
        try:
            update_supporter(
                session=session, actor=visitor.actor, supporter_id=supporter_id, data=data
            )
        except DomainError as error:
            errors = domain_error_messages(error)
        else:
            return redirect_after_post(request, f"/roster/{supporter_id}?saved=1")
    return supporter_page(
        request, session, visitor, supporter_id, values=values, errors=errors, status_code=422
    )
