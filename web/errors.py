"""How pages show errors: a calm page with a message, never a stack trace; a page that needs
a signed-in person sends the browser to sign in and back."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import DomainError
from web.rendering import is_htmx, render
from web.session import SignInRequired, sign_in_location

MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    422: "Some of what was sent is not valid.",
}


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or is_htmx(request)


def error_page(request: Request, message: str, status_code: int) -> Response:
    context: dict[str, object] = {"message": message, "visitor": None, "crisis_resources": []}
    return render(request, "error.html", context, status_code=status_code, private=True)


def install_page_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        message = MESSAGES.get(error.status_code, str(error.detail))
        if not _wants_html(request):
            return JSONResponse(
                {"title": message}, status_code=error.status_code, headers=error.headers
            )
        return error_page(request, message, error.status_code)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        return error_page(request, error.message, error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_address(request: Request, _error: RequestValidationError) -> Response:
        return error_page(request, "This address is not valid. Go back and try again.", 422)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, error: SignInRequired) -> Response:
        location = sign_in_location(error.next_path)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)
