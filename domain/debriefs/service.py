"""Asking for a debrief, and answering it.

Rules:
- A supporter asks in two taps; one open request per supporter: asking again changes its
  urgency (`request_debrief`).
- Only coordinators see who asked (`list_debrief_requests`, an audited read): who needed a
  debrief is confidential, so API clients never get it, whatever their scopes.
- A coordinator assigns the request to a trainer, who must be an active user with the
  coordinator role (`require_trainer`); reassigning is allowed while the request is open.
- A coordinator closes it once the debrief happened (`close_debrief_request`); closing twice
  is harmless and keeps the first closer. A closed request is never assigned or opened again:
  the database decides (a conditional UPDATE), so a stale form or a parallel click cannot undo it.
- The supporter's home shows the state of their latest request (`debrief_state_for_supporter`):
  waiting, the trainer who will reach out, or done for `DONE_SHOWN_FOR` after it was closed.
- Coordinators are mailed about each new request at once (`domain.debriefs.notify`, naming
  nobody), so it cannot sit unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import case, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from domain.actors import Actor, require_role
from domain.audit.actions import AuditAction
from domain.audit.service import record_audit_event
from domain.codes import Role
from domain.columns import utcnow
from domain.db import lock_for
from domain.debriefs.models import (
    DebriefRequest,
    DebriefRequestPublic,
    DebriefRequestUpdate,
    DebriefStatus,
    DebriefUrgency,
)
from domain.debriefs.notify import notify_coordinators
from domain.encounters.models import Encounter
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.pagination import Page, PageRequest, page_from_rows
from domain.program_settings.service import program_today
from domain.supporters.models import Supporter
from domain.supporters.service import month_bounds, monthly_workload, supporter_of_user
from domain.users.models import User, UserRole

# How long the supporter's home still says "done" after a trainer closed the request.
DONE_SHOWN_FOR = timedelta(days=14)
ANSWER_DEBRIEFS = "answer debrief requests"


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
    """Open requests, oldest first (no actor: for counts and tools, never shown as names)."""
    query = select(DebriefRequest).where(DebriefRequest.status == DebriefStatus.open)
    return list(session.exec(query.order_by(col(DebriefRequest.requested_at))))


def should_prompt_debrief(
    session: Session, supporter: Supporter, *, today: date | None = None
) -> bool:
    """Offer a debrief when the monthly cap is reached or the supporter flagged an encounter
    this month (the program's month, `program_today`) as wanting one, unless a request is
    already open."""
    assert supporter.id is not None
    if open_request_of(session, supporter.id) is not None:
        return False
    today = today or program_today(session)
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


# Answering: the coordinators' inbox.


@dataclass(frozen=True)
class DebriefCounts:
    open: int
    unassigned: int


def count_open_requests(*, session: Session, actor: Actor) -> DebriefCounts:
    """How many requests wait (no names: the coordinator home shows it unaudited)."""
    require_role(actor, Role.coordinator, to=ANSWER_DEBRIEFS)
    unassigned = func.sum(case((col(DebriefRequest.assigned_to_user_id).is_(None), 1), else_=0))
    total, waiting = session.exec(
        select(func.count(), unassigned).where(DebriefRequest.status == DebriefStatus.open)
    ).one()
    return DebriefCounts(open=total, unassigned=int(waiting or 0))


def list_debrief_requests(
    *, session: Session, actor: Actor, status: DebriefStatus | None, page: PageRequest
) -> Page[DebriefRequestPublic]:
    """Open requests oldest first (the longest waiting on top); done or all, newest first.
    One query: the supporter's and the trainer's names come joined."""
    require_role(actor, Role.coordinator, to=ANSWER_DEBRIEFS)
    oldest_first = status == DebriefStatus.open
    asker, trainer = aliased(User), aliased(User)
    query = (
        select(DebriefRequest, asker.display_name, trainer.display_name)
        .join(Supporter, col(Supporter.id) == DebriefRequest.supporter_id)
        .join(asker, asker.id == Supporter.user_id)  # type: ignore[arg-type]
        .outerjoin(trainer, trainer.id == DebriefRequest.assigned_to_user_id)  # type: ignore[arg-type]
        .limit(page.limit + 1)
    )
    if status is not None:
        query = query.where(DebriefRequest.status == status)
    if oldest_first:
        query = query.order_by(col(DebriefRequest.id))
        if page.after_id is not None:
            query = query.where(col(DebriefRequest.id) > page.after_id)
    else:
        query = query.order_by(col(DebriefRequest.id).desc())
        if page.after_id is not None:
            query = query.where(col(DebriefRequest.id) < page.after_id)
    rows = [
        _public(request, name, trainer_name) for request, name, trainer_name in session.exec(query)
    ]
    record_audit_event(
        session=session,
        actor=actor,
        action=AuditAction.debrief_request_list,
        object_type="debrief_request",
    )
    return page_from_rows(rows, page, lambda row: row.id)


def get_debrief_request(*, session: Session, actor: Actor, request_id: int) -> DebriefRequestPublic:
    """One request with its names (for the inbox row after a change; the change is audited)."""
    require_role(actor, Role.coordinator, to=ANSWER_DEBRIEFS)
    asker, trainer = aliased(User), aliased(User)
    found = session.exec(
        select(DebriefRequest, asker.display_name, trainer.display_name)
        .join(Supporter, col(Supporter.id) == DebriefRequest.supporter_id)
        .join(asker, asker.id == Supporter.user_id)  # type: ignore[arg-type]
        .outerjoin(trainer, trainer.id == DebriefRequest.assigned_to_user_id)  # type: ignore[arg-type]
        .where(DebriefRequest.id == request_id)
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        raise NotFound(f"There is no debrief request {request_id}.")
    return _public(*found)


def _public(request: DebriefRequest, name: str, trainer_name: str | None) -> DebriefRequestPublic:
    assert request.id is not None
    return DebriefRequestPublic(
        **request.model_dump(), supporter_name=name, assigned_to_name=trainer_name
    )


@dataclass(frozen=True)
class Trainer:
    user_id: int
    display_name: str


def _active_coordinators() -> Any:
    return (
        select(User.id, User.display_name)
        .join(UserRole, col(UserRole.user_id) == User.id)
        .where(col(User.active).is_(True), UserRole.role == Role.coordinator)
    )


def list_trainers(*, session: Session, actor: Actor) -> list[Trainer]:
    """Who a request can be assigned to: every active coordinator, by name."""
    require_role(actor, Role.coordinator, to=ANSWER_DEBRIEFS)
    rows = session.exec(_active_coordinators().order_by(col(User.display_name), col(User.id)))
    return [Trainer(user_id, name) for user_id, name in rows if user_id is not None]


def require_trainer(session: Session, user_id: int) -> Trainer:
    """A trainer is an active user with the coordinator role."""
    found = session.exec(_active_coordinators().where(User.id == user_id)).first()
    if found is None or found[0] is None:
        raise InvalidInput(
            "Choose a trainer: an active person with the coordinator role.",
            field="assigned_to_user_id",
        )
    return Trainer(found[0], found[1])


def _require_exists(session: Session, request_id: int) -> DebriefRequest:
    found = session.get(DebriefRequest, request_id, populate_existing=True)
    if found is None:
        raise NotFound(f"There is no debrief request {request_id}.")
    return found


def assign_debrief_request(
    *, session: Session, actor: Actor, request_id: int, trainer_user_id: int
) -> DebriefRequest:
    """Name the trainer who will reach out. Only an open request: the UPDATE says so itself,
    so a request closed a moment ago (another tab, another coordinator) stays closed."""
    require_role(actor, Role.coordinator, to=ANSWER_DEBRIEFS)
    _require_exists(session, request_id)
    require_trainer(session, trainer_user_id)
    changed = session.execute(
        update(DebriefRequest)
        .where(
            col(DebriefRequest.id) == request_id,
            col(DebriefRequest.status) == DebriefStatus.open,
        )
        .values(assigned_to_user_id=trainer_user_id, assigned_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        raise RuleViolation("This debrief request is done already; it cannot be reassigned.")
    _audit(session, actor, AuditAction.debrief_request_assign, request_id)
    return _require_exists(session, request_id)


def close_debrief_request(*, session: Session, actor: Actor, request_id: int) -> DebriefRequest:
    """Mark the debrief done. Closing a closed request changes nothing and is no error; the
    first closer stays on record."""
    require_role(actor, Role.coordinator, to=ANSWER_DEBRIEFS)
    _require_exists(session, request_id)
    changed = session.execute(
        update(DebriefRequest)
        .where(
            col(DebriefRequest.id) == request_id,
            col(DebriefRequest.status) == DebriefStatus.open,
        )
        .values(status=DebriefStatus.done, closed_at=utcnow(), closed_by_user_id=actor.user_id)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount:  # type: ignore[attr-defined]
        _audit(session, actor, AuditAction.debrief_request_close, request_id)
    return _require_exists(session, request_id)


def update_debrief_request(
    *, session: Session, actor: Actor, request_id: int, data: DebriefRequestUpdate
) -> DebriefRequestPublic:
    """Assign a trainer and/or mark done (each change audited), then the request with its
    names. Nothing to change is refused: it would read who asked with nothing on record."""
    require_role(actor, Role.coordinator, to=ANSWER_DEBRIEFS)
    if data.assigned_to_user_id is None and data.status is None:
        raise InvalidInput("Give a trainer to assign, or mark the request done.")
    if data.assigned_to_user_id is not None:
        assign_debrief_request(
            session=session,
            actor=actor,
            request_id=request_id,
            trainer_user_id=data.assigned_to_user_id,
        )
    if data.status == DebriefStatus.done:
        close_debrief_request(session=session, actor=actor, request_id=request_id)
    return get_debrief_request(session=session, actor=actor, request_id=request_id)


def _audit(session: Session, actor: Actor, action: str, request_id: int) -> None:
    record_audit_event(
        session=session,
        actor=actor,
        action=action,
        object_type="debrief_request",
        object_id=request_id,
    )


# What the supporter's home says.


class DebriefStateKind(StrEnum):
    waiting = "waiting"
    assigned = "assigned"
    done = "done"


@dataclass(frozen=True)
class DebriefState:
    kind: DebriefStateKind
    trainer_name: str | None = None

    @property
    def sentence(self) -> str:
        if self.kind == DebriefStateKind.assigned:
            return f"{self.trainer_name} will contact you."
        if self.kind == DebriefStateKind.done:
            return "Your debrief is done. You can ask again at any time."
        return "Your debrief request is waiting for a trainer."


def is_done_still_shown(closed_at: datetime, now: datetime) -> bool:
    """A closed request shows as done for `DONE_SHOWN_FOR`, to the second, then disappears."""
    return now - closed_at < DONE_SHOWN_FOR


def debrief_state_for_supporter(
    session: Session, supporter: Supporter, *, now: datetime | None = None
) -> DebriefState | None:
    """The state of the supporter's latest request: waiting (open, nobody assigned), the
    trainer who will contact them (assigned), done (closed recently), or None."""
    latest = session.exec(
        select(DebriefRequest, User.display_name)
        .outerjoin(User, col(User.id) == DebriefRequest.assigned_to_user_id)
        .where(DebriefRequest.supporter_id == supporter.id)
        .order_by(col(DebriefRequest.id).desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    request, trainer_name = latest
    if request.status == DebriefStatus.open:
        if request.assigned_to_user_id is None:
            return DebriefState(DebriefStateKind.waiting)
        return DebriefState(DebriefStateKind.assigned, trainer_name or "A trainer")
    if request.closed_at is not None and is_done_still_shown(request.closed_at, now or utcnow()):
        return DebriefState(DebriefStateKind.done)
    return None
