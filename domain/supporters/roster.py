"""The coordinators' roster: every supporter with the figures a coordinator acts on, read as
plain rows in one query (a read model, not ORM objects).

Rules: only coordinators read it (it carries per-supporter figures, which DESIGN.md keeps to
the supporter and coordinators), and every read is audited (`supporter.list`); this month's
load counts the supporter's encounters in the current calendar month (UTC), as
`service.monthly_workload` does; "missed in a row" counts the monthly sessions held since the
supporter's training that came after the last one they attended, as
`service.consecutive_missed_monthly_sessions` does (tests hold the two to the same answers).

Pages are keyset pages in the chosen order: the cursor is the last row's sort value and id, so
a page never repeats or skips a row when rows are added in between. Filters use indexed
columns (status, profession, org unit, needs_refresher; the load uses
`ix_encounter_supporter_occurred`); the search is a substring match on name and email.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session, col, func

from domain.actors import Actor, require_role
from domain.audit.actions import AuditAction, field_changed
from domain.audit.service import record_audit_event
from domain.codes import AttendanceStatus, Role, SessionKind, SupporterStatus
from domain.columns import utcnow
from domain.db import LIKE_ESCAPE, escape_like
from domain.encounters.models import Encounter
from domain.errors import InvalidInput
from domain.program_settings.service import program_today
from domain.sessions.models import Attendance, ProgramSession
from domain.sessions.service import attendance_of_supporter
from domain.supporters.models import Supporter
from domain.supporters.service import (
    MonthlyWorkload,
    consecutive_missed_monthly_sessions,
    month_bounds,
    monthly_workload,
)
from domain.users.models import User

ROSTER_READERS = (Role.coordinator,)
ROSTER_PAGE_SIZE = 50
MAX_SEARCH_LENGTH = 100


class RosterSort(StrEnum):
    name = "name"
    trained = "trained"
    load = "load"
    missed = "missed"


class SortDirection(StrEnum):
    asc = "asc"
    desc = "desc"


@dataclass(frozen=True)
class RosterFilters:
    status: SupporterStatus | None = None
    profession_code: str | None = None
    org_unit_id: int | None = None
    needs_refresher: bool | None = None
    at_cap: bool | None = None  # True: load >= cap; False: below the cap
    search: str | None = None  # part of the name or the email, any case


@dataclass(frozen=True)
class RosterOrder:
    sort: RosterSort = RosterSort.name
    direction: SortDirection = SortDirection.asc


@dataclass(frozen=True)
class RosterRow:
    supporter_id: int
    user_id: int
    display_name: str
    email: str
    account_active: bool
    profession_code: str
    org_unit_id: int | None
    status: SupporterStatus
    trained_on: date | None
    cap: int
    available: bool
    needs_refresher: bool
    load: int
    missed_in_a_row: int

    @property
    def at_cap(self) -> bool:
        return self.load >= self.cap


@dataclass(frozen=True)
class RosterPage:
    rows: list[RosterRow]
    next_cursor: str | None


# The sort value of a supporter without a training date: before every real date.
NOT_TRAINED = date(1900, 1, 1)


def _trained_start(session: Session) -> Any:
    """The start (UTC midnight) of the training day, comparable with a session's start."""
    if session.get_bind().dialect.name == "postgresql":
        # date -> timestamp (midnight) read as UTC, whatever the connection's time zone.
        return func.timezone("UTC", sa.cast(col(Supporter.trained_on), sa.DateTime()))
    # SQLite stores both as text: "2026-01-15 ..." >= "2026-01-15" from midnight on.
    return col(Supporter.trained_on)


