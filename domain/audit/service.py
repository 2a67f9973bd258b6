"""The audit trail: append-only events for sign-in, role and status changes, exports, admin
reads and every change to users, supporters and API clients.

Searching it (`AuditFilters`):
- by actor, exactly as events name it (`user:12`, `api_client:3`, `cli`);
- by action prefix, as plain text: `supporter.` finds `supporter.change.status` but not
  `supporters.x`; `api_client.` never matches `apiXclient.` (LIKE wildcards are escaped);
- by a half-open range of times `[since, until)`; pages turn local dates into it.
Reading the trail is audited (`audit.read`), and so is exporting it (`audit.export`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.actors import Actor, require_role
from domain.audit.actions import AuditAction
from domain.audit.models import AuditEvent
from domain.codes import ApiScope, Role
from domain.db import LIKE_ESCAPE, escape_like
from domain.pagination import Page, PageRequest, page_from_rows

EXPORT_MAX_ROWS = 10_000


def record_audit_event(
    *,
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = None,
    outcome: str = "success",
) -> AuditEvent:
    event = AuditEvent(
        actor=actor.audit_label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        outcome=outcome,
        ip=actor.ip,
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None  # exactly, as events name it
    action_prefix: str | None = None
    since: datetime | None = None  # inclusive (UTC)
    until: datetime | None = None  # exclusive (UTC)


def _filtered(
    session: Session, query: SelectOfScalar[AuditEvent], filters: AuditFilters
) -> SelectOfScalar[AuditEvent]:
    if filters.actor:
        query = query.where(AuditEvent.actor == filters.actor)
    if filters.action_prefix:
        prefix = filters.action_prefix
        query = query.where(
            col(AuditEvent.action).like(escape_like(prefix) + "%", escape=LIKE_ESCAPE)
        )
        if session.get_bind().dialect.name == "sqlite":
            # SQLite's LIKE ignores case, so it cannot use the action index; its byte order
            # (BINARY) can: every action starting with `prefix` sorts in [prefix, upper).
            # (PostgreSQL uses its varchar_pattern_ops index for the LIKE itself.)
            upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            query = query.where(col(AuditEvent.action) >= prefix, col(AuditEvent.action) < upper)
    if filters.since is not None:
        query = query.where(col(AuditEvent.at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(AuditEvent.at) < filters.until)
    return query


def list_audit_events(
    *,
    session: Session,
    actor: Actor,
    page: PageRequest,
    action: str | None = None,
    filters: AuditFilters | None = None,
) -> Page[AuditEvent]:
    """Newest first; `action` exactly, `filters` as the module says. Reading the trail is
    itself an admin read, so it is audited too."""
    require_role(actor, Role.admin, to="read the audit trail", scope=ApiScope.audit_read)
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(page.limit + 1)
    if page.after_id is not None:
        query = query.where(col(AuditEvent.id) < page.after_id)
    if action:
        query = query.where(AuditEvent.action == action)
    query = _filtered(session, query, filters or AuditFilters())
    rows = list(session.exec(query))
    result = page_from_rows(rows, page, lambda event: event.id)
    record_audit_event(
        session=session, actor=actor, action=AuditAction.audit_read, object_type="audit_event"
    )
    return result


def export_audit_events(
    *, session: Session, actor: Actor, filters: AuditFilters, limit: int = EXPORT_MAX_ROWS
) -> list[AuditEvent]:
    """The newest `limit` events the filters select, newest first; the export is audited."""
    require_role(actor, Role.admin, to="export the audit trail", scope=ApiScope.audit_read)
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    rows = list(session.exec(_filtered(session, query, filters)))
    record_audit_event(
        session=session, actor=actor, action=AuditAction.audit_export, object_type="audit_event"
    )
    return rows
