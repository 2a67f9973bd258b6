"""Answers that are the same bytes for everyone (the public directory, its HSDS export, the
embed): a strong `ETag` over the body, `If-None-Match` answered with 304, and a `Cache-Control`
that lets shared caches keep them for 5 minutes, so an edit shows within that time."""

from __future__ import annotations

import hashlib

from fastapi import Request, Response

SHARED_CACHE_FIVE_MINUTES = "public, max-age=300"
# Headers a 304 repeats from the answer it stands for (RFC 9110, section 15.4.5). A cache
# updates the stored answer's headers from the 304, so a header left off here would be replaced
# by the site's default (the embed's policy by `frame-ancestors 'none'`).
KEPT_ON_NOT_MODIFIED = (
    "etag",
    "cache-control",
    "vary",
    "link",
    "content-security-policy",
    "access-control-allow-origin",
    "access-control-expose-headers",
)
# The public JSON feeds (the directory and its HSDS export) are read by other sites' pages: any
# origin, never with credentials (no `Allow-Credentials`, and `*` forbids them anyway), and
# their scripts may read the ETag (to revalidate) and Link (the next page).
PUBLIC_FEED_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Link",
}
# The answer to a CORS preflight of a feed: what a page may send it, remembered for a day.
PUBLIC_FEED_PREFLIGHT_HEADERS = {
    **PUBLIC_FEED_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Cache-Control, If-None-Match",
    "Access-Control-Max-Age": "86400",
}


def body_etag(body: bytes, headers: dict[str, str] | None = None) -> str:
    """A tag over the body and the headers the answer sets: an answer whose body stays the
    same while a header changes (the embed's `frame-ancestors` after a settings change) is a
    new answer, and a cache that revalidates must get it."""
    digest = hashlib.sha256(body)
    for name, value in sorted((name.lower(), value) for name, value in (headers or {}).items()):
        digest.update(f"\n{name}: {value}".encode())
    return f'"{digest.hexdigest()[:32]}"'


def etag_matches(request: Request, etag: str) -> bool:
    """`If-None-Match` holds this tag, or `*` (weak comparison, as RFC 9110 asks for GET)."""
    header = request.headers.get("if-none-match", "")
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags or "*" in tags


def cacheable_answer(
    request: Request,
    body: bytes,
    *,
    media_type: str,
    cache_control: str = SHARED_CACHE_FIVE_MINUTES,
    headers: dict[str, str] | None = None,
) -> Response:
    """The answer with its `ETag` (over `body` and `headers`), or a 304 when the client
    already holds it."""
    answer = Response(content=body, media_type=media_type, headers=headers)
    answer.headers["ETag"] = body_etag(body, headers)
    answer.headers["Cache-Control"] = cache_control
    if not etag_matches(request, answer.headers["ETag"]):
        return answer
    not_modified = Response(status_code=304)
    for name in KEPT_ON_NOT_MODIFIED:
        if name in answer.headers:
            not_modified.headers[name] = answer.headers[name]
    return not_modified
