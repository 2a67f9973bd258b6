"""Asking for a debrief: a supporter asks in two taps; coordinators see the open requests and
are mailed about each new one at once (`domain.debriefs.notify`, naming nobody)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.actors import Actor
from domain.columns import utcnow
from domain.db import lock_for
from domain.debriefs.models import DebriefRequest, DebriefStatus, DebriefUrgency
from domain.debriefs.notify import notify_coordinators
from domain.encounters.models import Encounter
from domain.errors import RuleViolation
from domain.supporters.models import Supporter
from domain.supporters.service import month_bounds, monthly_workload, supporter_of_user


def open_request_of(session: Session, supporter_id: int) -> DebriefRequest | None:
    return session.exec(
        select(DebriefRequest).where(
            DebriefRequest.supporter_id == supporter_id,
            DebriefRequest.status == DebriefStatus.open,
        )
    ).first()


def request_debrief(*, session: Session, actor: Actor, urgency: DebriefUrgency) -> DebriefRequest:
    """One open request per supporter: asking again updates its urgency instead of adding one."""
    supporter = supporter_of_user(session, actor.user_id)
    if supporter is None or supporter.id is None:
        raise RuleViolation("Only peer supporters ask for debriefs here.")
    # Two taps at once must not open two requests (nor notify twice): one asker at a time.
    lock_for(session, f"debrief-request:{supporter.id}")
    request = open_request_of(session, supporter.id)
    is_new = request is None
    if request is None:
        request = DebriefRequest(supporter_id=supporter.id, urgency=urgency)
    request.urgency = urgency
    session.add(request)
    session.flush()
    if is_new:
        notify_coordinators(session, request)  # a new request is told at once, naming nobody
    return request


def has_open_request(session: Session, actor: Actor) -> bool:
    supporter = supporter_of_user(session, actor.user_id)
    return bool(supporter and supporter.id and open_request_of(session, supporter.id))


def list_open_requests(session: Session) -> list[DebriefRequest]:
    """For the coordinators' inbox (oldest first)."""
    query = select(DebriefRequest).where(DebriefRequest.status == DebriefStatus.open)
    return list(session.exec(query.order_by(col(DebriefRequest.requested_at))))


def should_prompt_debrief(session: Session, supporter: Supporter) -> bool:
    """Offer a debrief when the monthly cap is reached or the supporter flagged an encounter
    this month as wanting one, unless a request is already open."""
    assert supporter.id is not None
    if open_request_of(session, supporter.id) is not None:
        return False
    today = utcnow().date()
    if monthly_workload(session, supporter, today).cap_reached:
        return True
    start, following = month_bounds(today)
    flagged = session.exec(
        select(Encounter.id).where(
            Encounter.supporter_id == supporter.id,
            col(Encounter.supporter_needs_debrief).is_(True),
            col(Encounter.occurred_on) >= start,
            col(Encounter.occurred_on) < following,
        )
    ).first()
    return flagged is not None
