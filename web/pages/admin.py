"""Workspace pages for admins: users (invite, roles, deactivate, resend an invitation), API
clients (create with scopes, the secret shown once; revoke) and the audit log (search, CSV).

Every rule is a service's: who may act (admins), the last-admin rule, one account per email,
deactivation ending sessions and tokens, and the audit of each change, read and export.
Pages that show a secret (an API client's, a set-password link) are answered once, never
cached (`Cache-Control: no-store`, like every signed-in page), and never shown again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep
from domain.api_clients.models import ApiClientCreate
from domain.api_clients.service import (
    create_api_client,
    get_api_client,
    list_api_clients,
    revoke_api_client,
)
from domain.audit.models import AuditEvent
from domain.audit.service import (
    EXPORT_MAX_ROWS,
    AuditFilters,
    export_audit_events,
    list_audit_events,
)
from domain.codes import ApiScope, Role
from domain.errors import DomainError, PermissionDenied
from domain.pagination import PageRequest
from domain.program_settings.service import program_time_zone
from domain.types import MAX_ROW_ID
from domain.users.invitations import (
    Invitation,
    awaiting_password,
    invite_user,
    resend_invitation,
)
from domain.users.models import User, UserCreate, UserUpdate
from domain.users.service import (
    UserFilters,
    find_user_by_email,
    get_user,
    list_users,
    update_user,
)
from web.exports import CsvCell, csv_download
from web.forms import FormValues, domain_error_messages, parse_form
from web.pages.common import page, redirect_after_post
from web.session import CheckedVisitor, SignedInVisitor, Visitor

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
AfterQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
PAGE_SIZE = 50
ADMINS_ONLY = "These pages are for admins."


def require_admin(visitor: Visitor) -> None:
    """Pages check first, so nothing is read for someone else; the services check again."""
    if not visitor.actor.has_any_role(Role.admin):
        raise PermissionDenied(ADMINS_ONLY)


def answered(values: dict[str, Any]) -> dict[str, Any]:
    """Blank answers left out, so the schema says "Fill this in." for them."""
    return {name: value for name, value in values.items() if value not in ("", [])}


# Users.

ACTIVE_CHOICES = {"": None, "active": True, "inactive": False}


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    q: Annotated[str, Query(max_length=100)] = "",
    role: Role | Literal[""] | None = None,  # "All roles" sends `role=`
    status: Annotated[str, Query(pattern="^(|active|inactive)$")] = "",
    after: AfterQuery = None,
) -> HTMLResponse:
    require_admin(visitor)
    filters = UserFilters(text=q or None, role=role or None, active=ACTIVE_CHOICES[status])
    listed = list_users(
        session=session, actor=visitor.actor, page=PageRequest(PAGE_SIZE, after), filters=filters
    )
    return page(
        request, session, visitor, "admin_users.html", active="users", users=listed.items,
        next_after=listed.next_after_id, q=q, role=role or "", status=status, roles=list(Role),
        awaiting_password=awaiting_password, first_page=after is None,
    )  # fmt: skip


def invite_page(
    request: Request, session: Session, visitor: Visitor, values: dict[str, Any], **context: Any
) -> HTMLResponse:
    return page(
        request, session, visitor, "admin_invite.html", active="users", values=values,
        roles=list(Role), errors=context.pop("errors", {}), **context,
    )  # fmt: skip


@router.get("/admin/users/invite", response_class=HTMLResponse)
def invite_form(request: Request, session: SessionDep, visitor: SignedInVisitor) -> HTMLResponse:
    require_admin(visitor)
    return invite_page(request, session, visitor, {"roles": []})


@router.post("/admin/users/invite", response_class=HTMLResponse)
def invite_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, form: FormValues
) -> Response:
    require_admin(visitor)
    values = {
        "email": form.first("email").strip(),
        "display_name": form.first("display_name"),
        "roles": form.all("roles"),
    }
    data, errors = parse_form(UserCreate, answered(values))
    if "roles" in errors:
        errors["roles"] = "Choose at least one role."
    if values["email"] and "email" in errors:
        errors["email"] = "Enter an email address, like name@hospital.org."
    if data is not None:
        try:
            invitation = invite_user(session=session, actor=visitor.actor, data=data)
        except DomainError as error:
            errors = domain_error_messages(error)
        else:
            return invitation_answer(request, session, visitor, invitation, resent=False)
    return invite_page(request, session, visitor, values, errors=errors, status_code=422)


def invitation_answer(
    request: Request, session: Session, visitor: Visitor, invitation: Invitation, *, resent: bool
) -> Response:
    """Mailed: back to the person's page. Not mailed (no SMTP_URL): the link, this once, for
    the admin to pass on (a signed-in page: never cached)."""
    user_id = invitation.user.id
    if invitation.mailed:
        return redirect_after_post(request, f"/admin/users/{user_id}?invited=1")
    return page(
        request, session, visitor, "admin_invited.html", active="users",
        invited=invitation.user, link=invitation.link, resent=resent,
    )  # fmt: skip


def user_page(
    request: Request, session: Session, visitor: Visitor, user: User, **context: Any
) -> HTMLResponse:
    return page(
        request, session, visitor, "admin_user.html", active="users", person=user,
        roles=list(Role), errors=context.pop("errors", {}),
        chosen_roles=context.pop("chosen_roles", sorted(user.roles)),
        awaiting=awaiting_password(user), is_self=user.id == visitor.user.id, **context,
    )  # fmt: skip


def _user(session: Session, visitor: Visitor, user_id: int) -> User:
    require_admin(visitor)
    return get_user(session=session, actor=visitor.actor, user_id=user_id)


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_detail(
    request: Request, session: SessionDep, visitor: SignedInVisitor, user_id: IdPath
) -> HTMLResponse:
    user = _user(session, visitor, user_id)
    notice = {
        "invited": "Invitation queued for mail: it goes out within a few minutes.",
        "roles": "Roles saved.",
        "deactivated": "Deactivated: signed out everywhere, API tokens refused.",
        "reactivated": "Reactivated.",
    }
    shown = next((text for key, text in notice.items() if request.query_params.get(key)), None)
    return user_page(request, session, visitor, user, notice=shown)


@router.post("/admin/users/{user_id}/roles", response_class=HTMLResponse)
def roles_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, user_id: IdPath,
    form: FormValues,
) -> Response:  # fmt: skip
    user = _user(session, visitor, user_id)
    chosen = form.all("roles")
    data, errors = parse_form(UserUpdate, {"roles": chosen})
    if "roles" in errors:
        errors["roles"] = "Choose at least one role."
    if data is not None:
        try:
            update_user(session=session, actor=visitor.actor, user_id=user_id, data=data)
        except DomainError as error:
            errors = {"roles": error.message}
        else:
            return redirect_after_post(request, f"/admin/users/{user_id}?roles=1")
    return user_page(
        request, session, visitor, user, errors=errors, chosen_roles=chosen, status_code=422
    )


@router.post("/admin/users/{user_id}/active", response_class=HTMLResponse)
def active_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, user_id: IdPath,
    form: FormValues,
) -> Response:  # fmt: skip
    user = _user(session, visitor, user_id)
    wanted = form.first("active")
    if wanted not in ("yes", "no"):
        return user_page(
            request, session, visitor, user, errors={"active": "Choose one."}, status_code=422
        )
    data = UserUpdate(active=wanted == "yes")
    try:
        update_user(session=session, actor=visitor.actor, user_id=user_id, data=data)
    except DomainError as error:
        return user_page(
            request, session, visitor, user, errors={"active": error.message}, status_code=422
        )
    done = "reactivated" if data.active else "deactivated"
    return redirect_after_post(request, f"/admin/users/{user_id}?{done}=1")


@router.post("/admin/users/{user_id}/invitation", response_class=HTMLResponse)
def resend_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, user_id: IdPath
) -> Response:
    user = _user(session, visitor, user_id)
    try:
        invitation = resend_invitation(session=session, actor=visitor.actor, user_id=user_id)
    except DomainError as error:
        return user_page(
            request, session, visitor, user, errors={"invitation": error.message},
            status_code=422,
        )  # fmt: skip
    return invitation_answer(request, session, visitor, invitation, resent=True)


# API clients.


@router.get("/admin/api-clients", response_class=HTMLResponse)
def api_clients_page(
    request: Request, session: SessionDep, visitor: SignedInVisitor, after: AfterQuery = None
) -> HTMLResponse:
    require_admin(visitor)
    listed = list_api_clients(
        session=session, actor=visitor.actor, page=PageRequest(PAGE_SIZE, after)
    )
    return page(
        request, session, visitor, "admin_api_clients.html", active="api_clients",
        clients=listed.items, next_after=listed.next_after_id, first_page=after is None,
        revoked=request.query_params.get("revoked") is not None,
    )  # fmt: skip


def new_client_page(
    request: Request, session: Session, visitor: Visitor, values: dict[str, Any], **context: Any
) -> HTMLResponse:
    return page(
        request, session, visitor, "admin_api_client_new.html", active="api_clients",
        values=values, scopes=list(ApiScope), errors=context.pop("errors", {}), **context,
    )  # fmt: skip


@router.get("/admin/api-clients/new", response_class=HTMLResponse)
def new_client_form(
    request: Request, session: SessionDep, visitor: SignedInVisitor
) -> HTMLResponse:
    require_admin(visitor)
    return new_client_page(request, session, visitor, {"scopes": []})


@router.post("/admin/api-clients/new", response_class=HTMLResponse)
def new_client_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, form: FormValues
) -> Response:
    require_admin(visitor)
    values = {"name": form.first("name"), "scopes": form.all("scopes")}
    data, errors = parse_form(ApiClientCreate, answered(values))
    if "scopes" in errors:
        errors["scopes"] = "Choose at least one scope."
    if data is not None:
        try:
            client, secret = create_api_client(session=session, actor=visitor.actor, data=data)
        except DomainError as error:
            errors = domain_error_messages(error)
        else:
            # The secret, this once: no redirect (it would have to be kept somewhere to be
            # shown after it), and a signed-in page is never cached.
            return page(
                request, session, visitor, "admin_api_client_created.html",
                active="api_clients", created=client, secret=secret,
            )  # fmt: skip
    return new_client_page(request, session, visitor, values, errors=errors, status_code=422)


@router.get("/admin/api-clients/{api_client_id}/revoke", response_class=HTMLResponse)
def revoke_confirmation(
    request: Request, session: SessionDep, visitor: SignedInVisitor, api_client_id: IdPath
) -> HTMLResponse:
    require_admin(visitor)
    client = get_api_client(session=session, actor=visitor.actor, api_client_id=api_client_id)
    return page(
        request, session, visitor, "admin_api_client_revoke.html", active="api_clients",
        api_client=client,
    )  # fmt: skip


@router.post("/admin/api-clients/{api_client_id}/revoke", response_class=HTMLResponse)
def revoke_submit(
    request: Request, session: SessionDep, visitor: CheckedVisitor, api_client_id: IdPath
) -> Response:
    require_admin(visitor)
    revoke_api_client(session=session, actor=visitor.actor, api_client_id=api_client_id)
    return redirect_after_post(request, "/admin/api-clients?revoked=1")


# The audit log.


@dataclass(frozen=True)
class AuditSearch:
    """The search form as typed (`values`), what it selects (`filters`), or its messages."""

    values: dict[str, str]
    filters: AuditFilters
    errors: dict[str, str]

    def query(self, **extra: object) -> str:
        kept = {name: value for name, value in self.values.items() if value}
        return urlencode(kept | {name: str(v) for name, v in extra.items()})


def _parse_day(raw: str, errors: dict[str, str], field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[field] = "Enter a date, like 2026-03-31."
        return None


def audit_search(session: Session, *, actor: str, action: str, start: str, end: str) -> AuditSearch:
    """Local dates (the program's time zone) become a UTC range from the first day's start to
    the day after the last; an email names the person's events (`user:<id>`)."""
    values = {"actor": actor.strip(), "action": action.strip(), "from": start, "to": end}
    errors: dict[str, str] = {}
    who = values["actor"]
    if who and "@" in who and ":" not in who:
        found = find_user_by_email(session, who)
        if found is None:
            errors["actor"] = f"No user has the email {who}."
        else:
            who = f"user:{found.id}"
    first = _parse_day(start, errors, "from")
    last = _parse_day(end, errors, "to")
    if first and last and last < first:
        errors["to"] = "The last day comes before the first."
    zone = program_time_zone(session)

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone)

    filters = AuditFilters(
        actor=who or None,
        action_prefix=values["action"].lower() or None,
        since=start_of(first) if first else None,
        until=start_of(last + timedelta(days=1)) if last else None,
    )
    return AuditSearch(values=values, filters=filters, errors=errors)


