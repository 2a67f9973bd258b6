"""The versioned JSON API, mounted at /api/v1 with its own OpenAPI document and docs."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from api.v1.docs import router as docs_router
from api.v1.docs import swagger_assets
from api.v1.openapi import install_openapi
from api.v1.problems import MAX_BODY_BYTES, check_query_parameters, install_problem_handlers
from api.v1.routes import (
    admin,
    api_clients,
    auth,
    debriefs,
    directory_hsds,
    encounters,
    me,
    people,
    public_feeds,
    reference,
    reports,
    resources,
    sessions,
)
from domain.auth.service import TokenIssuer

API_DESCRIPTION = """The peer support program's API for hospital IT.

Get a token at `POST /auth/token` (OAuth2: password grant for people, client credentials for
systems), then send `Authorization: Bearer <token>`. Errors are problem details (RFC 9457).
Lists are paginated with `limit` and the `next` cursor. API clients never see encounter rows:
only reports, with small counts suppressed."""


def create_v1_app(*, engine: Engine, issuer: TokenIssuer) -> FastAPI:
    api = FastAPI(
        title="Peer Support API",
        version="1",
        description=API_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        max_body_size=MAX_BODY_BYTES,
        dependencies=[Depends(check_query_parameters)],
    )
    api.state.engine = engine
    api.state.token_issuer = issuer
    routes = (
        auth,
        me,
        reference,
        people,
        api_clients,
        sessions,
        debriefs,
        encounters,
        resources,
        directory_hsds,
        public_feeds,
        reports,
        admin,
    )
    for module in routes:
        api.include_router(module.router)
    api.include_router(docs_router)
    api.mount("/docs-assets", swagger_assets, name="docs-assets")
    install_problem_handlers(api)
    api.add_middleware(public_feeds.PublicFeedHeaders)
    install_openapi(api)
    return api
