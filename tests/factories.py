"""Plain helpers that make rows for tests: `make_x(session, **overrides)`."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, col, func, select, update

from domain.actors import Actor
from domain.audit.models import AuditEvent
from domain.auth.throttle import Attempt, ThrottleCounter, email_account, record_failure
from domain.codes import (
    AttendanceStatus,
    DurationBand,
    EncounterSetting,
    ResourceCategory,
    Role,
    SessionKind,
    Stressor,
    SupportElement,
    SupporterStatus,
    SupportType,
)
from domain.columns import utcnow
from domain.encounters.models import (
    Encounter,
    EncounterCreate,
    EncounterElement,
    EncounterStressor,
    EncounterSupportType,
)
from domain.org_units.models import OrgUnit
from domain.resources.models import Resource
from domain.sessions.models import Attendance, ProgramSession
from domain.supporters.models import Supporter
from domain.users.models import User, UserRole

_numbers = itertools.count(1)
# The smallest valid body of POST /api/v1/encounters.
ENCOUNTER_BODY: dict[str, Any] = {
    "setting": "icu",
    "peer_profession": "physician",
    "duration_band": "under_15",
    "stressors": ["personal"],
    "elements": ["listening"],
    "support_types": ["emotional"],
}

COORDINATOR = Actor(audit_label="test-coordinator", roles=frozenset({Role.coordinator}))
ADMIN = Actor(audit_label="test-admin", roles=frozenset({Role.admin}))
ANONYMOUS = Actor(audit_label="anonymous")
SUPPORTER = Actor(audit_label="test-supporter", roles=frozenset({Role.supporter}))
REPORT_VIEWER = Actor(audit_label="test-report-viewer", roles=frozenset({Role.report_viewer}))
RESOURCE_EDITOR = Actor(audit_label="test-resource-editor", roles=frozenset({Role.resource_editor}))


def make_user(session: Session, *, roles: tuple[Role, ...] = (), **overrides: Any) -> User:
    number = next(_numbers)
    values: dict[str, Any] = {
        "email": f"person{number}@hospital.example.org",
        "display_name": f"Person {number}",
    } | overrides
    user = User(**values, role_rows=[UserRole(role=role) for role in roles])
    session.add(user)
    session.flush()
    return user


def actor_of(user: User) -> Actor:
    assert user.id is not None
    return Actor.for_user(user.id, user.roles)


def make_attendance(
    session: Session, program_session: ProgramSession, supporter: Supporter, status: str
) -> Attendance:
    """An attendance row as it is stored, past the service's rules."""
    assert program_session.id is not None
    assert supporter.id is not None
    row = Attendance(
        session_id=program_session.id,
        supporter_id=supporter.id,
        status=AttendanceStatus(status),
    )
    session.add(row)
    session.flush()
    return row


def make_supporter(session: Session, **overrides: Any) -> Supporter:
    """An active, trained supporter (a nurse) with a user holding the supporter role."""
    user = overrides.pop("user", None) or make_user(session, roles=(Role.supporter,))
    values: dict[str, Any] = {
        "user_id": user.id,
        "profession_code": "nurse",
        "status": SupporterStatus.active,
        "trained_on": date.today() - timedelta(days=120),
        "max_encounters_per_month": 8,
    } | overrides
    supporter = Supporter(**values)
    session.add(supporter)
    session.flush()
    return supporter


def supporter_actor(session: Session, supporter: Supporter) -> Actor:
    user = session.get(User, supporter.user_id)
    assert user is not None
    return actor_of(user)


def make_org_unit(session: Session, **overrides: Any) -> OrgUnit:
    values: dict[str, Any] = {"name": f"Department {next(_numbers)}", "kind": "department"}
    unit = OrgUnit(**(values | overrides))
    session.add(unit)
    session.flush()
    return unit


def make_program_session(session: Session, **overrides: Any) -> ProgramSession:
    values: dict[str, Any] = {
        "kind": SessionKind.monthly_session,
        "starts_at": utcnow() - timedelta(days=1),
        "duration_minutes": 60,
        "topic": "Active listening",
    } | overrides
    program_session = ProgramSession(**values)
    session.add(program_session)
    session.flush()
    return program_session


def make_resource(session: Session, **overrides: Any) -> Resource:
    values: dict[str, Any] = {
        "title": f"Resource {next(_numbers)}",
        "category": ResourceCategory.wellness,
        "published": True,
        "last_reviewed_on": date.today(),
    } | overrides
    resource = Resource(**values)
    session.add(resource)
    session.flush()
    return resource