def roster_query(session: Session, *, today: date, now: datetime) -> Any:
    """One row per supporter: the profile, the user's name, email and active state, this
    month's load and the monthly sessions missed in a row. A subquery the filters, order
    and keyset apply to."""
    start, following = month_bounds(today)
    load = (
        select(col(Encounter.supporter_id).label("supporter_id"), func.count().label("load"))
        .where(col(Encounter.occurred_on) >= start, col(Encounter.occurred_on) < following)
        .group_by(col(Encounter.supporter_id))
        .subquery("month_load")
    )
    last_attended = (
        select(
            col(Attendance.supporter_id).label("supporter_id"),
            func.max(ProgramSession.starts_at).label("last_at"),
        )
        .join(ProgramSession, col(ProgramSession.id) == col(Attendance.session_id))
        .where(
            col(Attendance.status) == AttendanceStatus.attended,
            col(ProgramSession.kind) == SessionKind.monthly_session,
            col(ProgramSession.starts_at) <= now,
        )
        .group_by(col(Attendance.supporter_id))
        .subquery("last_attended")
    )
    missed = (
        select(func.count(col(ProgramSession.id)))
        .where(
            col(ProgramSession.kind) == SessionKind.monthly_session,
            col(ProgramSession.starts_at) <= now,
            col(ProgramSession.starts_at) >= _trained_start(session),
            sa.or_(
                last_attended.c.last_at.is_(None),
                col(ProgramSession.starts_at) > last_attended.c.last_at,
            ),
        )
        .correlate(Supporter, last_attended)
        .scalar_subquery()
    )
    return (
        select(
            col(Supporter.id).label("supporter_id"),
            col(Supporter.user_id).label("user_id"),
            col(User.display_name).label("display_name"),
            col(User.email).label("email"),
            col(User.active).label("account_active"),
            col(Supporter.profession_code).label("profession_code"),
            col(Supporter.org_unit_id).label("org_unit_id"),
            col(Supporter.status).label("status"),
            col(Supporter.trained_on).label("trained_on"),
            col(Supporter.max_encounters_per_month).label("cap"),
            col(Supporter.available).label("available"),
            col(Supporter.needs_refresher).label("needs_refresher"),
            func.coalesce(load.c.load, 0).label("load"),
            sa.case((col(Supporter.trained_on).is_(None), 0), else_=missed).label("missed"),
            func.lower(User.display_name).label("name_key"),
            func.coalesce(col(Supporter.trained_on), NOT_TRAINED).label("trained_key"),
        )
        .join(User, col(User.id) == col(Supporter.user_id))
        .outerjoin(load, load.c.supporter_id == col(Supporter.id))
        .outerjoin(last_attended, last_attended.c.supporter_id == col(Supporter.id))
        .subquery("roster")
    )


SORT_COLUMNS = {
    RosterSort.name: "name_key",
    RosterSort.trained: "trained_key",
    RosterSort.load: "load",
    RosterSort.missed: "missed",
}


def read_roster(
    *,
    session: Session,
    actor: Actor,
    filters: RosterFilters,
    order: RosterOrder = RosterOrder(),
    cursor: str | None = None,
    limit: int = ROSTER_PAGE_SIZE,
) -> RosterPage:
    """A page of the roster (one query), audited as a roster read."""
    require_role(actor, *ROSTER_READERS, to="see the roster")
    now = utcnow()
    roster = roster_query(session, today=program_today(session, now), now=now)
    key = roster.c[SORT_COLUMNS[order.sort]]
    descending = order.direction == SortDirection.desc
    query = select(roster)
    if filters.status is not None:
        query = query.where(roster.c.status == filters.status)
    if filters.profession_code:
        query = query.where(roster.c.profession_code == filters.profession_code)
    if filters.org_unit_id is not None:
        query = query.where(roster.c.org_unit_id == filters.org_unit_id)
    if filters.needs_refresher is not None:
        query = query.where(roster.c.needs_refresher.is_(filters.needs_refresher))
    if filters.at_cap is True:
        query = query.where(roster.c.load >= roster.c.cap)
    elif filters.at_cap is False:
        query = query.where(roster.c.load < roster.c.cap)
    if filters.search:
        pattern = f"%{escape_like(filters.search.strip().lower())}%"
        query = query.where(
            sa.or_(
                roster.c.name_key.like(pattern, escape=LIKE_ESCAPE),
                func.lower(roster.c.email).like(pattern, escape=LIKE_ESCAPE),
            )
        )
    if cursor is not None:
        value, after_id = decode_roster_cursor(cursor, order.sort)
        position = sa.tuple_(key, roster.c.supporter_id)
        bound = sa.tuple_(sa.literal(value, key.type), sa.literal(after_id))
        query = query.where(position < bound if descending else position > bound)
    if descending:
        query = query.order_by(key.desc(), roster.c.supporter_id.desc())
    else:
        query = query.order_by(key.asc(), roster.c.supporter_id.asc())
    found = session.execute(query.limit(limit + 1)).all()
    record_audit_event(
        session=session, actor=actor, action=AuditAction.supporter_list, object_type="supporter"
    )
    rows = [_row(values) for values in found[:limit]]
    next_cursor = None
    if len(found) > limit:
        last = found[limit - 1]
        next_cursor = encode_roster_cursor(last._mapping[key.name], last.supporter_id)
    return RosterPage(rows=rows, next_cursor=next_cursor)


