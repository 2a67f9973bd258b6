"""Rendering pages: one Jinja2 environment, code labels available to every template.

One template per page with named blocks: an htmx request asks for a block and gets only
that fragment; a plain request gets the whole page (jinja2-fragments). Responses say
`Vary: HX-Request, HX-History-Restore-Request` (`VARY_ON_HTMX`) so caches keep the two apart."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.responses import HTMLResponse

from domain.codes import form_label, label
from domain.program_settings.models import DEFAULT_TIME_ZONE
from domain.resources.models import MAX_SEARCH_TEXT_LENGTH, is_web_address
from domain.resources.search import is_pinned
from web.workspace import workspace_links

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
STYLESHEET = "peer-support-0.1.0.css"
HTMX = "htmx-2.0.11.min.js"
APP_SCRIPT = "peer-support-0.1.0.js"
# Keeps a log saved without a signal on the phone and sends it later (web/pages/offline.py).
OUTBOX_SCRIPT = "peer-support-outbox-0.1.0.js"
# Inside the embedded directory: reports its height to the page that frames it.
EMBED_FRAME_SCRIPT = "peer-support-embed-0.1.0.js"


@cache
def static_url(name: str) -> str:
    """The address of a static file with its content's hash: the names keep `0.1.0` while their
    content changes between deploys, and a phone's service worker (and HTTP cache) keeps what
    it has under an address; a new content is a new address, so new HTML never runs old JS."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


# Hashed once at start-up, not on every page.
for _loaded in (STYLESHEET, HTMX, APP_SCRIPT, OUTBOX_SCRIPT, EMBED_FRAME_SCRIPT):
    static_url(_loaded)

templates = Jinja2Blocks(directory=WEB_DIR / "templates")
templates.env.globals.update(
    label=label,
    form_label=form_label,
    stylesheet=STYLESHEET,
    htmx=HTMX,
    app_script=APP_SCRIPT,
    outbox_script=OUTBOX_SCRIPT,
    embed_frame_script=EMBED_FRAME_SCRIPT,
    static_url=static_url,
    workspace_links=workspace_links,
    # The directory's rules, asked by the entry card (`_resource_card.html`) rather than
    # written again in the template: which entries are pinned, which addresses become links.
    is_pinned=is_pinned,
    is_web_address=is_web_address,
    max_search_text_length=MAX_SEARCH_TEXT_LENGTH,
)
templates.env.filters["label"] = label
templates.env.tests["web_address"] = is_web_address


LOCAL_TIME_PATTERN = "%a %b %-d, %Y, %-I:%M %p"


@pass_context
def local_time(
    context: Context, moment: datetime, pattern: str = "%a %b %-d, %Y, %-I:%M %p"
) -> str:
    """A stored (UTC) time in the program's time zone, which `page()` puts in the context."""
    zone = ZoneInfo(context.get("time_zone") or DEFAULT_TIME_ZONE)
    return moment.astimezone(zone).strftime(pattern)


templates.env.filters["local_time"] = local_time


def dial(number: str) -> str:
    """A phone number as a `tel:`/`sms:` link wants it: digits, letters and a leading +."""
    return "".join(c for c in number if c.isalnum() or c == "+")


templates.env.filters["dial"] = dial


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment(request: Request) -> bool:
    """htmx swapping part of a page. Going back or forward to a pushed URL htmx also sends
    HX-Request, with HX-History-Restore-Request, and swaps the answer into <body>: that needs
    the whole page."""
    return is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"


# Every request header `wants_fragment` reads: a shared cache keyed on fewer would hand a
# fragment to a history restore (or a whole page to a swap) once someone sent both headers.
VARY_ON_HTMX = "HX-Request, HX-History-Restore-Request"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    private: bool = False,
    block: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page, or for an htmx request only `block` of it. `private` pages (anything personal
    or secret) are never stored by caches."""
    fragment = block if block and wants_fragment(request) else None
    # `fragment_only`: the block may add what only a swap needs (an out-of-band update).
    context = {**(context or {}), "fragment_only": fragment is not None}
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code, block_name=fragment
    )
    assert isinstance(response, HTMLResponse)
    response.headers["Vary"] = VARY_ON_HTMX
    if private:
        response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response
