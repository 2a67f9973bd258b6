"""The embed snippet page for resource editors and coordinators (`/curation/embed`): pick the
filters and the theme, see the embed as it will look, copy the `<script>` tag to paste on the
intranet. Nothing is saved here: it is a GET form, so the address itself can be shared.

The preview is the embed's own results block rendered inline in a themed box: an iframe of
/embed/directory on this site would be refused, since only the configured embed origins may frame
it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import escape

from api.deps import SessionDep
from domain.actors import RESOURCE_MANAGERS, require_role
from domain.professions.service import list_professions
from domain.program_settings.embed_origins import frame_ancestor_origins
from domain.program_settings.service import get_program_settings
from domain.settings import get_settings
from web.pages.common import page
from web.pages.directory import DirectoryQuery, directory_context, read_directory_query
from web.pages.embed import EMBED_PATH, LOADER_PATH
from web.session import SignedInVisitor

router = APIRouter(include_in_schema=False)


def app_origin(request: Request) -> str:
    """Where people reach this app (the configured public address), for a tag pasted elsewhere."""
    settings = getattr(request.app.state, "settings", None) or get_settings()
    return str(settings.public_url).rstrip("/")


def embed_snippet(origin: str, query: DirectoryQuery) -> str:
    """The tag to paste: the loader's absolute address and the chosen filters as data
    attributes, each value escaped for an HTML attribute."""
    chosen = {
        "category": query.category,
        "audience": query.audience,
        "q": query.search_text,
        "theme": query.theme,
    }
    attributes = "".join(
        f' data-{name}="{escape(value)}"' for name, value in chosen.items() if value
    )
    return f'<script src="{escape(origin + LOADER_PATH)}"{attributes} async></script>'


@router.get("/curation/embed", response_class=HTMLResponse)
def embed_snippet_page(
    request: Request, session: SessionDep, visitor: SignedInVisitor
) -> HTMLResponse:
    require_role(visitor.actor, *RESOURCE_MANAGERS, to="embed the resource directory")
    professions = list_professions(session=session)
    query = read_directory_query(request, professions, with_theme=True)
    context = directory_context(session, query, professions, EMBED_PATH, theme=query.theme)
    stored_origins = get_program_settings(session).embed_origins
    origins = frame_ancestor_origins(stored_origins)
    return page(
        request, session, visitor, "embed_snippet.html", active="embed",
        status_code=422 if context["errors"] else 200, block="snippet_area",
        snippet=embed_snippet(app_origin(request), query),
        embed_origins=origins, unusable_origins=[o for o in stored_origins if o not in origins],
        themes=("light", "dark"), **context,
    )  # fmt: skip
