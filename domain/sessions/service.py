"""Program sessions and attendance.

Rules:
- Coordinators and admins schedule, change and cancel sessions and record attendance; the
  facilitator of a session is an active coordinator (`_require_facilitator`).
- Times are entered in the program's time zone and stored in UTC (`program_start_to_utc`): a
  wall time that does not exist (the hour skipped when clocks go forward) is refused with a
  message that says so; a wall time that happens twice (the hour repeated when clocks go back)
  means its first occurrence.
- Attendance other than `invited` is recorded once a session has started. One row per supporter
  and session, written as an upsert under a lock on the supporter, so two coordinators tapping
  the same supporter at once leave one row and the last tap's status.
- Recording attendance at a monthly session updates the supporter's refresher flag.
- Who is expected at a session (`attendance_sheet`): every active supporter at a monthly
  session, and everyone with an attendance row (invited, or added by a coordinator).
- Debriefs are confidential: who attended one is shown to coordinators and to the supporter
  themself only (`may_see_debrief_attendance`), never to admins or API clients; reading and
  recording a debrief's attendance is the coordinators' alone (`require_attendance_keeper`),
  and its audit event names the session, not the supporter.
- Attendance writers lock the session row before the supporter row (`_find_session(lock=True)`):
  a session cancelled while someone taps answers 404 to the tap, never a deadlock or a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from domain.actors import PROGRAM_MANAGERS, Actor, require_role
from domain.audit.actions import AuditAction, attendance_recorded, field_changed
from domain.audit.service import record_audit_event
from domain.changes import changes_of
from domain.codes import ApiScope, AttendanceStatus, Role, SessionKind, SupporterStatus
from domain.columns import utcnow
from domain.db import insert_for
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
from domain.users.models import User, UserRole

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


def _find_session(session: Session, session_id: int, *, lock: bool = False) -> ProgramSession:
    """For callers already allowed to manage sessions (sessions:write needs no read scope).
    `lock`: the row as last committed, locked until the unit of work ends; writers of a
    session's attendance take it before any supporter row (`record_attendance`,
    `delete_program_session`), so they never wait on each other in a cycle, and a session
    deleted meanwhile is simply not found (404)."""
    if lock:
        found = session.get(
            ProgramSession, session_id, with_for_update=True, populate_existing=True
        )
    else:
        found = session.get(ProgramSession, session_id)
    if found is None:
        raise NotFound(f"There is no session {session_id}.")
    return found


def _require_facilitator(session: Session, facilitator_id: int | None) -> None:
    """A session is led by an active coordinator (or by nobody named yet)."""
    if facilitator_id is None:
        return
    user = session.get(User, facilitator_id)
    if user is None or not user.active:
        raise InvalidInput(f"There is no active user {facilitator_id}.", field="facilitator_id")
    if Role.coordinator not in user.roles:
        raise InvalidInput(
            f"{user.display_name} is not a coordinator; a coordinator facilitates sessions.",
            field="facilitator_id",
        )


def facilitator_choices(*, session: Session, actor: Actor) -> list[User]:
    """Who may facilitate a session: the active coordinators, by name."""
    require_role(actor, *PROGRAM_MANAGERS, to="schedule sessions", scope=ApiScope.sessions_write)
    query = (
        select(User)
        .join(UserRole, col(UserRole.user_id) == User.id)
        .where(UserRole.role == Role.coordinator, col(User.active).is_(True))
        .order_by(col(User.display_name), col(User.id))
    )
    return list(session.exec(query))


# Times: entered in the program's time zone, stored in UTC.


def program_start_to_utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall time in the program's zone. A time skipped when clocks go
    forward is refused; a time that happens twice when clocks go back means the first one
    (fold 0, still daylight time)."""
    local = datetime.combine(day, clock.replace(tzinfo=None, fold=0), zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidInput(
            f"{clock.strftime('%-I:%M %p')} does not exist on {day.strftime('%b %-d, %Y')} in "
            f"{zone.key}: the clocks jump forward an hour that night. Choose another time.",
            field="start_time",
        )
    return moment


def is_ambiguous_local_time(day: date, clock: time, zone: ZoneInfo) -> bool:
    """The wall time happens twice that day (clocks go back); `program_start_to_utc` takes the
    first."""
    first = datetime.combine(day, clock.replace(fold=0), zone)
    second = datetime.combine(day, clock.replace(fold=1), zone)
    return first.utcoffset() != second.utcoffset()


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
    found = _find_session(session, session_id, lock=True)  # the session row, then supporters
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
    # The session row first (as delete_program_session), then the supporter's.
    program_session = _find_session(session, session_id, lock=True)
    require_attendance_keeper(actor, program_session)
    # The supporter's row lock serializes taps on the same supporter (PostgreSQL; SQLite runs
    # one writer at a time), so the refresher flag below is computed from the last tap.
    supporter = session.get(Supporter, supporter_id, with_for_update=True, populate_existing=True)
    if supporter is None:
        raise NotFound(f"There is no supporter {supporter_id}.")
    if data.status != "invited" and program_session.starts_at > utcnow():
        raise InvalidInput(
            "Attendance is recorded once the session has started; until then it is 'invited'.",
            field="status",
        )
    now = utcnow()
    upsert = insert_for(session, Attendance).values(
        session_id=session_id, supporter_id=supporter_id, status=data.status, recorded_at=now
    )
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["session_id", "supporter_id"],
            set_={"status": data.status, "recorded_at": now},
        )
    )
    attendance = session.get(Attendance, (session_id, supporter_id), populate_existing=True)
    assert attendance is not None
    if program_session.kind == SessionKind.debrief:
        # Who attended a debrief is confidential and the audit log is read by admins: the
        # event names the session, never the supporter.
        _audit(session, actor, attendance_recorded(data.status.value), session_id=session_id)
    else:
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
    """A supporter's attendance record, newest first (the supporter or a coordinator): every
    session with a row, its kind, topic, time and the status. Debriefs only for those who may
    see who attended one."""
    supporter = get_supporter(session=session, actor=actor, supporter_id=supporter_id)
    query = (
        select(ProgramSession, Attendance)
        .join(Attendance, col(Attendance.session_id) == ProgramSession.id)
        .where(Attendance.supporter_id == supporter_id)
        .order_by(col(ProgramSession.starts_at).desc(), col(ProgramSession.id).desc())
    )
    if not may_see_debrief_attendance(actor, supporter):
        query = query.where(ProgramSession.kind != SessionKind.debrief)
    rows = session.exec(query)
    return [(program_session, attendance) for program_session, attendance in rows]


