"""Peer-supporter profiles: the roster, status and training, the workload cap and the
refresher flag.

Rules: coordinators (and admins, and API clients with roster scopes) read and change every
profile, a supporter reads their own and changes only their own `available`; a supporter is
`active` only after the initial training (`_check_status_and_training`); a supporter whose user
account is deactivated is `inactive` and unavailable, in the same transaction as the
deactivation (`end_supporter_of_deactivated_user`), and cannot be made active or available
again until the account is active (`_refuse_reviving_deactivated`); reaching the monthly cap
turns `available` off (`apply_cap`); missing N monthly sessions in a row flags
`needs_refresher` (`refresh_needs_refresher`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, func, select

from domain.actors import PROGRAM_MANAGERS, Actor, may, require_role
from domain.audit.actions import AuditAction, field_changed
from domain.audit.service import record_audit_event
from domain.changes import changes_of
from domain.codes import ApiScope, AttendanceStatus, Role, SessionKind, SupporterStatus
from domain.columns import utcnow
from domain.encounters.models import Encounter
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from domain.org_units.service import require_org_unit
from domain.pagination import Page, PageRequest, page_from_rows
from domain.professions.service import require_active_profession
from domain.program_settings.service import get_program_settings, program_today
from domain.sessions.models import Attendance, ProgramSession
from domain.supporters.models import Supporter, SupporterCreate, SupporterUpdate
from domain.users.models import User

SELF_EDITABLE_FIELDS = frozenset({"available"})


@dataclass(frozen=True)
class SupporterFilters:
    profession_code: str | None = None
    org_unit_id: int | None = None
    status: SupporterStatus | None = None


def supporter_of_user(session: Session, user_id: int | None) -> Supporter | None:
    if user_id is None:
        return None
    return session.exec(select(Supporter).where(Supporter.user_id == user_id)).first()


def get_supporter(*, session: Session, actor: Actor, supporter_id: int) -> Supporter:
    """Coordinators see every profile (a roster read, audited); a supporter only their own."""
    supporter = session.get(Supporter, supporter_id)
    if supporter is None or not _may_read(actor, supporter):
        raise NotFound(f"There is no supporter {supporter_id}.")
    if not _is_own(actor, supporter):
        _audit(session, actor, AuditAction.supporter_read, supporter)
    return supporter


def _is_own(actor: Actor, supporter: Supporter) -> bool:
    return actor.user_id is not None and supporter.user_id == actor.user_id


def _may_read(actor: Actor, supporter: Supporter) -> bool:
    return may(actor, *PROGRAM_MANAGERS, scope=ApiScope.roster_read) or _is_own(actor, supporter)


def list_supporters(
    *, session: Session, actor: Actor, filters: SupporterFilters, page: PageRequest
) -> Page[Supporter]:
    require_role(actor, *PROGRAM_MANAGERS, to="see the roster", scope=ApiScope.roster_read)
    query = select(Supporter).order_by(col(Supporter.id)).limit(page.limit + 1)
    if filters.profession_code:
        query = query.where(Supporter.profession_code == filters.profession_code)
    if filters.org_unit_id is not None:
        query = query.where(Supporter.org_unit_id == filters.org_unit_id)
    if filters.status:
        query = query.where(Supporter.status == filters.status)
    if page.after_id is not None:
        query = query.where(col(Supporter.id) > page.after_id)
    record_audit_event(
        session=session, actor=actor, action=AuditAction.supporter_list, object_type="supporter"
    )
    return page_from_rows(list(session.exec(query)), page, lambda row: row.id)


def display_names(session: Session, supporters: list[Supporter]) -> dict[int, str]:
    """Names of the supporters' users in one query (for rosters; never for encounters)."""
    user_ids = {s.user_id for s in supporters}
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(user_ids)))
    return {user_id: name for user_id, name in rows if user_id is not None}


