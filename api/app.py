"""The ASGI application factory: mounts the health probes, the web pages and static files."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from api.health import router as health_router
from api.security_headers import SecurityHeadersMiddleware
from domain.db import engine_for
from domain.settings import Settings, get_settings
from web.errors import install_page_error_handlers
from web.pages import router as pages_router
from web.rendering import STATIC_DIR

APP_TITLE = "Peer Support"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.getLogger("peer_support").setLevel(settings.log_level.upper())
    app = FastAPI(title=APP_TITLE, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.engine = engine_for(settings.database_url)
    app.include_router(health_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_page_error_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    return app