def encounter_data(**overrides: Any) -> EncounterCreate:
    values: dict[str, Any] = {
        "occurred_on": utcnow().date(),
        "setting": EncounterSetting.inpatient_unit,
        "peer_profession": "physician",
        "duration_band": DurationBand.from_15_to_30,
        "stressors": [Stressor.adverse_event],
        "elements": [SupportElement.listening],
        "support_types": [SupportType.emotional],
    } | overrides
    return EncounterCreate(**values)


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def make_admin(session: Session, **overrides: Any) -> User:
    return make_user(session, roles=(Role.admin,), **overrides)


def audit_actions(session: Session, *, object_type: str, object_id: object) -> list[str]:
    """The actions audited for one object, oldest first."""
    query = (
        select(AuditEvent.action)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(col(AuditEvent.id))
    )
    return list(session.exec(query))


def last_event_id(session: Session) -> int:
    """The newest audit event's id (0 for none): what a test counts new events from."""
    return session.exec(select(func.max(AuditEvent.id))).one() or 0


def events_after(session: Session, event_id: int) -> list[tuple[str, str, str, str | None, str]]:
    """(action, actor, object_type, object_id, outcome) of the events after `event_id`."""
    rows = session.exec(
        select(AuditEvent).where(col(AuditEvent.id) > event_id).order_by(col(AuditEvent.id))
    )
    return [(e.action, e.actor, e.object_type, e.object_id, e.outcome) for e in rows]


def set_logged_at(session: Session, encounter: Encounter, when: datetime) -> None:
    """Move an encounter's `logged_at`, as if it had been logged then."""
    session.exec(update(Encounter).where(col(Encounter.id) == encounter.id).values(logged_at=when))
    session.refresh(encounter)


def add_encounter_rows(
    db: Session,
    supporter: Supporter,
    count: int,
    *,
    on: date,
    stressors: tuple[str, ...] = ("adverse_event",),
    elements: tuple[str, ...] = ("listening",),
    support_types: tuple[str, ...] = ("emotional",),
    **values: Any,
) -> None:
    """`count` encounters as rows, past the logging rules (any past month, any volume)."""
    assert supporter.id is not None
    peer = values.pop("peer_profession_code", "physician")
    profession = values.pop("supporter_profession", supporter.profession_code)
    fields: dict[str, Any] = {
        "setting": "inpatient_unit",
        "initiated_by": "supporter_approach",
        "modality": "in_person",
        "peer_org_relation": "unknown",
        "duration_band": "15_to_30",
        "escalation": "none",
        "follow_up": "none",
    } | values
    db.add_all(
        Encounter(
            supporter_id=supporter.id,
            supporter_profession=profession,
            occurred_on=on,
            peer_profession_code=peer,
            interprofessional=peer != profession,
            stressor_rows=[EncounterStressor(stressor=Stressor(code)) for code in stressors],
            element_rows=[EncounterElement(element=SupportElement(code)) for code in elements],
            support_type_rows=[
                EncounterSupportType(support_type=SupportType(code)) for code in support_types
            ],
            **fields,
        )
        for _ in range(count)
    )
    db.flush()


def add_encounter_rows_by(
    db: Session, supporters: Sequence[Supporter], count: int, *, on: date, **values: Any
) -> None:
    """`count` encounters as rows, logged in turn by each of `supporters` (so a report cell
    comes from as many distinct supporters as there are, up to `count`)."""
    for turn, supporter in enumerate(supporters):
        share = len(range(turn, count, len(supporters)))
        if share:
            add_encounter_rows(db, supporter, share, on=on, **values)


@contextmanager
def counting_statements(db: Session) -> Iterator[list[str]]:
    """The SQL statements run on the test's connection, which the app's requests share."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def fail_sign_ins(
    session: Session, email: str, addresses: list[str], *, account_exists: bool = True
) -> None:
    """Failed sign-ins as the throttle counts them, one per address listed (without paying for
    argon2 each time, and past the throttle's own refusals)."""
    for address in addresses:
        attempt = Attempt.of(
            email_account(email), address, account_exists=account_exists, per_pair=True
        )
        record_failure(session, attempt)


def age_throttle(session: Session, by: timedelta) -> None:
    """Move every throttle counter and known address `by` into the past."""
    for counter in session.exec(select(ThrottleCounter)).all():
        counter.window_start -= by
        counter.last_at -= by
        session.add(counter)
    session.flush()