def create_supporter(*, session: Session, actor: Actor, data: SupporterCreate) -> Supporter:
    require_role(actor, *PROGRAM_MANAGERS, to="add supporters", scope=ApiScope.roster_write)
    user = session.get(User, data.user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise InvalidInput(f"There is no user {data.user_id}.", field="user_id")
    if supporter_of_user(session, data.user_id) is not None:
        raise Conflict("This user has a supporter profile already.", field="user_id")
    require_active_profession(session, data.profession_code, field="profession_code")
    require_org_unit(session, data.org_unit_id, field="org_unit_id")
    _check_status_and_training(data.status, data.trained_on)
    _refuse_reviving_deactivated(user, status=data.status, available=None)
    cap = data.max_encounters_per_month or get_program_settings(session).default_monthly_cap
    supporter = Supporter(
        user_id=data.user_id,
        profession_code=data.profession_code,
        org_unit_id=data.org_unit_id,
        status=data.status,
        trained_on=data.trained_on,
        max_encounters_per_month=cap,
    )
    session.add(supporter)
    session.flush()
    _audit(session, actor, AuditAction.supporter_create, supporter)
    return supporter


def _check_status_and_training(status: SupporterStatus, trained_on: date | None) -> None:
    if status == SupporterStatus.active and trained_on is None:
        raise InvalidInput(
            "A supporter becomes active only after the initial training: give trained_on.",
            field="trained_on",
        )
    if trained_on is not None and trained_on > utcnow().date():
        raise InvalidInput("The training date cannot be in the future.", field="trained_on")


def update_supporter(
    *, session: Session, actor: Actor, supporter_id: int, data: SupporterUpdate
) -> Supporter:
    manager = may(actor, *PROGRAM_MANAGERS, scope=ApiScope.roster_write)
    supporter = session.get(Supporter, supporter_id)
    if supporter is None or not (manager or _may_read(actor, supporter)):
        raise NotFound(f"There is no supporter {supporter_id}.")
    # User before supporter (as update_user): the account's `active` cannot change until this
    # unit of work ends, and the profile is re-read as last committed after the lock.
    user = lock_user_row(session, supporter.user_id)
    session.refresh(supporter)
    changes = changes_of(data, nullable=frozenset({"org_unit_id", "trained_on"}))
    own = _is_own(actor, supporter)
    if not manager and not (own and SELF_EDITABLE_FIELDS.issuperset(changes)):
        raise PermissionDenied("You can change only your own availability; ask a coordinator.")
    if "profession_code" in changes:
        require_active_profession(session, changes["profession_code"], field="profession_code")
    if "org_unit_id" in changes:
        require_org_unit(session, changes["org_unit_id"], field="org_unit_id")
    _check_status_and_training(
        changes.get("status") or supporter.status,
        changes.get("trained_on", supporter.trained_on),
    )
    _refuse_reviving_deactivated(
        user,
        status=changes.get("status"),
        available=changes.get("available"),
    )
    for name, value in changes.items():
        if getattr(supporter, name) == value:
            continue
        setattr(supporter, name, value)
        _audit(session, actor, field_changed("supporter", name), supporter)
    supporter.updated_at = utcnow()
    session.add(supporter)
    session.flush()
    return supporter


DEACTIVATED_ACCOUNT = (
    "This person's account is deactivated: their supporter profile stays inactive and "
    "unavailable until an admin activates the account again."
)


def lock_user_row(session: Session, user_id: int) -> User:
    """The user row as last committed, locked until this unit of work ends (FOR UPDATE on
    PostgreSQL; SQLite's units of work already run one at a time). Whoever changes a user's
    `active` or their supporter profile's status/availability takes it first, user before
    supporter, so `active` cannot change between the check and the write."""
    user = session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def _refuse_reviving_deactivated(
    user: User | None, *, status: SupporterStatus | None, available: bool | None
) -> None:
    """A deactivated account's profile cannot be made active or available."""
    if user is None or user.active:
        return
    if status == SupporterStatus.active:
        raise RuleViolation(DEACTIVATED_ACCOUNT, field="status")
    if available:
        raise RuleViolation(DEACTIVATED_ACCOUNT, field="available")


def end_supporter_of_deactivated_user(session: Session, actor: Actor, user_id: int) -> None:
    """The user was deactivated: their profile (if any) becomes `inactive` and unavailable in
    the same transaction, so they leave the active roster at once; each change is audited.
    The refresher flag is cleared too (it is a prompt about someone on the roster).
    The caller (`domain.users.service.update_user`) has checked the actor may deactivate and
    holds the lock on the user row (user before supporter, as `update_supporter`)."""
    supporter = supporter_of_user(session, user_id)
    if supporter is None:
        return
    ended = {"status": SupporterStatus.inactive, "available": False, "needs_refresher": False}
    changed = False
    for name, value in ended.items():
        if getattr(supporter, name) != value:
            setattr(supporter, name, value)
            _audit(session, actor, field_changed("supporter", name), supporter)
            changed = True
    if changed:
        supporter.updated_at = utcnow()
        session.add(supporter)
        session.flush()


def _audit(session: Session, actor: Actor, action: str, supporter: Supporter) -> None:
    record_audit_event(
        session=session, actor=actor, action=action, object_type="supporter", object_id=supporter.id
    )


def require_logging_supporter(session: Session, actor: Actor) -> Supporter:
    """The actor's own profile, if it may log encounters: active and trained."""
    supporter = supporter_of_user(session, actor.user_id)
    if supporter is None or not actor.has_any_role(Role.supporter):
        raise PermissionDenied("Only peer supporters log encounters; ask a coordinator to add you.")
    if supporter.status != SupporterStatus.active:
        raise RuleViolation(
            f"Your supporter status is {supporter.status.value}: only active supporters log "
            "encounters. Ask a coordinator if this is wrong."
        )
    if supporter.trained_on is None:
        raise RuleViolation(
            "Encounters are logged after the initial training; ask a coordinator to record it."
        )
    return supporter


# Workload: the monthly count against the cap.


@dataclass(frozen=True)
class MonthlyWorkload:
    month_start: date
    count: int
    cap: int

    @property
    def cap_reached(self) -> bool:
        return self.count >= self.cap


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def monthly_workload(session: Session, supporter: Supporter, day: date) -> MonthlyWorkload:
    start, following = month_bounds(day)
    count = session.exec(
        select(func.count())
        .select_from(Encounter)
        .where(
            Encounter.supporter_id == supporter.id,
            col(Encounter.occurred_on) >= start,
            col(Encounter.occurred_on) < following,
        )
    ).one()
    return MonthlyWorkload(month_start=start, count=count, cap=supporter.max_encounters_per_month)


def apply_cap(
    session: Session, actor: Actor, supporter: Supporter, *, today: date | None = None
) -> MonthlyWorkload:
    """Reaching the cap this month (the program's month, `program_today`) marks the supporter
    unavailable for new requests.

    A real encounter is never refused for the cap: the count only steers new requests and
    raises a debrief prompt."""
    workload = monthly_workload(session, supporter, today or program_today(session))
    if workload.cap_reached and supporter.available:
        supporter.available = False
        session.add(supporter)
        _audit(session, actor, field_changed("supporter", "available"), supporter)
    return workload


# The refresher flag: missing N consecutive monthly sessions.


def consecutive_missed_monthly_sessions(session: Session, supporter: Supporter) -> int:
    """Monthly sessions already held since the supporter's training, newest first, that the
    supporter did not attend (absent, excused or never marked), up to the last attended one."""
    if supporter.trained_on is None:
        return 0
    held = session.exec(
        select(ProgramSession.id, Attendance.status)
        .outerjoin(
            Attendance,
            (col(Attendance.session_id) == ProgramSession.id)
            & (col(Attendance.supporter_id) == supporter.id),
        )
        .where(
            ProgramSession.kind == SessionKind.monthly_session,
            col(ProgramSession.starts_at) <= utcnow(),
            col(ProgramSession.starts_at) >= datetime.combine(supporter.trained_on, time(), UTC),
        )
        .order_by(col(ProgramSession.starts_at).desc())
    )
    missed = 0
    for _session_id, status in held:
        if status == AttendanceStatus.attended:
            break
        missed += 1
    return missed


def refresh_needs_refresher(session: Session, actor: Actor, supporter: Supporter) -> None:
    """Flag (or clear) `needs_refresher`; the coordinator decides what follows."""
    threshold = get_program_settings(session).refresher_missed_sessions
    needs = consecutive_missed_monthly_sessions(session, supporter) >= threshold
    if needs != supporter.needs_refresher:
        supporter.needs_refresher = needs
        session.add(supporter)
        _audit(session, actor, field_changed("supporter", "needs_refresher"), supporter)
