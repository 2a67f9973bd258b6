"""Errors as problem details (RFC 9457): `application/problem+json` with `type`, `title`,
`status`, `detail`, and for 422 an `errors` list naming each field at fault."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.v1.refusals import audit_refusal
from domain.db import DATABASE_UNAVAILABLE, RETRY_AFTER_UNAVAILABLE_SECONDS
from domain.errors import DomainError
from domain.schemas import control_characters_problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
MAX_BODY_BYTES = 1024 * 1024
SAVED_MEANWHILE = "Someone saved the same thing at the same moment. Reload and try again."
UNPARSABLE_BODY = "There was an error parsing the body"  # FastAPI's words for undecodable bodies
TYPE_BASE = "urn:peer-support:problem:"
TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
UNSTORABLE = "A value sent cannot be stored (for example a NUL character); remove it and try again."
DATABASE_AWAY = "The database is busy or unreachable. Nothing was saved; try again in a moment."
UNEXPECTED = "Something went wrong on our side. Try again in a moment."


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


def problem_response(
    status: int,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    title = TITLES.get(status, "Error")
    body = Problem(
        type=TYPE_BASE + title.lower().replace(" ", "-"),
        title=title,
        status=status,
        detail=detail,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def database_unavailable_problem() -> JSONResponse:
    retry = {"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)}
    return problem_response(503, DATABASE_AWAY, headers=retry)


def _field_name(location: tuple[Any, ...]) -> str:
    """`("body", "stressors", 0)` → `stressors[0]`; query and header names stay as they are."""
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    name = ""
    for part in parts:
        name += f"[{part}]" if part.isdigit() else (f".{part}" if name else part)
    return name or "body"


def validation_errors(error: RequestValidationError) -> list[FieldError]:
    return [
        FieldError(
            # A JSON syntax error is located at a character offset, not at a field.
            field="body" if item.get("type") == "json_invalid" else _field_name(tuple(item["loc"])),
            message=_message(item),
        )
        for item in error.errors()
    ]


def _message(item: dict[str, Any]) -> str:
    if item.get("type") == "json_invalid":
        return "The body is not valid JSON."
    if item.get("type") == "extra_forbidden":
        return "This field is not accepted." if item["loc"][0] == "body" else "Unknown parameter."
    return str(item.get("msg", "Invalid value.")).removeprefix("Value error, ")


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = validation_errors(error)
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:3])
        return problem_response(422, detail, errors=errors)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        if error.status_code == 403:
            await run_in_threadpool(audit_refusal, request)
        named = error.field is not None and error.status_code == 422
        field_errors = (
            [FieldError(field=error.field or "", message=error.message)] if named else None
        )
        retry = error.retry_after_seconds
        headers = {"Retry-After": str(retry)} if retry is not None else None
        return problem_response(
            error.status_code, error.message, errors=field_errors, headers=headers
        )

    @app.exception_handler(IntegrityError)
    async def conflict(_request: Request, _error: IntegrityError) -> JSONResponse:
        # Services check before they insert; two requests racing past the check meet here.
        return problem_response(409, SAVED_MEANWHILE)

    @app.exception_handler(DataError)
    async def unstorable(_request: Request, _error: DataError) -> JSONResponse:
        # The database refused a value the checks let through (PostgreSQL refuses NUL in text).
        return problem_response(422, UNSTORABLE)

    async def database_unavailable(_request: Request, _error: Exception) -> JSONResponse:
        return database_unavailable_problem()

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, database_unavailable)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> JSONResponse:
        # The last resort (Starlette's, outside every middleware): problem details, not the
        # default text/plain. The server logs the error itself.
        if isinstance(error, DATABASE_UNAVAILABLE):
            return database_unavailable_problem()
        return problem_response(500, UNEXPECTED)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == UNPARSABLE_BODY:
            message = "The body is not valid JSON (or not UTF-8)."
            return problem_response(
                422, message, errors=[FieldError(field="body", message=message)]
            )
        detail = (
            error.detail if isinstance(error.detail, str) else TITLES.get(error.status_code, "")
        )
        headers = dict(error.headers) if error.headers else None
        return problem_response(error.status_code, detail, headers=headers)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": TITLES[status]} for status in TITLES
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of an operation."""
    return {status: ERROR_RESPONSES[status] for status in statuses}


class TooLargeAsProblem:
    """FastAPI's `max_body_size` answers 413 in plain text; API clients get problem details."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replacing = False

        async def send_problem_for_413(message: Message) -> None:
            nonlocal replacing
            if message["type"] == "http.response.start" and message["status"] == 413:
                replacing = True
                return
            if not replacing:
                await send(message)
            elif not message.get("more_body", False):
                detail = f"The request body is over the {MAX_BODY_BYTES // 1024 // 1024} MiB limit."
                await problem_response(413, detail)(scope, receive, send)

        await self.app(scope, receive, send_problem_for_413)


def _query_names(dependant: Dependant) -> list[str]:
    names = [param.alias for param in dependant.query_params]
    for sub in dependant.dependencies:
        names.extend(_query_names(sub))
    return names


def check_query_parameters(request: Request) -> None:
    """Unknown query parameters are refused like unknown body fields, so a misspelt filter
    (`?profesion=nurse`) never silently returns everything; control characters are refused
    as in bodies."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = set(_query_names(dependant))
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise RequestValidationError(
            [
                {"type": "extra_forbidden", "loc": ("query", name), "msg": "", "input": None}
                for name in unknown
            ]
        )
    garbled = {
        name: problem
        for name, value in request.query_params.multi_items()
        if (problem := control_characters_problem(value))
    }
    if garbled:
        raise RequestValidationError(
            [
                {"type": "value_error", "loc": ("query", name), "msg": problem.capitalize() + "."}
                for name, problem in sorted(garbled.items())
            ]
        )
