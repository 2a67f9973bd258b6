"""What makes the supporter pages an installable app that logs without a signal: the web app
manifest, the service worker and the CSRF token the phone's outbox fetches before it sends.

The service worker is served at `/sw.js` (its scope is where it is served from, and it must
cover `/`). It keeps only the static files the supporter pages use, at the exact addresses the
templates use (each with its content's hash, `web.rendering.static_url`); its cache is named
after their content, so any change to one of them installs a new worker, which deletes the
caches of other versions. Pages, form answers and API answers
never go into it. The outbox itself is `web/static/peer-support-outbox-0.1.0.js`."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from web.app_icons import ICONS
from web.rendering import APP_SCRIPT, HTMX, OUTBOX_SCRIPT, STATIC_DIR, STYLESHEET, static_url
from web.session import MaybeVisitor

router = APIRouter(include_in_schema=False)

SERVICE_WORKER_SOURCE = "peer-support-sw-0.1.0.js"
CACHE_PREFIX = "peer-support-static-"
# The palette's accent and light background (web/static/peer-support-0.1.0.css).
THEME_COLOUR = "#1d6a61"
BACKGROUND_COLOUR = "#f6f7f5"
NOT_SIGNED_IN = "Sign in to send."
# Checked again on every request, never kept by a cache: a new worker or manifest is seen at once.
REVALIDATE = {"Cache-Control": "no-cache"}


def precached_files() -> list[str]:
    """The static files every supporter page loads, and the app's icons, at the addresses the
    pages load them from (with their content's hash)."""
    return [static_url(name) for name in (STYLESHEET, HTMX, APP_SCRIPT, OUTBOX_SCRIPT, *ICONS)]


@cache
def service_worker_script() -> str:
    files = precached_files()
    digest = hashlib.sha256()
    for path in files:  # each address holds its file's hash already
        digest.update(path.encode())
    settings = (
        f"self.PEER_SUPPORT_CACHE = {json.dumps(CACHE_PREFIX + digest.hexdigest()[:16])};\n"
        f"self.PEER_SUPPORT_CACHE_PREFIX = {json.dumps(CACHE_PREFIX)};\n"
        f"self.PEER_SUPPORT_PRECACHE = {json.dumps(files)};\n"
    )
    return settings + (STATIC_DIR / SERVICE_WORKER_SOURCE).read_text()


def manifest() -> dict[str, object]:
    icons = [
        {
            "src": static_url(name),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable" if maskable else "any",
        }
        for name, (size, maskable) in ICONS.items()
    ]
    return {
        "name": "Peer Support",
        "short_name": "Peer Support",
        "description": "Log peer support encounters, find resources and crisis contacts.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
    }


@router.get("/manifest.webmanifest")
def web_app_manifest() -> Response:
    return Response(
        json.dumps(manifest()), media_type="application/manifest+json", headers=REVALIDATE
    )


@router.get("/sw.js")
def service_worker() -> Response:
    return Response(service_worker_script(), media_type="text/javascript", headers=REVALIDATE)


@router.get("/session/csrf-token")
def csrf_token(visitor: MaybeVisitor) -> JSONResponse:
    """The session's CSRF token (masked afresh), for the outbox to send a saved log with; 401
    when nobody is signed in, so the phone says "Sign in to send" instead of posting."""
    no_store = {"Cache-Control": "no-store"}
    if visitor is None:
        return JSONResponse({"detail": NOT_SIGNED_IN}, status_code=401, headers=no_store)
    return JSONResponse({"csrf_token": visitor.csrf_token}, headers=no_store)