def _row(values: Any) -> RosterRow:
    return RosterRow(
        supporter_id=values.supporter_id,
        user_id=values.user_id,
        display_name=values.display_name,
        email=values.email,
        account_active=bool(values.account_active),
        profession_code=values.profession_code,
        org_unit_id=values.org_unit_id,
        status=SupporterStatus(values.status),
        trained_on=values.trained_on,
        cap=values.cap,
        available=bool(values.available),
        needs_refresher=bool(values.needs_refresher),
        load=int(values.load),
        missed_in_a_row=int(values.missed),
    )


# Cursors: the last row's sort value and id, opaque to the page.


def encode_roster_cursor(value: object, supporter_id: int) -> str:
    if isinstance(value, date):
        value = value.isoformat()
    text = json.dumps([value, supporter_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_roster_cursor(cursor: str, sort: RosterSort) -> tuple[Any, int]:
    foreign = InvalidInput("This page link is not one the roster gave out.", field="cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, supporter_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, UnicodeError, ValueError, TypeError) as error:
        raise foreign from error
    if not isinstance(supporter_id, int) or isinstance(supporter_id, bool):
        raise foreign
    try:
        if sort == RosterSort.name and isinstance(value, str):
            return value, supporter_id
        if sort == RosterSort.trained and isinstance(value, str):
            return date.fromisoformat(value), supporter_id
        if sort in (RosterSort.load, RosterSort.missed) and type(value) is int:
            return value, supporter_id
    except ValueError as error:
        raise foreign from error
    raise foreign


# One supporter, for the coordinator's detail page.


@dataclass(frozen=True)
class RosterEntry:
    supporter: Supporter
    user: User
    workload: MonthlyWorkload
    missed_in_a_row: int
    attendance: list[tuple[ProgramSession, Attendance]]


def require_roster_reader(actor: Actor) -> None:
    require_role(actor, *ROSTER_READERS, to="see the roster")


def read_roster_entry(*, session: Session, actor: Actor, supporter_id: int) -> RosterEntry:
    """A supporter's profile, account, this month's load and attendance history (a roster
    read, audited once)."""
    require_roster_reader(actor)
    # Reads the profile (audited as a roster read) and its history, newest first.
    history = attendance_of_supporter(session=session, actor=actor, supporter_id=supporter_id)
    supporter = session.get(Supporter, supporter_id)
    assert supporter is not None
    user = session.get(User, supporter.user_id)
    assert user is not None
    return RosterEntry(
        supporter=supporter,
        user=user,
        workload=monthly_workload(session, supporter, program_today(session)),
        missed_in_a_row=consecutive_missed_monthly_sessions(session, supporter),
        attendance=history,
    )


def refresh_all_refresher_flags(session: Session, actor: Actor, threshold: int) -> int:
    """After the refresher rule changed: every supporter's `needs_refresher` as the new
    threshold says (the same rule as `service.refresh_needs_refresher`), the missed sessions
    read for all in one query. How many flags changed; each change is audited."""
    roster = roster_query(session, today=program_today(session), now=utcnow())
    rows = session.execute(select(roster.c.supporter_id, roster.c.missed, roster.c.needs_refresher))
    changed = [sid for sid, missed, needs in rows if (int(missed) >= threshold) != bool(needs)]
    for supporter in session.execute(
        select(Supporter).where(col(Supporter.id).in_(changed))
    ).scalars():
        supporter.needs_refresher = not supporter.needs_refresher
        session.add(supporter)
        record_audit_event(
            session=session,
            actor=actor,
            action=field_changed("supporter", "needs_refresher"),
            object_type="supporter",
            object_id=supporter.id,
        )
    return len(changed)
