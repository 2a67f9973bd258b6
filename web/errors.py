"""How pages show errors: a calm page with a message, never a stack trace."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import DomainError
from web.rendering import render

MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
}


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def install_page_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if not _wants_html(request):
            return JSONResponse(
                {"title": MESSAGES.get(error.status_code, str(error.detail))},
                status_code=error.status_code,
                headers=error.headers,
            )
        message = MESSAGES.get(error.status_code, str(error.detail))
        return render(request, "error.html", {"message": message}, status_code=error.status_code)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        return render(
            request,
            "error.html",
            {"message": error.message},
            status_code=error.status_code,
            private=True,
        )
