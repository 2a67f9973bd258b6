"""How much a page's form may send: about 64 KB for every page POST, more for the roster
import (a CSV file, then its text carried back by the preview). A body over the limit gets a
calm 413 page, never a 500. /api/v1 keeps its own limit (problem details).

The limit is checked twice: against Content-Length before anything is read, and against the
bytes that arrive (a body sent in chunks has no Content-Length)."""

from __future__ import annotations

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.supporters.roster_import import MAX_BYTES as MAX_IMPORT_FILE_BYTES
from web.errors import error_page

PAGE_BODY_LIMIT = 64 * 1024
# The import's file (256 KB) plus the form around it; its text sent back form-encoded grows
# (commas, @ and line ends become three characters each), so the room is generous.
IMPORT_BODY_LIMIT = MAX_IMPORT_FILE_BYTES + 128 * 1024
IMPORT_PATHS = frozenset({"/roster/import", "/roster/import/apply"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOO_LARGE = (
    "What was sent is too large for this page, so nothing was saved. "
    "Go back, shorten it, and try again."
)


class PageBodyTooLarge(StarletteHTTPException):
    """Raised while the body is read; the page error handlers answer it with a calm 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE)


def body_limit_for(path: str) -> int | None:
    """The most a page POST to this path may send; None for /api/v1 (its own limit)."""
    if path == "/api/v1" or path.startswith("/api/v1/"):
        return None
    return IMPORT_BODY_LIMIT if path in IMPORT_PATHS else PAGE_BODY_LIMIT


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class PageBodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = body_limit_for(scope["path"]) if scope["type"] == "http" else None
        if limit is None or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await too_large_page(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PageBodyTooLarge()
            return message

        await self.app(scope, counted_receive, send)


async def too_large_page(scope: Scope, receive: Receive, send: Send) -> None:
    response = await error_page(Request(scope, receive), TOO_LARGE, 413)
    await response(scope, receive, send)
