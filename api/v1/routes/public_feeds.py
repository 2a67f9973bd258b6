"""CORS for the public JSON feeds, beside their GET routes: the preflight `OPTIONS` a browser
sends first when another site's page revalidates a feed with `If-None-Match`, and `HEAD` (which
the preflight announces). The GET answers carry `PUBLIC_FEED_HEADERS` themselves
(api/v1/routes/resources.py, api/v1/routes/directory_hsds.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.http_cache import PUBLIC_FEED_PREFLIGHT_HEADERS
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
