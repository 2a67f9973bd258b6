"""Getting and using access tokens: the password grant for people, the client-credentials grant
for API clients, and who a presented token stands for. Every token issued or refused is
audited; repeated failures slow down (see throttle for the policy)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from domain.actors import Actor
from domain.api_clients.models import ApiClient
from domain.api_clients.service import authenticate_api_client
from domain.audit.service import record_audit_event
from domain.auth.throttle import (
    Attempt,
    TooManyAttempts,
    claim_attempt,
    client_account,
    email_account,
    record_success,
)
from domain.auth.tokens import (
    ACCESS_TOKEN_LIFETIME,
    AccessClaims,
    InvalidToken,
    KeyRing,
    issue_access_token,
)
from domain.columns import utcnow
from domain.users.models import User
from domain.users.service import audit_sign_in_check, find_user_by_email, password_opens


class TokenRefused(Exception):
    """An OAuth2 error (RFC 6749 section 5.2): `error` is its code."""

    def __init__(self, error: str, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True)
class TokenIssuer:
    ring: KeyRing
    issuer: str
    audience: str


@dataclass(frozen=True)
class GrantedToken:
    access_token: str
    expires_in: int
    scope: str


def authenticate_throttled(session: Session, *, email: str, password: str, ip: str) -> User | None:
    """The user with this email and password, None for a wrong pair; TooManyAttempts, before
    any password is checked, when the throttle holds the attempt back. Pages and the password
    grant both sign in through here.

    Unlike other services this one commits, once: the claim on the throttle's counters must be
    visible to parallel attempts before argon2 runs, and no lock (PostgreSQL's counter rows,
    SQLite's write lock) may be held for the long password check."""
    user = find_user_by_email(session, email)
    try:
        attempt = claim_attempt(
            session, account=email_account(email), address=ip, account_exists=user is not None
        )
    except TooManyAttempts:
        record_audit_event(
            session=session,
            actor=_account_actor(email, ip),
            action="auth.sign_in",
            object_type="user",
            object_id=user.id if user else None,
            outcome="throttled",
        )
        raise
    session.commit()
    ok = password_opens(user, password)
    audit_sign_in_check(session, user=user, ok=ok, ip=ip)
    if not ok:
        return None
    record_success(session, attempt)
    return user


def _slowed_down(session: Session, refused: TooManyAttempts, account: str, ip: str) -> TokenRefused:
    _audit_token(session, _account_actor(account, ip), "throttled", "account", None)
    wait = refused.retry_after_seconds
    return TokenRefused(
        "slow_down", f"Too many failed attempts; try again in {wait} s.", retry_after=wait
    )


def _account_actor(account: str, ip: str) -> Actor:
    """Whoever tried this account name (an email or a client id) before it is known to be valid."""
    return Actor(audit_label=f"account:{account.strip().lower()[:90]}", ip=ip)


def _grant(issuer: TokenIssuer, subject: str, scopes: frozenset[str]) -> GrantedToken:
    token = issue_access_token(
        issuer.ring,
        issuer=issuer.issuer,
        audience=issuer.audience,
        subject=subject,
        scopes=scopes,
        now=utcnow(),
    )
    return GrantedToken(
        access_token=token,
        expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        scope=" ".join(sorted(scopes)),
    )


def _audit_token(
    session: Session, actor: Actor, outcome: str, object_type: str, oid: object
) -> None:
    record_audit_event(
        session=session,
        actor=actor,
        action="auth.token",
        object_type=object_type,
        object_id=oid,
        outcome=outcome,
    )


def grant_password(
    session: Session, issuer: TokenIssuer, *, email: str, password: str, ip: str
) -> GrantedToken:
    """People act through their roles, so their tokens carry no scopes."""
    try:
        user = authenticate_throttled(session, email=email, password=password, ip=ip)
    except TooManyAttempts as refused:
        raise _slowed_down(session, refused, email, ip) from None
    if user is None:
        _audit_token(session, _account_actor(email, ip), "failure", "user", None)
        raise TokenRefused("invalid_grant", "The email or password is not right.")
    actor = Actor.for_user(_id(user), user.roles, ip=ip)
    _audit_token(session, actor, "success", "user", user.id)
    return _grant(issuer, f"user:{user.id}", frozenset())


def grant_client_credentials(
    session: Session,
    issuer: TokenIssuer,
    *,
    client_id: str,
    client_secret: str,
    requested_scope: str | None,
    ip: str,
) -> GrantedToken:
    attempt = _claim_client_attempt(session, client_id=client_id, ip=ip)
    client = authenticate_api_client(session, client_id=client_id, client_secret=client_secret)
    anonymous = Actor(audit_label=f"client_id:{client_id[:60]}", ip=ip)
    if client is None:  # the claim counted the failure
        _audit_token(session, anonymous, "failure", "api_client", None)
        raise TokenRefused("invalid_client", "The client id or secret is not right.")
    record_success(session, attempt)
    try:
        scopes = _granted_scopes(client, requested_scope)
    except TokenRefused:
        refused = Actor.for_api_client(_id(client), frozenset(), ip=ip)
        _audit_token(session, refused, "failure", "api_client", client.id)
        raise
    actor = Actor.for_api_client(_id(client), frozenset(scopes), ip=ip)
    _audit_token(session, actor, "success", "api_client", client.id)
    return _grant(issuer, f"client:{client.id}", frozenset(scopes))


def _claim_client_attempt(session: Session, *, client_id: str, ip: str) -> Attempt:
    """An unknown client id counts against the address only, so a bogus id never blocks the
    other clients behind the same address."""
    known = session.exec(select(ApiClient.id).where(ApiClient.client_id == client_id)).first()
    try:
        return claim_attempt(
            session,
            account=client_account(client_id),
            address=ip,
            account_exists=known is not None,
            per_pair=False,
        )
    except TooManyAttempts as refused:
        raise _slowed_down(session, refused, client_id, ip) from None


def _granted_scopes(client: ApiClient, requested_scope: str | None) -> set[str]:
    allowed = {scope.value for scope in client.scopes}
    if not requested_scope or not requested_scope.strip():
        return allowed
    requested = set(requested_scope.split())
    if not requested <= allowed:
        unknown = sorted(requested - allowed)[0]
        raise TokenRefused("invalid_scope", f"The scope {unknown!r} is not granted to this client.")
    return requested


def actor_from_claims(session: Session, claims: AccessClaims, *, ip: str | None) -> Actor:
    """Who a valid token stands for now: a user since deactivated or a client since revoked
    is refused, and a client's scopes shrink with its current grant."""
    kind, _, raw_id = claims.subject.partition(":")
    if not raw_id.isdigit():
        raise InvalidToken("unknown subject")
    if kind == "user":
        user = session.get(User, int(raw_id))
        if user is None or not user.active:
            raise InvalidToken("the user is not active")
        return Actor.for_user(_id(user), user.roles, ip=ip)
    if kind == "client":
        client = session.get(ApiClient, int(raw_id))
        if client is None or not client.active:
            raise InvalidToken("the API client is revoked")
        current = {scope.value for scope in client.scopes}
        return Actor.for_api_client(_id(client), frozenset(claims.scopes & current), ip=ip)
    raise InvalidToken("unknown subject")


def _id(row: User | ApiClient) -> int:
    assert row.id is not None
    return row.id