def may_see_debrief_attendance(actor: Actor, supporter: Supporter | None = None) -> bool:
    """Who attended a debrief is confidential: coordinators see it, and a supporter their own."""
    if actor.has_any_role(Role.coordinator):
        return True
    if supporter is None or actor.user_id is None:
        return False
    return supporter.user_id == actor.user_id


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


# The coordinators' schedule: coming up and held, with facilitators and attendance counts.


class ScheduleWhen(StrEnum):
    upcoming = "upcoming"  # not started yet, soonest first
    held = "held"  # started, newest first: attendance can be taken


@dataclass(frozen=True)
class ScheduledSession:
    """A session as the schedule lists it: read in two queries for a whole page."""

    program_session: ProgramSession
    facilitator_name: str | None
    counts: dict[AttendanceStatus, int] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        return sum(self.counts.values())


def list_schedule(
    *, session: Session, actor: Actor, when: ScheduleWhen, page: PageRequest
) -> Page[ScheduledSession]:
    """Sessions by start time, a page at a time: `page.after_id` is the last session of the
    previous page, and the next page continues after its (starts_at, id)."""
    require_role(actor, *PROGRAM_MANAGERS, to="see the schedule", scope=ApiScope.sessions_write)
    now = utcnow()
    starts_at, session_id = col(ProgramSession.starts_at), col(ProgramSession.id)
    query = (
        select(ProgramSession, User.display_name)
        .outerjoin(User, col(User.id) == ProgramSession.facilitator_id)
        .limit(page.limit + 1)
    )
    if when is ScheduleWhen.upcoming:
        query = query.where(starts_at > now).order_by(starts_at, session_id)
    else:
        query = query.where(starts_at <= now).order_by(starts_at.desc(), session_id.desc())
    if page.after_id is not None:
        last = session.get(ProgramSession, page.after_id)
        if last is not None:
            after = sa.tuple_(starts_at, session_id)
            mark = sa.tuple_(sa.literal(last.starts_at), sa.literal(last.id))
            query = query.where(after > mark if when is ScheduleWhen.upcoming else after < mark)
    rows = list(session.exec(query))
    counts = _attendance_counts(session, [row.id for row, _ in rows if row.id is not None])
    listed = [ScheduledSession(row, name, counts.get(row.id or 0, {})) for row, name in rows]
    return page_from_rows(listed, page, lambda item: item.program_session.id)


