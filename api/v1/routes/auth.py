"""The OAuth2 token endpoint (RFC 6749): password grant for people, client credentials for
API clients."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import SessionDep, client_ip
from api.v1.deps import TokenIssuerDep
from domain.auth.service import TokenRefused, grant_client_credentials, grant_password
from domain.schemas import has_control_characters

router = APIRouter(tags=["auth"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
STATUS_OF_ERROR = {"invalid_client": 401, "slow_down": 429}


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    scope: str


class OAuthError(BaseModel):
    error: str
    error_description: str


def oauth_error(refused: TokenRefused, *, basic_auth_used: bool = False) -> JSONResponse:
    status = STATUS_OF_ERROR.get(refused.error, 400)
    headers = dict(NO_STORE)
    if refused.retry_after:
        headers["Retry-After"] = str(refused.retry_after)
    if status == 401 and basic_auth_used:
        headers["WWW-Authenticate"] = 'Basic realm="peer-support"'
    body = OAuthError(error=refused.error, error_description=refused.description)
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """Client id and secret from an HTTP Basic header (RFC 6749 section 2.3.1), if sent."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    return client_id, secret


RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": OAuthError, "description": description}
    for status, description in {
        400: "invalid_request, invalid_grant, invalid_scope or unsupported_grant_type",
        401: "invalid_client",
        429: "too many failed attempts (Retry-After says when to try again)",
    }.items()
}


@router.post(
    "/auth/token",
    summary="Get an access token",
    description="Form-encoded. `grant_type=password` with `username` (email) and `password`, "
    "or `grant_type=client_credentials` with `client_id`, `client_secret` (or HTTP Basic) and "
    "an optional space-separated `scope`. Tokens live 15 minutes.",
    response_model=TokenResponse,
    responses=RESPONSES,
)
def token(
    request: Request,
    session: SessionDep,
    issuer: TokenIssuerDep,
    grant_type: Annotated[str | None, Form(max_length=40)] = None,
    username: Annotated[str | None, Form(max_length=320)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
    scope: Annotated[str | None, Form(max_length=400)] = None,
) -> JSONResponse:
    ip = client_ip(request) or "unknown"
    basic = basic_credentials(request)
    sent = (grant_type, username, password, client_id, client_secret, scope, *(basic or ()))
    try:
        if any(value and has_control_characters(value) for value in sent):
            raise TokenRefused("invalid_request", "Remove control characters from the fields.")
        if not grant_type:
            raise TokenRefused("invalid_request", "Send grant_type password or client_credentials.")
        if grant_type == "password":
            if not username or not password:
                raise TokenRefused("invalid_request", "Send username and password.")
            granted = grant_password(session, issuer, email=username, password=password, ip=ip)
        elif grant_type == "client_credentials":
            client_id, client_secret = basic or (client_id, client_secret)
            if not client_id or not client_secret:
                raise TokenRefused("invalid_request", "Send client_id and client_secret.")
            granted = grant_client_credentials(
                session,
                issuer,
                client_id=client_id,
                client_secret=client_secret,
                requested_scope=scope,
                ip=ip,
            )
        else:
            raise TokenRefused(
                "unsupported_grant_type", "Use grant_type password or client_credentials."
            )
    except TokenRefused as refused:
        # The refusal is audited and counted: keep it even though the answer is an error.
        session.commit()
        return oauth_error(refused, basic_auth_used=basic is not None)
    body = TokenResponse(access_token=granted.access_token, expires_in=granted.expires_in,
                         scope=granted.scope)  # fmt: skip
    return JSONResponse(body.model_dump(), headers=NO_STORE)
