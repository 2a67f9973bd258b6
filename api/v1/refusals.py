"""Every refusal (403) the API answers to a caller it knows, an API client or a person, is
audited with the outcome "denied". The request's own unit of work rolls back with the error,
so the event is written in a unit of work of its own. A 401 names nobody, so it is not
audited here (failed token requests are, by the token endpoint)."""

from __future__ import annotations

import logging

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError

from api.deps import unit_of_work_apart
from domain.actors import Actor
from domain.audit.actions import AuditAction
from domain.audit.service import record_audit_event

logger = logging.getLogger("peer_support.audit")
OBJECT_ID_LENGTH = 60  # the audit_event.object_id column


def refused_route(request: Request) -> str:
    """What was asked for: `GET /api/v1/supporters/7`; a path with characters a caller chose to
    garble the trail (NUL, direction controls, non-ASCII) is recorded as its route's template."""
    path = request.url.path
    if not (path.isascii() and path.isprintable()):
        route = request.scope.get("route")
        template = getattr(route, "path_format", None) or "(unprintable path)"
        path = request.scope.get("root_path", "") + template
    return f"{request.method} {path}"[:OBJECT_ID_LENGTH]


def audit_refusal(request: Request) -> None:
    actor: Actor | None = getattr(request.state, "actor", None)
    if actor is None:
        return
    try:
        with unit_of_work_apart(request) as session:
            record_audit_event(
                session=session,
                actor=actor,
                action=AuditAction.api_request,
                object_type="route",
                object_id=refused_route(request),
                outcome="denied",
            )
    except SQLAlchemyError:
        # The caller is refused either way; a refusal the database could not take is logged.
        route = refused_route(request)
        logger.exception("could not audit the refusal of %s to %s", route, actor.audit_label)
