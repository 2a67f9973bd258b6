"""How pages show errors: a calm page with a message, never a stack trace; a page that needs
a signed-in person sends the browser to sign in and back."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.v1.problems import database_unavailable_problem, problem_response
from domain.db import DATABASE_UNAVAILABLE, RETRY_AFTER_UNAVAILABLE_SECONDS, read_only, unit_of_work
from domain.errors import DomainError
from domain.resources.crisis import crisis_contacts_without_database
from domain.resources.service import crisis_resources
from web.late_forms import keep_late_form, sign_out_late
from web.pages.embed import EMBED_PREFIX
from web.rendering import is_htmx, render
from web.session import SignInRequired, optional_visitor, sign_in_location

MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    422: "Some of what was sent is not valid.",
}
DATABASE_AWAY = (
    "We cannot reach our records for a moment, so nothing can be shown or saved right now. "
    "Please try again in a minute."
)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or is_htmx(request)


def _reads_the_session(request: Request) -> bool:
    """Whether an error page may look up the visitor: never under the embed, which lives in
    another site's frame and is the same for everyone (web/pages/embed.py)."""
    return not request.url.path.startswith(EMBED_PREFIX)


def _page_context(request: Request) -> dict[str, object]:
    """The header's crisis contacts and the visitor, read in a unit of work of their own (the
    request's own may have been rolled back); without a database, a page still renders."""
    try:
        with unit_of_work(read_only(request.app.state.engine)) as session:
            visitor = optional_visitor(request, session) if _reads_the_session(request) else None
            return {"visitor": visitor, "crisis_resources": crisis_resources(session)}
    except SQLAlchemyError:
        return _context_without_database()


def _context_without_database() -> dict[str, object]:
    return {"visitor": None, "crisis_resources": crisis_contacts_without_database()}


async def error_page(
    request: Request,
    message: str,
    status_code: int,
    *,
    context: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    shared = context if context is not None else await run_in_threadpool(_page_context, request)
    # htmx puts the message where the page's main content is, whatever it asked to swap.
    retarget = {"HX-Retarget": "#main", "HX-Reswap": "innerHTML"} if is_htmx(request) else {}
    return render(
        request, "error.html", {"message": message, "status_code": status_code, **shared},
        status_code=status_code, private=True, block="content",
        headers={**retarget, **(headers or {})},
    )  # fmt: skip


async def database_away_page(request: Request) -> Response:
    """503 without touching the database again: no visitor, the crisis contacts read last."""
    if not _wants_html(request):
        return database_unavailable_problem()
    retry = {"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)}
    return await error_page(
        request, DATABASE_AWAY, 503, context=_context_without_database(), headers=retry
    )


def install_page_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        message = MESSAGES.get(error.status_code, str(error.detail))
        if not _wants_html(request):
            # API clients (also for addresses that never reached /api/v1) get problem details.
            headers = dict(error.headers) if error.headers else None
            return problem_response(error.status_code, message, headers=headers)
        return await error_page(request, message, error.status_code)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        retry = error.retry_after_seconds
        headers = {"Retry-After": str(retry)} if retry is not None else None
        return await error_page(request, error.message, error.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_address(request: Request, _error: RequestValidationError) -> Response:
        return await error_page(request, "This address is not valid. Go back and try again.", 422)

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, _error: IntegrityError) -> Response:
        message = "Someone saved the same thing at the same moment. Reload and try again."
        return await error_page(request, message, 409)

    @app.exception_handler(DataError)
    async def unstorable(request: Request, _error: DataError) -> Response:
        # The database refused a value the checks let through (PostgreSQL refuses NUL in text).
        message = "Some of what was sent cannot be stored. Remove unusual characters and retry."
        return await error_page(request, message, 422)

    async def database_unavailable(request: Request, _error: Exception) -> Response:
        return await database_away_page(request)

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, database_unavailable)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        if isinstance(error, DATABASE_UNAVAILABLE):  # raised where the handlers above cannot see
            return await database_away_page(request)
        # The error itself is logged by the server; the person gets a calm page and the
        # crisis button, never a stack trace; a program (an error in a middleware in front of
        # /api/v1, say) gets problem details.
        message = "Something went wrong on our side. Please try again in a moment."
        if not _wants_html(request):
            return problem_response(500, message)
        return await error_page(request, message, 500)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, error: SignInRequired) -> Response:
        location = sign_in_location(error.next_path)
        if await keep_late_form(request):
            location += "&kept=1"
        else:
            await sign_out_late(request)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)