def _attendance_counts(
    session: Session, session_ids: list[int]
) -> dict[int, dict[AttendanceStatus, int]]:
    if not session_ids:
        return {}
    query = (
        select(Attendance.session_id, Attendance.status, func.count())
        .where(col(Attendance.session_id).in_(session_ids))
        .group_by(col(Attendance.session_id), col(Attendance.status))
    )
    counts: dict[int, dict[AttendanceStatus, int]] = {}
    for session_id, status, count in session.exec(query):
        counts.setdefault(session_id, {})[AttendanceStatus(status)] = count
    return counts


# Taking attendance.


@dataclass(frozen=True)
class SheetRow:
    supporter_id: int
    display_name: str
    profession_code: str
    supporter_status: SupporterStatus
    status: AttendanceStatus | None  # None: expected, nothing recorded yet


@dataclass(frozen=True)
class AttendanceSheet:
    program_session: ProgramSession
    rows: list[SheetRow]

    @property
    def started(self) -> bool:
        return self.program_session.starts_at <= utcnow()

    def count(self, status: AttendanceStatus | None) -> int:
        return sum(1 for row in self.rows if row.status == status)


def require_attendance_keeper(actor: Actor, program_session: ProgramSession) -> None:
    """Who may read and write a session's attendance (the sheet, a row, a tap): coordinators
    and admins, and API clients with sessions:write; a debrief's only coordinators (who
    attended one is confidential, `may_see_debrief_attendance`)."""
    require_role(actor, *PROGRAM_MANAGERS, to="take attendance", scope=ApiScope.sessions_write)
    if program_session.kind == SessionKind.debrief and not may_see_debrief_attendance(actor):
        require_role(actor, Role.coordinator, to="see who attends a debrief")


def attendance_sheet(*, session: Session, actor: Actor, session_id: int) -> AttendanceSheet:
    """Everyone expected at a session, by name, in one query: every active supporter at a
    monthly session, and everyone with an attendance row. A roster read, audited."""
    sheet = attendance_counts(session=session, actor=actor, session_id=session_id)
    record_audit_event(
        session=session,
        actor=actor,
        action=AuditAction.supporter_list,
        object_type="program_session",
        object_id=session_id,
    )
    return sheet


def attendance_counts(*, session: Session, actor: Actor, session_id: int) -> AttendanceSheet:
    """The sheet for its counts only (what a tap answers beside the one row): no list of names
    leaves the server, so it is not a roster read and is not audited; pages that show the
    names call `attendance_sheet`."""
    program_session = _find_session(session, session_id)
    require_attendance_keeper(actor, program_session)
    attendance = sa.and_(
        col(Attendance.session_id) == session_id, col(Attendance.supporter_id) == Supporter.id
    )
    expected: sa.ColumnElement[bool] = col(Attendance.session_id).is_not(None)
    if program_session.kind == SessionKind.monthly_session:
        expected = sa.or_(expected, col(Supporter.status) == SupporterStatus.active)
    query = (
        sa.select(
            col(Supporter.id),
            col(User.display_name),
            col(Supporter.profession_code),
            col(Supporter.status),
            col(Attendance.status),
        )
        .join(User, col(User.id) == Supporter.user_id)
        .outerjoin(Attendance, attendance)
        .where(expected)
        .order_by(col(User.display_name), col(Supporter.id))
    )
    rows = [
        SheetRow(
            supporter_id=supporter_id,
            display_name=name,
            profession_code=profession,
            supporter_status=SupporterStatus(supporter_status),
            status=AttendanceStatus(status) if status is not None else None,
        )
        for supporter_id, name, profession, supporter_status, status in session.execute(query)
    ]
    return AttendanceSheet(program_session=program_session, rows=rows)


