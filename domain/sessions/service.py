"""Program sessions and attendance. Recording attendance at a monthly session updates the
supporter's refresher flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from domain.actors import PROGRAM_MANAGERS, Actor, require_role
from domain.audit.actions import AuditAction, attendance_recorded, field_changed
from domain.audit.service import record_audit_event
from domain.changes import changes_of
from domain.codes import ApiScope, Role, SessionKind
from domain.columns import utcnow
from domain.errors import InvalidInput, NotFound
from domain.pagination import Page, PageRequest, page_from_rows
from domain.sessions.models import (
    Attendance,
    AttendanceUpdate,
    ProgramSession,
    ProgramSessionCreate,
    ProgramSessionUpdate,
)
from domain.supporters.models import Supporter
from domain.supporters.service import get_supporter, refresh_needs_refresher
from domain.users.models import User

SESSION_READERS = (*PROGRAM_MANAGERS, Role.supporter)


@dataclass(frozen=True)
class SessionFilters:
    kind: SessionKind | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None


def list_program_sessions(
    *, session: Session, actor: Actor, filters: SessionFilters, page: PageRequest
) -> Page[ProgramSession]:
    require_role(actor, *SESSION_READERS, to="see program sessions", scope=ApiScope.sessions_read)
    query = select(ProgramSession).order_by(col(ProgramSession.id)).limit(page.limit + 1)
    if filters.kind:
        query = query.where(ProgramSession.kind == filters.kind)
    if filters.starts_from:
        query = query.where(col(ProgramSession.starts_at) >= filters.starts_from)
    if filters.starts_before:
        query = query.where(col(ProgramSession.starts_at) < filters.starts_before)
    if page.after_id is not None:
        query = query.where(col(ProgramSession.id) > page.after_id)
    return page_from_rows(list(session.exec(query)), page, lambda row: row.id)


def get_program_session(*, session: Session, actor: Actor, session_id: int) -> ProgramSession:
    require_role(actor, *SESSION_READERS, to="see program sessions", scope=ApiScope.sessions_read)
    return _find_session(session, session_id)


def _find_session(session: Session, session_id: int) -> ProgramSession:
    """For callers already allowed to manage sessions (sessions:write needs no read scope)."""
    found = session.get(ProgramSession, session_id)
    if found is None:
        raise NotFound(f"There is no session {session_id}.")
    return found


def _require_facilitator(session: Session, facilitator_id: int | None) -> None:
    if facilitator_id is None:
        return
    user = session.get(User, facilitator_id)
    if user is None or not user.active:
        raise InvalidInput(f"There is no active user {facilitator_id}.", field="facilitator_id")


def create_program_session(
    *, session: Session, actor: Actor, data: ProgramSessionCreate
) -> ProgramSession:
    require_role(actor, *PROGRAM_MANAGERS, to="schedule sessions", scope=ApiScope.sessions_write)
    _require_facilitator(session, data.facilitator_id)
    created = ProgramSession(**data.model_dump())
    session.add(created)
    session.flush()
    _audit(session, actor, AuditAction.program_session_create, session_id=created.id)
    return created


def _audit(session: Session, actor: Actor, action: str, *, session_id: int | None) -> None:
    record_audit_event(
        session=session,
        actor=actor,
        action=action,
        object_type="program_session",
        object_id=session_id,
    )


def update_program_session(
    *, session: Session, actor: Actor, session_id: int, data: ProgramSessionUpdate
) -> ProgramSession:
    require_role(actor, *PROGRAM_MANAGERS, to="change sessions", scope=ApiScope.sessions_write)
    found = _find_session(session, session_id)
    changes = changes_of(data, nullable=frozenset({"facilitator_id"}))
    if "facilitator_id" in changes:
        _require_facilitator(session, changes["facilitator_id"])
    for name, value in changes.items():
        if getattr(found, name) == value:
            continue
        setattr(found, name, value)
        _audit(session, actor, field_changed("program_session", name), session_id=session_id)
    session.add(found)
    session.flush()
    return found


def delete_program_session(*, session: Session, actor: Actor, session_id: int) -> None:
    require_role(actor, *PROGRAM_MANAGERS, to="cancel sessions", scope=ApiScope.sessions_write)
    found = _find_session(session, session_id)
    affected = list(
        session.exec(select(Supporter).join(Attendance).where(Attendance.session_id == session_id))
    )
    session.delete(found)
    session.flush()
    _audit(session, actor, AuditAction.program_session_cancel, session_id=session_id)
    for supporter in affected:
        refresh_needs_refresher(session, actor, supporter)


def record_attendance(
    *, session: Session, actor: Actor, session_id: int, supporter_id: int, data: AttendanceUpdate
) -> Attendance:
    require_role(actor, *PROGRAM_MANAGERS, to="record attendance", scope=ApiScope.sessions_write)
    program_session = _find_session(session, session_id)
    supporter = session.get(Supporter, supporter_id)
    if supporter is None:
        raise NotFound(f"There is no supporter {supporter_id}.")
    if data.status != "invited" and program_session.starts_at > utcnow():
        raise InvalidInput(
            "Attendance is recorded once the session has started; until then it is 'invited'.",
            field="status",
        )
    attendance = session.get(Attendance, (session_id, supporter_id))
    if attendance is None:
        attendance = Attendance(
            session_id=session_id, supporter_id=supporter_id, status=data.status
        )
    attendance.status = data.status
    attendance.recorded_at = utcnow()
    session.add(attendance)
    session.flush()
    record_audit_event(
        session=session,
        actor=actor,
        action=attendance_recorded(data.status.value),
        object_type="supporter",
        object_id=supporter_id,
    )
    if program_session.kind == SessionKind.monthly_session:
        refresh_needs_refresher(session, actor, supporter)
    return attendance


def attendance_of_supporter(
    *, session: Session, actor: Actor, supporter_id: int
) -> list[tuple[ProgramSession, Attendance]]:
    """A supporter's attendance record, newest first (the supporter or a coordinator)."""
    get_supporter(session=session, actor=actor, supporter_id=supporter_id)
    rows = session.exec(
        select(ProgramSession, Attendance)
        .join(Attendance, col(Attendance.session_id) == ProgramSession.id)
        .where(Attendance.supporter_id == supporter_id)
        .order_by(col(ProgramSession.starts_at).desc())
    )
    return [(program_session, attendance) for program_session, attendance in rows]


def upcoming_program_sessions(
    *, session: Session, actor: Actor, limit: int = 5
) -> list[ProgramSession]:
    """Sessions not yet over, soonest first."""
    require_role(actor, *SESSION_READERS, to="see program sessions", scope=ApiScope.sessions_read)
    query = (
        select(ProgramSession)
        .where(col(ProgramSession.starts_at) >= utcnow() - timedelta(hours=2))
        .order_by(col(ProgramSession.starts_at))
        .limit(limit)
    )
    return list(session.exec(query))
