"""Answers that are the same bytes for everyone (the public directory, its HSDS export, the
embed): a strong `ETag` over the body, `If-None-Match` answered with 304, and a `Cache-Control`
that lets shared caches keep them for 5 minutes, so an edit shows within that time."""

from __future__ import annotations

import hashlib

from fastapi import Request, Response

SHARED_CACHE_FIVE_MINUTES = "public, max-age=300"
# Headers a 304 repeats from the answer it stands for (RFC 9110, section 15.4.5).
KEPT_ON_NOT_MODIFIED = ("etag", "cache-control", "vary", "link", "access-control-allow-origin")


def body_etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


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
    """The answer with its `ETag`, or a 304 when the client already holds these bytes."""
    answer = Response(content=body, media_type=media_type, headers=headers)
    answer.headers["ETag"] = body_etag(body)
    answer.headers["Cache-Control"] = cache_control
    if not etag_matches(request, answer.headers["ETag"]):
        return answer
    not_modified = Response(status_code=304)
    for name in KEPT_ON_NOT_MODIFIED:
        if name in answer.headers:
            not_modified.headers[name] = answer.headers[name]
    return not_modified
