"""What every page needs: the visitor, the crisis contacts for the header, and the rules for
answering a form (303 for a browser, HX-Redirect for htmx)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from domain.program_settings.service import get_program_settings
from domain.resources.service import crisis_resources
from web.rendering import is_htmx, render
from web.session import Visitor


def page(
    request: Request,
    session: Session,
    visitor: Visitor | None,
    template: str,
    *,
    status_code: int = 200,
    block: str | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page with the shared context; pages of a signed-in visitor are never cached."""
    settings = get_program_settings(session)
    full_context = {
        "visitor": visitor,
        "crisis_resources": crisis_resources(session),
        "time_zone": settings.time_zone,
        # The keep-alive script pings well inside this (web/pages/session_alive.py).
        "idle_minutes": settings.session_idle_minutes,
        **context,
    }
    return render(
        request,
        template,
        full_context,
        status_code=status_code,
        private=visitor is not None or context.get("private", False),
        block=block,
        headers=headers,
    )


def redirect_after_post(request: Request, location: str) -> Response:
    """After a successful form: htmx follows HX-Redirect, a plain browser a 303."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)
