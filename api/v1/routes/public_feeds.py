"""CORS for the public JSON feeds, beside their GET routes: the preflight `OPTIONS` a browser
sends first when another site's page revalidates a feed with `If-None-Match`, `HEAD` (which
the preflight announces), and `PublicFeedHeaders`, which puts `PUBLIC_FEED_HEADERS` on every
answer of the two paths: the feeds themselves, and their problems too (a 422 naming the field
at fault, a 503 while the database is away), which another site's script could not read
otherwise."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http_cache import PUBLIC_FEED_HEADERS, PUBLIC_FEED_PREFLIGHT_HEADERS
from api.v1.routes.directory_hsds import directory_hsds_route
from api.v1.routes.resources import directory_route

router = APIRouter()
PUBLIC_FEEDS = ("/directory", "/directory/hsds")


def feed_preflight() -> Response:
    return Response(status_code=204, headers=PUBLIC_FEED_PREFLIGHT_HEADERS)


for feed in PUBLIC_FEEDS:
    router.add_api_route(
        feed, feed_preflight, methods=["OPTIONS"], include_in_schema=False, status_code=204
    )
# The same answer without its body (the server leaves the body out of a HEAD answer).
for feed, answer in (("/directory", directory_route), ("/directory/hsds", directory_hsds_route)):
    router.add_api_route(feed, answer, methods=["HEAD"], include_in_schema=False)


def route_path(scope: Scope) -> str:
    """The path inside the app (`/directory`), whatever the app is mounted under (`/api/v1`)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class PublicFeedHeaders:
    """`PUBLIC_FEED_HEADERS` on every answer of `PUBLIC_FEEDS`, errors included; a header the
    answer already sets is left as it is. Installed on the API app (api/v1/app.py), inside its
    exception handlers' middleware, so it sees the problems they write."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope) not in PUBLIC_FEEDS:
            await self.app(scope, receive, send)
            return

        async def send_with_feed_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in PUBLIC_FEED_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_feed_headers)
