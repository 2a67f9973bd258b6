"""The ASGI application factory: the health probes, the JSON API at /api/v1, the web pages and
static files."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.health import router as health_router
from api.maintenance import purge_lifespan
from api.security_headers import SecurityHeadersMiddleware
from api.v1.app import create_v1_app
from api.v1.problems import TooLargeAsProblem
from domain.auth.service import TokenIssuer
from domain.auth.tokens import development_key_ring, key_ring_from_files
from domain.db import engine_for
from domain.settings import Settings, get_settings
from web.body_limit import PageBodyLimitMiddleware
from web.errors import install_page_error_handlers
from web.pages.admin import router as admin_pages
from web.pages.curation import router as curation_pages
from web.pages.directory import router as directory_pages
from web.pages.embed import router as embed_pages
from web.pages.embed_snippet import router as embed_snippet_pages
from web.pages.inbox import router as inbox_pages
from web.pages.kept_forms import router as kept_form_pages
from web.pages.mail_queue import router as mail_queue_pages
from web.pages.offline import router as offline_pages
from web.pages.public import router as public_pages
from web.pages.reports import router as reports_pages
from web.pages.roster import router as roster_pages
from web.pages.schedule import router as schedule_pages
from web.pages.session_alive import router as session_alive_pages
from web.pages.settings import router as settings_pages
from web.pages.supporter import router as supporter_pages
from web.rendering import STATIC_DIR

APP_TITLE = "Peer Support"


def token_issuer(settings: Settings) -> TokenIssuer:
    ring = (
        key_ring_from_files(settings.jwt_key_files)
        if settings.jwt_key_files
        else development_key_ring(settings.var_dir)
    )
    return TokenIssuer(ring=ring, issuer=settings.jwt_issuer, audience=settings.jwt_audience)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.getLogger("peer_support").setLevel(settings.log_level.upper())
    app = FastAPI(
        title=APP_TITLE,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=purge_lifespan(settings.purge_interval_seconds),
    )
    app.state.settings = settings
    app.state.engine = engine_for(
        settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    app.state.token_issuer = token_issuer(settings)
    app.include_router(health_router)
    v1 = create_v1_app(engine=app.state.engine, issuer=app.state.token_issuer)
    app.state.api_v1 = v1
    app.mount("/api/v1", TooLargeAsProblem(v1))
    app.include_router(public_pages)
    app.include_router(directory_pages)
    app.include_router(embed_pages)
    app.include_router(supporter_pages)
    app.include_router(kept_form_pages)
    app.include_router(session_alive_pages)
    app.include_router(offline_pages)
    app.include_router(inbox_pages)
    # Before the curation pages: their `/curation/{id}` must not take `/curation/embed`.
    app.include_router(embed_snippet_pages)
    app.include_router(curation_pages)
    app.include_router(roster_pages)
    app.include_router(schedule_pages)
    app.include_router(reports_pages)
    app.include_router(settings_pages)
    app.include_router(admin_pages)
    app.include_router(mail_queue_pages)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_page_error_handlers(app)
    app.add_middleware(PageBodyLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    if settings.forwarded_allow_ips:
        # Outermost, so every layer (and api.deps.client_ip) sees the client behind the proxy.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    return app
