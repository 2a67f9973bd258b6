"""The audit trail: append-only events for sign-in, role and status changes, exports, admin
reads and every change to users, supporters and API clients."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.actors import Actor, require_role
from domain.audit.models import AuditEvent
from domain.codes import ApiScope, Role
from domain.pagination import Page, PageRequest, page_from_rows


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


def list_audit_events(
    *, session: Session, actor: Actor, page: PageRequest, action: str | None = None
) -> Page[AuditEvent]:
    """Newest first. Reading the trail is itself an admin read, so it is audited too."""
    require_role(actor, Role.admin, to="read the audit trail", scope=ApiScope.audit_read)
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(page.limit + 1)
    if page.after_id is not None:
        query = query.where(col(AuditEvent.id) < page.after_id)
    if action:
        query = query.where(AuditEvent.action == action)
    rows = list(session.exec(query))
    result = page_from_rows(rows, page, lambda event: event.id)
    record_audit_event(session=session, actor=actor, action="audit.read", object_type="audit_event")
    return result
