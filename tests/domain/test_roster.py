"""The coordinators' roster (one read-model query), a supporter's entry, inviting a supporter,
and deactivation taking a supporter off the active roster."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, col, select

from domain.audit.models import AuditEvent
from domain.codes import AttendanceStatus, Role, SupporterStatus
from domain.columns import utcnow
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from domain.sessions.models import Attendance
from domain.supporters.invitations import invite_supporter
from domain.supporters.models import Supporter, SupporterInvite, SupporterUpdate
from domain.supporters.roster import (
    RosterFilters,
    RosterOrder,
    RosterSort,
    SortDirection,
    decode_roster_cursor,
    read_roster,
    read_roster_entry,
)
from domain.supporters.service import consecutive_missed_monthly_sessions, update_supporter
from domain.users.models import User, UserUpdate
from domain.users.service import update_user
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    SUPPORTER,
    add_encounter_rows,
    audit_actions,
    counting_statements,
    make_org_unit,
    make_program_session,
    make_supporter,
    make_user,
)


def roster_ids(db: Session, order: RosterOrder | None = None, **filters: Any) -> list[int]:
    page = read_roster(
        session=db,
        actor=COORDINATOR,
        filters=RosterFilters(**filters),
        order=order or RosterOrder(),
        limit=200,
    )
    return [row.supporter_id for row in page.rows]


def named(db: Session, name: str, **overrides: object) -> Supporter:
    user = make_user(db, roles=(Role.supporter,), display_name=name)
    return make_supporter(db, user=user, **overrides)


def attend(db: Session, supporter: Supporter, days_ago: int, status: AttendanceStatus) -> None:
    held = make_program_session(db, starts_at=utcnow() - timedelta(days=days_ago))
    assert held.id is not None
    assert supporter.id is not None
    db.add(Attendance(session_id=held.id, supporter_id=supporter.id, status=status))
    db.flush()


@pytest.mark.parametrize("actor", [ADMIN, SUPPORTER, REPORT_VIEWER])
def test_only_coordinators_read_the_roster(db: Session, actor: object) -> None:
    with pytest.raises(PermissionDenied):
        read_roster(session=db, actor=actor, filters=RosterFilters())  # type: ignore[arg-type]


def test_a_roster_read_is_one_query_whatever_the_number_of_supporters(db: Session) -> None:
    for n in range(3):
        supporter = named(db, f"Few {n}")
        add_encounter_rows(db, supporter, 2, on=utcnow().date())
    with counting_statements(db) as few:
        read_roster(session=db, actor=COORDINATOR, filters=RosterFilters(search="few "))
    for n in range(30):
        supporter = named(db, f"Many {n}")
        attend(db, supporter, 10, AttendanceStatus.absent)
    with counting_statements(db) as many:
        page = read_roster(session=db, actor=COORDINATOR, filters=RosterFilters(search="many "))
    assert len(page.rows) == 30
    selects = [sql for sql in many if sql.lstrip().upper().startswith("SELECT")]
    # One query for the roster, besides the settings row (the time zone of "this month").
    roster_selects = [sql for sql in selects if "FROM program_settings" not in sql]
    assert len(roster_selects) == 1, selects
    assert len(many) == len(few)  # the one SELECT and the audit event's writes


def test_the_roster_read_is_audited(db: Session) -> None:
    read_roster(session=db, actor=COORDINATOR, filters=RosterFilters())
    last = db.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert last is not None
    assert (last.action, last.actor, last.object_type) == (
        "supporter.list",
        "test-coordinator",
        "supporter",
    )


def test_load_and_cap_filter_at_the_boundary(db: Session) -> None:
    today = utcnow().date()
    below = named(db, "Cap Below", max_encounters_per_month=3)
    at = named(db, "Cap At", max_encounters_per_month=3)
    over = named(db, "Cap Over", max_encounters_per_month=3)
    add_encounter_rows(db, below, 2, on=today)
    add_encounter_rows(db, at, 3, on=today)
    add_encounter_rows(db, over, 4, on=today)
    # Last month's encounters do not count.
    add_encounter_rows(db, below, 5, on=today.replace(day=1) - timedelta(days=1))
    rows = {
        row.supporter_id: row.load
        for row in read_roster(
            session=db, actor=COORDINATOR, filters=RosterFilters(search="cap ")
        ).rows
    }
    assert rows == {below.id: 2, at.id: 3, over.id: 4}
    assert roster_ids(db, search="cap ", at_cap=True) == [at.id, over.id]
    assert roster_ids(db, search="cap ", at_cap=False) == [below.id]


def test_missed_in_a_row_matches_the_refresher_rule(db: Session) -> None:
    never = named(db, "Miss Never")
    two = named(db, "Miss Two")
    untrained = named(db, "Miss Untrained", trained_on=None, status=SupporterStatus.candidate)
    recent = named(db, "Miss Recent", trained_on=utcnow().date() - timedelta(days=5))
    attend(db, never, 40, AttendanceStatus.attended)
    attend(db, two, 60, AttendanceStatus.attended)
    attend(db, two, 30, AttendanceStatus.absent)
    attend(db, two, 20, AttendanceStatus.excused)
    make_program_session(db, starts_at=utcnow() + timedelta(days=3))  # not held yet
    page = read_roster(session=db, actor=COORDINATOR, filters=RosterFilters(search="miss "))
    found: dict[int | None, int] = {row.supporter_id: row.missed_in_a_row for row in page.rows}
    for supporter in (never, two, untrained, recent):
        assert found[supporter.id] == consecutive_missed_monthly_sessions(db, supporter)
    assert found[two.id] >= 2
    assert found[untrained.id] == 0


def test_filters_each_narrow_the_roster(db: Session) -> None:
    unit = make_org_unit(db)
    a = named(db, "Filter Alpha", org_unit_id=unit.id, profession_code="pharmacist")
    b = named(db, "Filter Beta", status=SupporterStatus.paused, needs_refresher=True)
    c = named(db, "Filter Gamma")
    c_user = db.get(User, c.user_id)
    assert c_user is not None
    assert roster_ids(db, search="filter ") == [a.id, b.id, c.id]
    assert roster_ids(db, search="filter ", status=SupporterStatus.paused) == [b.id]
    assert roster_ids(db, search="filter ", profession_code="pharmacist") == [a.id]
    assert roster_ids(db, search="filter ", org_unit_id=unit.id) == [a.id]
    assert roster_ids(db, search="filter ", needs_refresher=True) == [b.id]
    assert roster_ids(db, search=c_user.email.upper()) == [c.id]
    assert roster_ids(db, search="100%_") == []


def test_sorts_page_by_keyset_without_repeats_or_gaps(db: Session) -> None:
    made = [
        named(db, f"Page {n:02d}", trained_on=date(2025, 1, 1) + timedelta(days=n % 4))
        for n in range(7)
    ]
    for n, supporter in enumerate(made):
        add_encounter_rows(db, supporter, n % 3, on=utcnow().date())
    for sort in RosterSort:
        for direction in SortDirection:
            order = RosterOrder(sort=sort, direction=direction)
            whole = roster_ids(db, search="page ", order=order)
            seen, cursor = [], None
            while True:
                page = read_roster(
                    session=db, actor=COORDINATOR, filters=RosterFilters(search="page "),
                    order=order, cursor=cursor, limit=3,
                )  # fmt: skip
                seen += [row.supporter_id for row in page.rows]
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert seen == whole, (sort, direction)
            assert sorted(seen) == sorted(s.id or 0 for s in made)


def test_a_foreign_cursor_is_refused() -> None:
    with pytest.raises(InvalidInput):
        decode_roster_cursor("not-a-cursor", RosterSort.name)
    with pytest.raises(InvalidInput):
        decode_roster_cursor("WyJ4IiwxXQ", RosterSort.load)  # ["x",1] for a number sort


def test_the_filter_columns_are_indexed(db: Session) -> None:
    indexed = {
        tuple(index["column_names"]) for index in inspect(db.connection()).get_indexes("supporter")
    }
    for column in ("status", "profession_code", "org_unit_id", "needs_refresher"):
        assert (column,) in indexed
    encounter = {
        tuple(index["column_names"]) for index in inspect(db.connection()).get_indexes("encounter")
    }
    assert ("supporter_id", "occurred_on") in encounter


def test_an_entry_carries_load_history_and_is_a_coordinators_audited_read(db: Session) -> None:
    supporter = named(db, "Entry Person")
    add_encounter_rows(db, supporter, 2, on=utcnow().date())
    attend(db, supporter, 10, AttendanceStatus.attended)
    entry = read_roster_entry(session=db, actor=COORDINATOR, supporter_id=supporter.id or 0)
    assert entry.workload.count == 2
    assert [a.status for _, a in entry.attendance] == [AttendanceStatus.attended]
    assert "supporter.read" in audit_actions(db, object_type="supporter", object_id=supporter.id)
    with pytest.raises(PermissionDenied):
        read_roster_entry(session=db, actor=ADMIN, supporter_id=supporter.id or 0)
    with pytest.raises(NotFound):
        read_roster_entry(session=db, actor=COORDINATOR, supporter_id=999_999)


# Inviting.


def invite(**overrides: object) -> SupporterInvite:
    values: dict[str, object] = {
        "email": "New.Person@Hospital.example.org",
        "display_name": "New Person",
        "profession_code": "nurse",
    } | overrides
    return SupporterInvite(**values)  # type: ignore[arg-type]


def test_an_invitation_makes_a_supporter_only_account_a_profile_and_a_link(db: Session) -> None:
    invitation = invite_supporter(session=db, actor=COORDINATOR, data=invite())
    user = invitation.user
    assert user.email == "new.person@hospital.example.org"
    assert user.roles == frozenset({Role.supporter})
    assert user.password_hash is None
    assert "/set-password/" in invitation.link
    assert invitation.mailed is False  # no SMTP_URL in tests: the page shows the link
    profile = db.exec(select(Supporter).where(Supporter.user_id == user.id)).one()
    assert profile.status == SupporterStatus.candidate
    actions = audit_actions(db, object_type="user", object_id=user.id)
    assert actions[:1] == ["user.create"]
    assert "user.invite" in actions


def test_an_invited_supporter_with_a_training_date_starts_active(db: Session) -> None:
    trained = utcnow().date() - timedelta(days=3)
    invitation = invite_supporter(session=db, actor=COORDINATOR, data=invite(trained_on=trained))
    profile = db.exec(select(Supporter).where(Supporter.user_id == invitation.user.id)).one()
    assert profile.status == SupporterStatus.active
    assert profile.trained_on == trained


def test_an_existing_email_is_a_field_error_in_any_case(db: Session) -> None:
    make_user(db, email="new.person@hospital.example.org")
    with pytest.raises(Conflict) as refused:
        invite_supporter(session=db, actor=COORDINATOR, data=invite())
    assert refused.value.field == "email"


def test_a_refused_profile_leaves_no_account_behind(db: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        invite_supporter(session=db, actor=COORDINATOR, data=invite(profession_code="astronaut"))
    assert refused.value.field == "profession_code"
    assert (
        db.exec(select(User).where(User.email == "new.person@hospital.example.org")).first() is None
    )
    with pytest.raises(InvalidInput, match="future"):
        invite_supporter(
            session=db,
            actor=COORDINATOR,
            data=invite(trained_on=utcnow().date() + timedelta(days=1)),
        )


@pytest.mark.parametrize("actor", [ADMIN, SUPPORTER, REPORT_VIEWER])
def test_only_coordinators_invite_supporters(db: Session, actor: object) -> None:
    with pytest.raises(PermissionDenied):
        invite_supporter(session=db, actor=actor, data=invite())  # type: ignore[arg-type]


# Deactivation.


def test_deactivating_a_user_ends_their_supporter_profile_in_the_same_transaction(
    db: Session,
) -> None:
    supporter = named(db, "Leaving Person")
    supporter.needs_refresher = True
    db.add(supporter)
    db.flush()
    assert supporter.available
    assert supporter.status == SupporterStatus.active
    update_user(session=db, actor=ADMIN, user_id=supporter.user_id, data=UserUpdate(active=False))
    db.refresh(supporter)
    assert supporter.status == SupporterStatus.inactive
    assert supporter.available is False
    assert supporter.needs_refresher is False
    assert {
        "supporter.change.status",
        "supporter.change.available",
        "supporter.change.needs_refresher",
    } <= set(audit_actions(db, object_type="supporter", object_id=supporter.id))
    assert supporter.id not in roster_ids(db, status=SupporterStatus.active)


def test_a_deactivated_users_profile_cannot_be_made_active_or_available(db: Session) -> None:
    supporter = named(db, "Gone Person")
    update_user(session=db, actor=ADMIN, user_id=supporter.user_id, data=UserUpdate(active=False))
    assert supporter.id is not None
    for change in (SupporterUpdate(status=SupporterStatus.active), SupporterUpdate(available=True)):
        with pytest.raises(RuleViolation, match="deactivated"):
            update_supporter(session=db, actor=COORDINATOR, supporter_id=supporter.id, data=change)
    # Other changes still work, and so does paused.
    update_supporter(
        session=db, actor=COORDINATOR, supporter_id=supporter.id,
        data=SupporterUpdate(status=SupporterStatus.paused, max_encounters_per_month=5),
    )  # fmt: skip
    # Once the account is active again, a coordinator may make the profile active.
    update_user(session=db, actor=ADMIN, user_id=supporter.user_id, data=UserUpdate(active=True))
    update_supporter(
        session=db, actor=COORDINATOR, supporter_id=supporter.id,
        data=SupporterUpdate(status=SupporterStatus.active, available=True),
    )  # fmt: skip
    assert supporter.status == SupporterStatus.active


def test_deactivating_a_user_without_a_profile_changes_nothing_else(db: Session) -> None:
    user = make_user(db, roles=(Role.report_viewer,))
    assert user.id is not None
    update_user(session=db, actor=ADMIN, user_id=user.id, data=UserUpdate(active=False))
    assert user.active is False
