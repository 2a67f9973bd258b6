"""The embeddable directory: `/embed/directory` lives in an iframe on the program's own intranet
pages, `/embed/directory.js` is the script they paste to make that iframe.

Rules:
- Only the program's embed origins may frame it: its own `Content-Security-Policy` lists them in
  `frame-ancestors` (checked again when the header is built, `frame_ancestor_origins`), `'none'`
  when there are none; every other answer of the site keeps `'none'` (api/security_headers.py).
- It is the same for everyone: it never reads the session (even when the browser sends the
  cookie), sets no cookie, has no form that changes anything, and shows published entries only
  (`find_resources` without an actor). So shared caches keep it for 5 minutes, and its ETag
  covers the policy header too: a new embed origin is a new answer.
- Links leave the frame for a new tab.
- The address takes the directory's filters and `theme=light|dark`; anything else is a 422 page
  inside the frame, never a 500.
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import SessionDep
from api.http_cache import cacheable_answer
from api.security_headers import content_security_policy
from domain.professions.service import list_professions
from domain.program_settings.embed_origins import frame_ancestor_origins
from domain.program_settings.service import get_program_settings
from web.pages.directory import directory_context, read_directory_query
from web.rendering import STATIC_DIR, VARY_ON_HTMX, render

router = APIRouter(include_in_schema=False)

# Every address under it is the embed's: never reads the session, its error pages neither
# (web/errors.py).
EMBED_PREFIX = "/embed/"
EMBED_PATH = EMBED_PREFIX + "directory"
LOADER_PATH = EMBED_PREFIX + "directory.js"
# Kept with the static files (so it is packaged with them); served here at a stable address.
LOADER_SOURCE = STATIC_DIR / "peer-support-embed-loader-0.1.0.js"


def embed_policy(session: Session) -> str:
    """The embed's policy: the site's own, framable by the configured embed origins only."""
    origins = frame_ancestor_origins(get_program_settings(session).embed_origins)
    return content_security_policy(frame_ancestors=origins)


@router.get(EMBED_PATH)
def embedded_directory(request: Request, session: SessionDep) -> Response:
    professions = list_professions(session=session)
    query = read_directory_query(request, professions, with_theme=True)
    context = directory_context(session, query, professions, EMBED_PATH, theme=query.theme)
    context["full_directory_address"] = query.address("/directory")
    headers = {"Content-Security-Policy": embed_policy(session), "Vary": VARY_ON_HTMX}
    if context["errors"]:
        return render(
            request, "embed_directory.html", context, status_code=422, block="results",
            headers={**headers, "Cache-Control": "no-store"},
        )  # fmt: skip
    rendered = render(request, "embed_directory.html", context, block="results")
    return cacheable_answer(
        request, bytes(rendered.body), media_type="text/html; charset=utf-8", headers=headers
    )


@cache
def loader_source() -> bytes:
    return LOADER_SOURCE.read_bytes()


@router.get(LOADER_PATH)
def embed_loader(request: Request) -> Response:
    """The script a wellness office pastes: it makes the iframe and sizes it to its content."""
    return cacheable_answer(request, loader_source(), media_type="text/javascript; charset=utf-8")
