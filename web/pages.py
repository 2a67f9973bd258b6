"""Public pages: home and the first-run setup link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, client_ip
from domain.errors import DomainError
from domain.program_settings.service import get_program_settings
from domain.users.models import UserCreate
from domain.users.service import check_setup_token, complete_setup, user_count
from web.forms import domain_error_messages, parse_form
from web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    context = {
        "program_name": get_program_settings(session).program_name,
        "awaiting_setup": user_count(session) == 0,
        "setup_done": request.query_params.get("setup") == "done",
    }
    return render(request, "home.html", context)


@router.get("/setup/{token}", response_class=HTMLResponse)
def setup_form(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    check_setup_token(session, token)
    return render(request, "setup.html", {"values": {}, "errors": {}}, private=True)


@router.post("/setup/{token}", response_class=HTMLResponse)
async def setup_submit(request: Request, session: SessionDep, token: str) -> Response:
    check_setup_token(session, token)
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in ("email", "display_name")}
    password, confirmation = str(form.get("password", "")), str(form.get("confirm", ""))
    data, errors = parse_form(UserCreate, {**values, "password": password, "roles": ["admin"]})
    if not errors and password != confirmation:
        errors["confirm"] = "The two passwords differ."
    if data is not None and not errors:
        try:
            complete_setup(session=session, token=token, data=data, ip=client_ip(request))
        except DomainError as error:
            errors = domain_error_messages(error)
        else:
            return RedirectResponse("/?setup=done", status_code=303)
    context = {"values": values, "errors": errors}
    return render(request, "setup.html", context, status_code=422, private=True)
