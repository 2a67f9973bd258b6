"""Pages for everyone: home, sign-in and sign-out, crisis contacts, the first-run setup link
and the "set your password" link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, client_ip
from domain.auth.throttle import TooManyAttempts
from domain.errors import DomainError, InvalidInput
from domain.program_settings.service import get_program_settings
from domain.users.models import UserCreate
from domain.users.service import check_setup_token, complete_setup, user_count
from domain.web_sessions.service import (
    check_password_link,
    end_session,
    sign_in,
    use_password_link,
)
from web.forms import FormValues, domain_error_messages, parse_form
from web.pages.common import page, redirect_after_post
from web.pages.home import home_page
from web.session import (
    SIGN_IN_CHECK_FIELD,
    SIGN_OUT_ADDRESS,
    CheckedVisitor,
    MaybeVisitor,
    clear_session_cookie,
    clear_sign_in_check_cookie,
    new_sign_in_check,
    safe_next_path,
    session_token,
    set_session_cookie,
    set_sign_in_check_cookie,
    sign_in_check_matches,
)

router = APIRouter(include_in_schema=False)
SIGN_IN_FAILED = "That email and password do not match an active account."


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, visitor: MaybeVisitor) -> Response:
    """Signed in: the home of the person's role (web/pages/home.py); else the front page."""
    if visitor is not None:
        return home_page(request, session, visitor)
    return page(
        request,
        session,
        None,
        "home.html",
        program_name=get_program_settings(session).program_name,
        awaiting_setup=user_count(session) == 0,
        setup_done=request.query_params.get("setup") == "done",
    )


@router.get("/crisis", response_class=HTMLResponse)
def crisis(request: Request, session: SessionDep, visitor: MaybeVisitor) -> HTMLResponse:
    return page(request, session, visitor, "crisis.html", active="guide")


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request,
    session: SessionDep,
    visitor: MaybeVisitor,
    next_path: Annotated[str | None, Query(alias="next")] = None,
    kept: str | None = None,
) -> Response:
    if visitor is not None:
        return redirect_after_post(request, safe_next_path(next_path))
    return sign_in_page(request, session, next_path=safe_next_path(next_path), kept=kept == "1")


def sign_in_page(
    request: Request,
    session: SessionDep,
    *,
    next_path: str,
    status_code: int = 200,
    email: str = "",
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    kept: bool = False,
) -> HTMLResponse:
    """The form, with a fresh sign-in check in a cookie and in the form (login CSRF). `kept`:
    a form posted after the session ended was kept (web/late_forms.py), and the page says so."""
    check = new_sign_in_check()
    response = page(
        request, session, None, "sign_in.html", status_code=status_code,
        values={"email": email}, errors=errors or {}, next=next_path, sign_in_check=check,
        headers=headers, private=True, kept=kept,
    )  # fmt: skip
    set_sign_in_check_cookie(request, response, check)
    return response


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in_submit(request: Request, session: SessionDep, form: FormValues) -> Response:
    email, password = form.first("email").strip(), form.first("password")
    next_path = safe_next_path(form.first("next"))
    kept = form.first("kept") == "1"
    if not sign_in_check_matches(request, form.first(SIGN_IN_CHECK_FIELD)):
        # Another site may not sign this browser in to an account of its choosing.
        message = "This sign-in form had expired. Please sign in again."
        return sign_in_page(
            request, session, next_path=next_path, status_code=403, email=email,
            errors={"form": message}, kept=kept,
        )  # fmt: skip
    status, errors, headers = 401, {"form": SIGN_IN_FAILED}, {}
    try:
        signed_in = sign_in(
            session,
            email=email,
            password=password,
            ip=client_ip(request) or "unknown",
            previous_token=session_token(request),
        )
    except TooManyAttempts as refused:
        status, errors, signed_in = 429, {"form": refused.message}, None
        headers = {"Retry-After": str(refused.retry_after_seconds)}
    if signed_in is not None:
        response = redirect_after_post(request, next_path)
        lifetime = signed_in.web_session.expires_at - signed_in.web_session.created_at
        set_session_cookie(request, response, signed_in.token, int(lifetime.total_seconds()))
        clear_sign_in_check_cookie(response)
        return response
    return sign_in_page(
        request, session, next_path=next_path, status_code=status, email=email, errors=errors,
        headers=headers, kept=kept,
    )  # fmt: skip


@router.post(SIGN_OUT_ADDRESS)
def sign_out(request: Request, session: SessionDep, _visitor: CheckedVisitor) -> Response:
    token = session_token(request)
    if token:
        end_session(session, token=token)
    response = redirect_after_post(request, "/")
    clear_session_cookie(request, response)
    return response


@router.get("/setup/{token}", response_class=HTMLResponse)
def setup_form(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    check_setup_token(session, token)
    return page(request, session, None, "setup.html", values={}, errors={}, private=True)


@router.post("/setup/{token}", response_class=HTMLResponse)
def setup_submit(request: Request, session: SessionDep, token: str, form: FormValues) -> Response:
    check_setup_token(session, token)
    values = {name: form.first(name) for name in ("email", "display_name")}
    password, confirmation = form.first("password"), form.first("confirm")
    data, errors = parse_form(UserCreate, {**values, "password": password, "roles": ["admin"]})
    if not errors and password != confirmation:
        errors["confirm"] = "The two passwords differ."
    if data is not None and not errors:
        try:
            complete_setup(session=session, token=token, data=data, ip=client_ip(request))
        except DomainError as error:
            errors = domain_error_messages(error)
        else:
            return redirect_after_post(request, "/?setup=done")
    return page(
        request, session, None, "setup.html", status_code=422, values=values, errors=errors,
        private=True,
    )  # fmt: skip


@router.get("/set-password/{token}", response_class=HTMLResponse)
def set_password_form(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    check_password_link(session, token)
    return page(request, session, None, "set_password.html", errors={}, private=True)


@router.post("/set-password/{token}", response_class=HTMLResponse)
def set_password_submit(
    request: Request, session: SessionDep, token: str, form: FormValues
) -> Response:
    check_password_link(session, token)
    password, confirmation = form.first("password"), form.first("confirm")
    errors: dict[str, str] = {}
    if password != confirmation:
        errors["confirm"] = "The two passwords differ."
    else:
        try:
            use_password_link(session, token=token, password=password, ip=client_ip(request))
        except InvalidInput as error:
            errors = domain_error_messages(error)
        else:
            return redirect_after_post(request, "/sign-in?password=set")
    return page(
        request, session, None, "set_password.html", status_code=422, errors=errors,
        private=True,
    )  # fmt: skip
