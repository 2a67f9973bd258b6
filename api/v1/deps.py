"""Dependencies of the API: who is calling (a bearer token), and the token issuer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SessionDep, client_ip
from api.v1.pagination import KeyPageRequest, key_page_request, page_request
from domain.actors import Actor
from domain.auth.service import TokenIssuer, actor_from_claims
from domain.auth.tokens import InvalidToken, check_access_token
from domain.pagination import PageRequest

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An access token from POST /api/v1/auth/token",
)


def get_token_issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


TokenIssuerDep = Annotated[TokenIssuer, Depends(get_token_issuer)]


def _unauthorized(reason: str, *, invalid: bool) -> HTTPException:
    challenge = 'Bearer error="invalid_token"' if invalid else "Bearer"
    return HTTPException(401, reason, headers={"WWW-Authenticate": challenge})


def current_actor(
    request: Request,
    session: SessionDep,
    issuer: TokenIssuerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Actor:
    if credentials is None:
        raise _unauthorized("Send an access token: Authorization: Bearer <token>.", invalid=False)
    try:
        claims = check_access_token(
            issuer.ring, credentials.credentials, issuer=issuer.issuer, audience=issuer.audience
        )
        actor = actor_from_claims(session, claims, ip=client_ip(request))
    except InvalidToken:
        raise _unauthorized("The access token is not valid; get a new one.", invalid=True) from None
    request.state.actor = actor  # for the audit of a refusal (api/v1/refusals.py)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
PageDep = Annotated[PageRequest, Depends(page_request)]
KeyPageDep = Annotated[KeyPageRequest, Depends(key_page_request)]
