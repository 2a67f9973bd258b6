"""API clients: admins create, list, re-scope and revoke them; every change is audited.
Secrets are random and long, so a SHA-256 hash suffices (unlike passwords) and keeps the token
endpoint fast."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.actors import Actor, require_role
from domain.api_clients.models import ApiClient, ApiClientCreate, ApiClientScope, ApiClientUpdate
from domain.audit.actions import AuditAction
from domain.audit.service import record_audit_event
from domain.codes import ApiScope, Role
from domain.columns import utcnow
from domain.errors import Conflict, NotFound, RuleViolation
from domain.pagination import Page, PageRequest, page_from_rows

CLIENT_ID_PREFIX = "psc_"


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _audit(session: Session, actor: Actor, action: str, client: ApiClient) -> None:
    record_audit_event(
        session=session, actor=actor, action=action, object_type="api_client", object_id=client.id
    )


def _scope_rows(scopes: list[ApiScope]) -> list[ApiClientScope]:
    return [ApiClientScope(scope=scope) for scope in sorted(set(scopes))]


def create_api_client(
    *, session: Session, actor: Actor, data: ApiClientCreate
) -> tuple[ApiClient, str]:
    """The new client and its secret, which is never shown again."""
    require_role(actor, Role.admin, to="create API clients")
    name = data.name.strip()
    taken = Conflict(f"An API client named {name!r} exists already.", field="name")
    if _named(session, name) is not None:
        raise taken
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=CLIENT_ID_PREFIX + secrets.token_urlsafe(12),
        name=name,
        secret_hash=_secret_hash(secret),
        scope_rows=_scope_rows(data.scopes),
    )
    # Two clients of the same name at once both pass the check (PostgreSQL); the unique index
    # lets one in, and the other gets the same Conflict as a late one.
    try:
        with session.begin_nested():
            session.add(client)
            session.flush()
    except IntegrityError:
        if _named(session, name) is not None:
            raise taken from None
        raise
    _audit(session, actor, AuditAction.api_client_create, client)
    return client, secret


def _named(session: Session, name: str) -> ApiClient | None:
    return session.exec(select(ApiClient).where(ApiClient.name == name)).first()


def list_api_clients(*, session: Session, actor: Actor, page: PageRequest) -> Page[ApiClient]:
    require_role(actor, Role.admin, to="list API clients")
    query = select(ApiClient).order_by(col(ApiClient.id)).limit(page.limit + 1)
    if page.after_id is not None:
        query = query.where(col(ApiClient.id) > page.after_id)
    return page_from_rows(list(session.exec(query)), page, lambda row: row.id)


def get_api_client(*, session: Session, actor: Actor, api_client_id: int) -> ApiClient:
    require_role(actor, Role.admin, to="see API clients")
    client = session.get(ApiClient, api_client_id)
    if client is None:
        raise NotFound(f"There is no API client {api_client_id}.")
    return client


def update_api_client(
    *, session: Session, actor: Actor, api_client_id: int, data: ApiClientUpdate
) -> ApiClient:
    client = get_api_client(session=session, actor=actor, api_client_id=api_client_id)
    if not client.active:
        raise RuleViolation("This API client is revoked; create a new one instead.")
    if set(data.scopes) != set(client.scopes):
        client.scope_rows = _scope_rows(data.scopes)
        session.add(client)
        session.flush()
        _audit(session, actor, AuditAction.api_client_scopes_change, client)
    return client


def revoke_api_client(*, session: Session, actor: Actor, api_client_id: int) -> ApiClient:
    client = get_api_client(session=session, actor=actor, api_client_id=api_client_id)
    if client.active:
        client.revoked_at = utcnow()
        session.add(client)
        session.flush()
        _audit(session, actor, AuditAction.api_client_revoke, client)
    return client


def authenticate_api_client(
    session: Session, *, client_id: str, client_secret: str
) -> ApiClient | None:
    """The active client with this id and secret, or None."""
    client = session.exec(select(ApiClient).where(ApiClient.client_id == client_id)).first()
    presented = _secret_hash(client_secret)
    expected = client.secret_hash if client else _secret_hash("no-such-client")
    if client is None or not hmac.compare_digest(presented, expected) or not client.active:
        return None
    return client