SearchText = Annotated[str, Query(max_length=100)]
FromDay = Annotated[str, Query(alias="from", max_length=10)]
ToDay = Annotated[str, Query(alias="to", max_length=10)]


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    actor: SearchText = "",
    action: SearchText = "",
    start: FromDay = "",
    end: ToDay = "",
    before: AfterQuery = None,
) -> HTMLResponse:
    require_admin(visitor)
    search = audit_search(session, actor=actor, action=action, start=start, end=end)
    events: list[AuditEvent] = []
    older = None
    if not search.errors:
        listed = list_audit_events(
            session=session, actor=visitor.actor, page=PageRequest(PAGE_SIZE, before),
            filters=search.filters,
        )  # fmt: skip
        events, older = listed.items, listed.next_after_id
    return page(
        request, session, visitor, "admin_audit.html", active="audit", search=search,
        values=search.values, errors=search.errors, events=events, older=older,
        first_page=before is None, export_limit=EXPORT_MAX_ROWS,
        status_code=422 if search.errors else 200,
    )  # fmt: skip


@router.get("/admin/audit/export")
def audit_export(
    request: Request,
    session: SessionDep,
    visitor: SignedInVisitor,
    actor: SearchText = "",
    action: SearchText = "",
    start: FromDay = "",
    end: ToDay = "",
) -> Response:
    require_admin(visitor)
    search = audit_search(session, actor=actor, action=action, start=start, end=end)
    if search.errors:
        return audit_page(
            request, session, visitor, actor=actor, action=action, start=start, end=end
        )
    rows = export_audit_events(session=session, actor=visitor.actor, filters=search.filters)
    zone = program_time_zone(session)
    header = [
        "id", "at_utc", f"at_local ({zone.key})", "actor", "action", "object_type",
        "object_id", "outcome", "ip",
    ]  # fmt: skip
    return csv_download("audit-events.csv", header, (audit_row(event, zone) for event in rows))


def audit_row(event: AuditEvent, zone: ZoneInfo) -> list[CsvCell]:
    return [
        event.id, event.at.isoformat(), event.at.astimezone(zone).isoformat(), event.actor,
        event.action, event.object_type, event.object_id, event.outcome, event.ip,
    ]  # fmt: skip
