"""Rendering pages: one Jinja2 environment, code labels available to every template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from domain.codes import label

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
STYLESHEET = "peer-support-0.1.0.css"

templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.globals["label"] = label
templates.env.globals["stylesheet"] = STYLESHEET


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    private: bool = False,
) -> HTMLResponse:
    """A page. `private` pages (anything personal or secret) are never stored by caches."""
    response = templates.TemplateResponse(request, template, context or {}, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    if private:
        response.headers["Cache-Control"] = "no-store"
    return response