def sheet_row(*, session: Session, actor: Actor, session_id: int, supporter_id: int) -> SheetRow:
    """One supporter's line of the sheet (what a tap answers with)."""
    program_session = _find_session(session, session_id)
    require_attendance_keeper(actor, program_session)
    query = (
        select(Supporter, User.display_name, Attendance.status)
        .join(User, col(User.id) == Supporter.user_id)
        .outerjoin(
            Attendance,
            sa.and_(
                col(Attendance.session_id) == session_id,
                col(Attendance.supporter_id) == Supporter.id,
            ),
        )
        .where(Supporter.id == supporter_id)
    )
    found = session.exec(query).first()
    if found is None:
        raise NotFound(f"There is no supporter {supporter_id}.")
    supporter, name, status = found
    assert supporter.id is not None
    return SheetRow(
        supporter_id=supporter.id,
        display_name=name,
        profession_code=supporter.profession_code,
        supporter_status=supporter.status,
        status=AttendanceStatus(status) if status is not None else None,
    )


def addable_supporters(
    *, session: Session, actor: Actor, sheet: AttendanceSheet
) -> list[tuple[int, str]]:
    """Supporters (candidates, active, paused) not on the sheet yet, by name: whom a coordinator
    may add to a training or a debrief."""
    require_role(actor, *PROGRAM_MANAGERS, to="take attendance", scope=ApiScope.sessions_write)
    listed = {row.supporter_id for row in sheet.rows}
    query = (
        select(Supporter.id, User.display_name)
        .join(User, col(User.id) == Supporter.user_id)
        .where(col(Supporter.status) != SupporterStatus.inactive, col(User.active).is_(True))
        .order_by(col(User.display_name), col(Supporter.id))
    )
    return [(sid, name) for sid, name in session.exec(query) if sid and sid not in listed]


# The month of a monthly session (the tally).


def latest_started_monthly_session(*, session: Session, actor: Actor) -> ProgramSession | None:
    """The newest monthly session that has started: the tally shows its month by default."""
    require_role(actor, *SESSION_READERS, to="see program sessions", scope=ApiScope.sessions_read)
    query = (
        select(ProgramSession)
        .where(
            ProgramSession.kind == SessionKind.monthly_session,
            col(ProgramSession.starts_at) <= utcnow(),
        )
        .order_by(col(ProgramSession.starts_at).desc(), col(ProgramSession.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def monthly_sessions_between(
    *, session: Session, actor: Actor, starts_from: datetime, starts_before: datetime
) -> list[ProgramSession]:
    """Monthly sessions starting in [starts_from, starts_before), soonest first."""
    require_role(actor, *SESSION_READERS, to="see program sessions", scope=ApiScope.sessions_read)
    query = (
        select(ProgramSession)
        .where(
            ProgramSession.kind == SessionKind.monthly_session,
            col(ProgramSession.starts_at) >= starts_from,
            col(ProgramSession.starts_at) < starts_before,
        )
        .order_by(col(ProgramSession.starts_at), col(ProgramSession.id))
    )
    return list(session.exec(query))


def local_month_bounds(first_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a calendar month of the program's zone starts and ends."""
    following = date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)
    return (
        datetime.combine(first_day, time(), zone).astimezone(UTC),
        datetime.combine(following, time(), zone).astimezone(UTC),
    )
