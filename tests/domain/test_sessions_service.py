from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import ApiScope, AttendanceStatus, Role, SessionKind, SupporterStatus
from domain.columns import utcnow
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.pagination import PageRequest
from domain.program_settings.models import ProgramSettingsUpdate
from domain.program_settings.service import update_program_settings
from domain.sessions.models import (
    AttendanceUpdate,
    ProgramSession,
    ProgramSessionCreate,
    ProgramSessionUpdate,
)
from domain.sessions.service import (
    ScheduleWhen,
    SessionFilters,
    addable_supporters,
    attendance_of_supporter,
    attendance_sheet,
    create_program_session,
    delete_program_session,
    facilitator_choices,
    get_program_session,
    is_ambiguous_local_time,
    latest_started_monthly_session,
    list_program_sessions,
    list_schedule,
    local_month_bounds,
    program_start_to_utc,
    record_attendance,
    update_program_session,
)
from domain.supporters.models import Supporter
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    audit_actions,
    days_ago,
    make_program_session,
    make_supporter,
    make_user,
    supporter_actor,
)

IN_A_WEEK = utcnow() + timedelta(days=7)


def schedule(**values: object) -> ProgramSessionCreate:
    return ProgramSessionCreate.model_validate(
        {"kind": "monthly_session", "starts_at": IN_A_WEEK, "topic": "Moral distress"} | values
    )


def mark(db: Session, program_session: ProgramSession, supporter: Supporter, status: str) -> None:
    assert program_session.id is not None
    assert supporter.id is not None
    record_attendance(
        session=db,
        actor=COORDINATOR,
        session_id=program_session.id,
        supporter_id=supporter.id,
        data=AttendanceUpdate.model_validate({"status": status}),
    )


def past_session(
    db: Session, days: int, kind: SessionKind = SessionKind.monthly_session
) -> ProgramSession:
    return make_program_session(db, kind=kind, starts_at=days_ago(days))


# Scheduling


@pytest.mark.parametrize("actor", [COORDINATOR, ADMIN])
def test_program_managers_schedule_a_session(db: Session, actor: Actor) -> None:
    facilitator = make_user(db, roles=(Role.coordinator,))
    created = create_program_session(
        session=db, actor=actor, data=schedule(location="Room 4", facilitator_id=facilitator.id)
    )
    assert created.id is not None
    found = get_program_session(session=db, actor=SUPPORTER, session_id=created.id)
    assert (found.topic, found.location, found.duration_minutes) == ("Moral distress", "Room 4", 60)
    assert found.facilitator_id == facilitator.id


@pytest.mark.parametrize("actor", [SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR])
def test_others_cannot_schedule_change_or_cancel_sessions(db: Session, actor: Actor) -> None:
    existing = make_program_session(db)
    assert existing.id is not None
    with pytest.raises(PermissionDenied, match="to schedule sessions"):
        create_program_session(session=db, actor=actor, data=schedule())
    with pytest.raises(PermissionDenied, match="to change sessions"):
        update_program_session(
            session=db, actor=actor, session_id=existing.id, data=ProgramSessionUpdate(topic="X")
        )
    with pytest.raises(PermissionDenied, match="to cancel sessions"):
        delete_program_session(session=db, actor=actor, session_id=existing.id)


def test_a_start_time_without_its_utc_offset_is_refused() -> None:
    with pytest.raises(ValidationError, match="UTC offset"):
        schedule(starts_at=datetime(2026, 12, 3, 17, 0))


@pytest.mark.parametrize("duration", [4, 8 * 60 + 1])
def test_a_duration_out_of_range_is_refused(duration: int) -> None:
    with pytest.raises(ValidationError):
        schedule(duration_minutes=duration)


def test_an_unknown_or_inactive_facilitator_is_refused(db: Session) -> None:
    inactive = make_user(db, active=False)
    for facilitator_id in (999_999, inactive.id):
        with pytest.raises(InvalidInput, match="no active user") as refused:
            create_program_session(
                session=db, actor=COORDINATOR, data=schedule(facilitator_id=facilitator_id)
            )
        assert refused.value.field == "facilitator_id"


# Reading


@pytest.mark.parametrize("actor", [SUPPORTER, COORDINATOR, ADMIN])
def test_supporters_and_program_managers_see_sessions(db: Session, actor: Actor) -> None:
    created = make_program_session(db)
    page = list_program_sessions(
        session=db, actor=actor, filters=SessionFilters(), page=PageRequest()
    )
    assert created in page.items


@pytest.mark.parametrize("actor", [REPORT_VIEWER, RESOURCE_EDITOR])
def test_others_do_not_see_sessions(db: Session, actor: Actor) -> None:
    created = make_program_session(db)
    assert created.id is not None
    with pytest.raises(PermissionDenied, match="to see program sessions"):
        list_program_sessions(session=db, actor=actor, filters=SessionFilters(), page=PageRequest())
    with pytest.raises(PermissionDenied):
        get_program_session(session=db, actor=actor, session_id=created.id)


def test_sessions_filter_by_kind_and_start(db: Session) -> None:
    past = make_program_session(db, starts_at=days_ago(10))
    coming = make_program_session(db, starts_at=IN_A_WEEK)
    debrief = make_program_session(db, kind=SessionKind.debrief, starts_at=days_ago(3))

    def listed(filters: SessionFilters) -> list[ProgramSession]:
        return list_program_sessions(
            session=db, actor=COORDINATOR, filters=filters, page=PageRequest()
        ).items

    assert listed(SessionFilters(kind=SessionKind.debrief)) == [debrief]
    assert listed(SessionFilters(starts_from=utcnow())) == [coming]
    assert listed(SessionFilters(starts_before=days_ago(5))) == [past]


def test_sessions_come_page_by_page(db: Session) -> None:
    ids = [make_program_session(db).id for _ in range(3)]
    first = list_program_sessions(
        session=db, actor=COORDINATOR, filters=SessionFilters(), page=PageRequest(limit=2)
    )
    assert ([s.id for s in first.items], first.next_after_id) == (ids[:2], ids[1])
    rest = list_program_sessions(
        session=db,
        actor=COORDINATOR,
        filters=SessionFilters(),
        page=PageRequest(after_id=first.next_after_id),
    )
    assert ([s.id for s in rest.items], rest.next_after_id) == (ids[2:], None)


def test_an_unknown_session_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound, match="no session 999999"):
        get_program_session(session=db, actor=COORDINATOR, session_id=999_999)


# Changing and cancelling


def test_a_coordinator_changes_a_session(db: Session) -> None:
    facilitator = make_user(db)
    existing = make_program_session(db, facilitator_id=facilitator.id)
    assert existing.id is not None
    data = ProgramSessionUpdate(topic="Second victims", location="Zoom", facilitator_id=None)
    update_program_session(session=db, actor=COORDINATOR, session_id=existing.id, data=data)
    assert (existing.topic, existing.location, existing.facilitator_id) == (
        "Second victims",
        "Zoom",
        None,
    )


@pytest.mark.parametrize("name", ["kind", "starts_at", "topic", "duration_minutes", "location"])
def test_null_for_a_session_field_that_cannot_be_empty_is_refused(db: Session, name: str) -> None:
    existing = make_program_session(db)
    assert existing.id is not None
    data = ProgramSessionUpdate.model_validate({name: None})
    with pytest.raises(InvalidInput) as refused:
        update_program_session(session=db, actor=COORDINATOR, session_id=existing.id, data=data)
    assert refused.value.field == name


def test_a_coordinator_cancels_a_session(db: Session) -> None:
    existing = make_program_session(db)
    mark(db, existing, make_supporter(db), "attended")
    assert existing.id is not None
    delete_program_session(session=db, actor=COORDINATOR, session_id=existing.id)
    with pytest.raises(NotFound):
        get_program_session(session=db, actor=COORDINATOR, session_id=existing.id)


# Attendance


def test_a_coordinator_records_attendance_and_it_is_audited(db: Session) -> None:
    supporter = make_supporter(db)
    held = make_program_session(db)
    mark(db, held, supporter, "excused")
    mark(db, held, supporter, "attended")
    assert supporter.id is not None
    [(program_session, attendance)] = attendance_of_supporter(
        session=db, actor=COORDINATOR, supporter_id=supporter.id
    )
    assert (program_session, attendance.status) == (held, AttendanceStatus.attended)
    assert audit_actions(db, object_type="supporter", object_id=supporter.id) == [
        "attendance.excused",
        "attendance.attended",
        "supporter.read",  # the coordinator read the supporter's record: a roster read
    ]


@pytest.mark.parametrize("actor", [SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR])
def test_others_cannot_record_attendance(db: Session, actor: Actor) -> None:
    held, supporter = make_program_session(db), make_supporter(db)
    assert held.id is not None
    assert supporter.id is not None
    with pytest.raises(PermissionDenied, match="to record attendance"):
        record_attendance(
            session=db,
            actor=actor,
            session_id=held.id,
            supporter_id=supporter.id,
            data=AttendanceUpdate(status=AttendanceStatus.attended),
        )


@pytest.mark.parametrize("status", ["attended", "excused", "absent"])
def test_attendance_at_a_future_session_is_only_an_invitation(db: Session, status: str) -> None:
    coming, supporter = make_program_session(db, starts_at=IN_A_WEEK), make_supporter(db)
    with pytest.raises(InvalidInput, match="until then it is 'invited'") as refused:
        mark(db, coming, supporter, status)
    assert refused.value.field == "status"
    mark(db, coming, supporter, "invited")


def test_attendance_for_an_unknown_session_or_supporter_is_not_found(db: Session) -> None:
    held, supporter = make_program_session(db), make_supporter(db)
    assert held.id is not None
    assert supporter.id is not None
    data = AttendanceUpdate(status=AttendanceStatus.attended)
    with pytest.raises(NotFound):
        record_attendance(
            session=db, actor=COORDINATOR, session_id=999_999, supporter_id=supporter.id, data=data
        )
    with pytest.raises(NotFound):
        record_attendance(
            session=db, actor=COORDINATOR, session_id=held.id, supporter_id=999_999, data=data
        )


def test_a_supporter_sees_their_own_attendance_newest_first(db: Session) -> None:
    supporter, other = make_supporter(db), make_supporter(db)
    older, newer = past_session(db, 40), past_session(db, 10)
    mark(db, older, supporter, "attended")
    mark(db, newer, supporter, "absent")
    me = supporter_actor(db, supporter)
    assert supporter.id is not None
    assert other.id is not None
    record = attendance_of_supporter(session=db, actor=me, supporter_id=supporter.id)
    assert [(s.id, a.status) for s, a in record] == [(newer.id, "absent"), (older.id, "attended")]
    with pytest.raises(NotFound):
        attendance_of_supporter(session=db, actor=me, supporter_id=other.id)


# The refresher flag: missing consecutive monthly sessions


def test_missing_three_monthly_sessions_flags_a_refresher(db: Session) -> None:
    supporter = make_supporter(db)
    mark(db, past_session(db, 90), supporter, "absent")
    assert supporter.needs_refresher is False
    past_session(db, 60)  # never marked
    mark(db, past_session(db, 30), supporter, "excused")
    assert supporter.needs_refresher is True
    assert "supporter.change.needs_refresher" in audit_actions(
        db, object_type="supporter", object_id=supporter.id
    )


def test_missing_two_monthly_sessions_does_not_flag_a_refresher(db: Session) -> None:
    supporter = make_supporter(db)
    attended, first_missed, second_missed = (
        past_session(db, 90),
        past_session(db, 60),
        past_session(db, 30),
    )
    mark(db, attended, supporter, "attended")
    mark(db, first_missed, supporter, "absent")
    mark(db, second_missed, supporter, "absent")
    assert supporter.needs_refresher is False


def test_attending_a_monthly_session_clears_the_refresher_flag(db: Session) -> None:
    supporter = make_supporter(db)
    for days in (90, 60, 30):
        mark(db, past_session(db, days), supporter, "absent")
    assert supporter.needs_refresher is True
    mark(db, past_session(db, 2), supporter, "attended")
    assert supporter.needs_refresher is False


def test_sessions_before_the_training_do_not_count(db: Session) -> None:
    supporter = make_supporter(db, trained_on=utcnow().date() - timedelta(days=45))
    for days in (90, 60, 30):
        mark(db, past_session(db, days), supporter, "absent")
    assert supporter.needs_refresher is False


def test_future_sessions_do_not_count(db: Session) -> None:
    supporter = make_supporter(db)
    mark(db, past_session(db, 60), supporter, "absent")
    mark(db, past_session(db, 30), supporter, "absent")
    mark(db, make_program_session(db, starts_at=IN_A_WEEK), supporter, "invited")
    assert supporter.needs_refresher is False


def test_debriefs_and_initial_trainings_do_not_count(db: Session) -> None:
    supporter = make_supporter(db)
    mark(db, past_session(db, 90), supporter, "absent")
    mark(db, past_session(db, 75, SessionKind.debrief), supporter, "attended")
    mark(db, past_session(db, 70, SessionKind.initial_training), supporter, "attended")
    mark(db, past_session(db, 60), supporter, "absent")
    past_session(db, 50, SessionKind.debrief)  # never marked, not a monthly session
    assert supporter.needs_refresher is False
    mark(db, past_session(db, 30), supporter, "absent")
    assert supporter.needs_refresher is True


def test_the_refresher_threshold_comes_from_the_program_settings(db: Session) -> None:
    update_program_settings(
        session=db, actor=ADMIN, data=ProgramSettingsUpdate(refresher_missed_sessions=2)
    )
    supporter = make_supporter(db)
    mark(db, past_session(db, 60), supporter, "absent")
    mark(db, past_session(db, 30), supporter, "absent")
    assert supporter.needs_refresher is True


def test_cancelling_a_missed_session_recounts_the_refresher_flag(db: Session) -> None:
    supporter = make_supporter(db)
    sessions = [past_session(db, days) for days in (90, 60, 30)]
    for program_session in sessions:
        mark(db, program_session, supporter, "absent")
    assert supporter.needs_refresher is True
    assert sessions[0].id is not None
    delete_program_session(session=db, actor=COORDINATOR, session_id=sessions[0].id)
    assert supporter.needs_refresher is False


# Times in the program's time zone.

NEW_YORK = ZoneInfo("America/New_York")


def test_a_program_time_is_stored_in_utc_on_either_side_of_daylight_time() -> None:
    # 2026: daylight time from March 8 (2:00 -> 3:00) to November 1 (2:00 -> 1:00).
    assert program_start_to_utc(date(2026, 3, 7), time(17, 0), NEW_YORK) == datetime(
        2026, 3, 7, 22, 0, tzinfo=UTC
    )  # EST, UTC-5
    assert program_start_to_utc(date(2026, 3, 8), time(17, 0), NEW_YORK) == datetime(
        2026, 3, 8, 21, 0, tzinfo=UTC
    )  # EDT, UTC-4, the same day the clocks went forward


@pytest.mark.parametrize("clock", [time(2, 0), time(2, 30), time(2, 59)])
def test_a_time_skipped_when_the_clocks_go_forward_is_refused(clock: time) -> None:
    with pytest.raises(InvalidInput, match="does not exist on Mar 8, 2026") as refused:
        program_start_to_utc(date(2026, 3, 8), clock, NEW_YORK)
    assert refused.value.field == "start_time"


@pytest.mark.parametrize(("clock", "hour"), [(time(1, 59), 6), (time(3, 0), 7)])
def test_the_minutes_around_the_skipped_hour_exist(clock: time, hour: int) -> None:
    assert program_start_to_utc(date(2026, 3, 8), clock, NEW_YORK).hour == hour


def test_a_time_that_happens_twice_when_the_clocks_go_back_is_the_first() -> None:
    day = date(2026, 11, 1)
    assert is_ambiguous_local_time(day, time(1, 30), NEW_YORK)
    assert not is_ambiguous_local_time(day, time(2, 0), NEW_YORK)
    assert not is_ambiguous_local_time(day, time(0, 59), NEW_YORK)
    assert program_start_to_utc(day, time(1, 30), NEW_YORK) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )  # 1:30 EDT; the second 1:30 (EST) would be 6:30 UTC
    assert program_start_to_utc(day, time(2, 0), NEW_YORK) == datetime(
        2026, 11, 1, 7, 0, tzinfo=UTC
    )


def test_a_month_of_the_program_starts_and_ends_at_its_local_midnights() -> None:
    assert local_month_bounds(date(2026, 3, 1), NEW_YORK) == (
        datetime(2026, 3, 1, 5, 0, tzinfo=UTC),
        datetime(2026, 4, 1, 4, 0, tzinfo=UTC),
    )
    assert local_month_bounds(date(2026, 12, 1), NEW_YORK)[1] == datetime(
        2027, 1, 1, 5, 0, tzinfo=UTC
    )


# Facilitators.


def test_a_facilitator_is_an_active_coordinator(db: Session) -> None:
    viewer = make_user(db, roles=(Role.report_viewer,), display_name="Riley Viewer")
    with pytest.raises(InvalidInput, match="Riley Viewer is not a coordinator") as refused:
        create_program_session(
            session=db, actor=COORDINATOR, data=schedule(facilitator_id=viewer.id)
        )
    assert refused.value.field == "facilitator_id"
    coordinator = make_user(db, roles=(Role.coordinator,), display_name="Aa Coordinator")
    make_user(db, roles=(Role.coordinator,), active=False)
    assert coordinator in facilitator_choices(session=db, actor=COORDINATOR)
    assert all(user.active for user in facilitator_choices(session=db, actor=COORDINATOR))
    assert viewer not in facilitator_choices(session=db, actor=COORDINATOR)


# The schedule.


def test_the_schedule_splits_upcoming_and_held_and_pages_by_start(db: Session) -> None:
    later = make_program_session(db, starts_at=utcnow() + timedelta(days=20))
    sooner = make_program_session(db, starts_at=utcnow() + timedelta(days=2))
    old = make_program_session(db, starts_at=days_ago(40))
    recent = make_program_session(db, starts_at=days_ago(1))
    mark(db, recent, make_supporter(db), "attended")
    mark(db, recent, make_supporter(db), "absent")

    def listed(when: ScheduleWhen, after: int | None = None) -> list[int | None]:
        page = list_schedule(
            session=db, actor=COORDINATOR, when=when, page=PageRequest(limit=1, after_id=after)
        )
        return [item.program_session.id for item in page.items]

    assert listed(ScheduleWhen.upcoming) == [sooner.id]
    assert listed(ScheduleWhen.upcoming, sooner.id) == [later.id]
    assert listed(ScheduleWhen.held) == [recent.id]
    assert listed(ScheduleWhen.held, recent.id) == [old.id]
    [item] = list_schedule(
        session=db, actor=COORDINATOR, when=ScheduleWhen.held, page=PageRequest(limit=1)
    ).items
    assert item.counts == {AttendanceStatus.attended: 1, AttendanceStatus.absent: 1}
    assert item.expected == 2


@pytest.mark.parametrize("actor", [SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR])
def test_others_do_not_see_the_schedule(db: Session, actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        list_schedule(session=db, actor=actor, when=ScheduleWhen.held, page=PageRequest())


def test_the_latest_started_monthly_session_names_the_tally_month(db: Session) -> None:
    assert latest_started_monthly_session(session=db, actor=COORDINATOR) is None
    latest = past_session(db, 10)
    past_session(db, 40)
    past_session(db, 2, SessionKind.debrief)
    make_program_session(db, starts_at=IN_A_WEEK)
    assert latest_started_monthly_session(session=db, actor=COORDINATOR) == latest


# The attendance sheet.


def test_a_monthly_session_expects_every_active_supporter(db: Session) -> None:
    held = past_session(db, 1)
    active = make_supporter(db)
    paused = make_supporter(db, status=SupporterStatus.paused)
    came_anyway = make_supporter(db, status=SupporterStatus.paused)
    mark(db, held, came_anyway, "attended")
    assert held.id is not None
    sheet = attendance_sheet(session=db, actor=COORDINATOR, session_id=held.id)
    ids = {row.supporter_id for row in sheet.rows}
    assert {active.id, came_anyway.id} <= ids
    assert paused.id not in ids
    assert sheet.count(AttendanceStatus.attended) == 1
    assert sheet.count(None) == len(sheet.rows) - 1
    assert paused.id in {
        sid for sid, _ in addable_supporters(session=db, actor=COORDINATOR, sheet=sheet)
    }


def test_a_training_expects_those_with_a_row_only(db: Session) -> None:
    training = past_session(db, 1, SessionKind.initial_training)
    invited = make_supporter(db, status=SupporterStatus.candidate)
    make_supporter(db)
    mark(db, training, invited, "invited")
    assert training.id is not None
    sheet = attendance_sheet(session=db, actor=COORDINATOR, session_id=training.id)
    assert [row.supporter_id for row in sheet.rows] == [invited.id]
    assert sheet.rows[0].status == AttendanceStatus.invited


def test_who_attended_a_debrief_is_for_coordinators_and_the_supporter_only(db: Session) -> None:
    debrief = past_session(db, 1, SessionKind.debrief)
    monthly = past_session(db, 2)
    supporter = make_supporter(db)
    mark(db, debrief, supporter, "attended")
    mark(db, monthly, supporter, "attended")
    assert debrief.id is not None
    assert supporter.id is not None
    with pytest.raises(PermissionDenied, match="to see who attends a debrief"):
        attendance_sheet(session=db, actor=ADMIN, session_id=debrief.id)
    assert attendance_sheet(session=db, actor=COORDINATOR, session_id=debrief.id).rows

    supporter_id = supporter.id

    def kinds(actor: Actor) -> list[SessionKind]:
        record = attendance_of_supporter(session=db, actor=actor, supporter_id=supporter_id)
        return [held.kind for held, _ in record]

    assert kinds(COORDINATOR) == [SessionKind.debrief, SessionKind.monthly_session]
    assert kinds(supporter_actor(db, supporter)) == [
        SessionKind.debrief,
        SessionKind.monthly_session,
    ]
    assert kinds(ADMIN) == [SessionKind.monthly_session]


def test_recording_attendance_twice_leaves_one_row_with_the_last_status(db: Session) -> None:
    held, supporter = past_session(db, 1), make_supporter(db)
    mark(db, held, supporter, "absent")
    mark(db, held, supporter, "attended")
    assert held.id is not None
    sheet = attendance_sheet(session=db, actor=COORDINATOR, session_id=held.id)
    statuses = [row.status for row in sheet.rows if row.supporter_id == supporter.id]
    assert statuses == [AttendanceStatus.attended]


# Debrief attendance: read and written by coordinators only, audited without the supporter.


def tap(db: Session, actor: Actor, held: ProgramSession, supporter: Supporter) -> None:
    assert held.id is not None
    assert supporter.id is not None
    record_attendance(
        session=db,
        actor=actor,
        session_id=held.id,
        supporter_id=supporter.id,
        data=AttendanceUpdate(status=AttendanceStatus.attended),
    )


SESSIONS_WRITER = Actor.for_api_client(1, frozenset({ApiScope.sessions_write.value}))


@pytest.mark.parametrize("actor", [ADMIN, SESSIONS_WRITER], ids=["admin", "api_client"])
def test_only_coordinators_record_attendance_at_a_debrief(db: Session, actor: Actor) -> None:
    debrief, supporter = past_session(db, 1, SessionKind.debrief), make_supporter(db)
    with pytest.raises(PermissionDenied, match="to see who attends a debrief"):
        tap(db, actor, debrief, supporter)
    tap(db, COORDINATOR, debrief, supporter)


@pytest.mark.parametrize("actor", [ADMIN, SESSIONS_WRITER], ids=["admin", "api_client"])
def test_admins_and_api_clients_record_attendance_at_a_monthly_session(
    db: Session, actor: Actor
) -> None:
    monthly, supporter = past_session(db, 1), make_supporter(db)
    tap(db, actor, monthly, supporter)
    assert monthly.id is not None
    sheet = attendance_sheet(session=db, actor=actor, session_id=monthly.id)
    assert [row.status for row in sheet.rows if row.supporter_id == supporter.id] == [
        AttendanceStatus.attended
    ]


def test_a_debriefs_attendance_is_audited_on_the_session_not_the_supporter(db: Session) -> None:
    debrief, monthly = past_session(db, 1, SessionKind.debrief), past_session(db, 2)
    supporter = make_supporter(db)
    tap(db, COORDINATOR, debrief, supporter)
    assert "attendance.attended" not in audit_actions(
        db, object_type="supporter", object_id=supporter.id
    )
    assert "attendance.attended" in audit_actions(
        db, object_type="program_session", object_id=debrief.id
    )
    tap(db, COORDINATOR, monthly, supporter)
    assert "attendance.attended" in audit_actions(
        db, object_type="supporter", object_id=supporter.id
    )


def test_attendance_for_a_cancelled_session_is_not_found(db: Session) -> None:
    held, supporter = past_session(db, 1), make_supporter(db)
    assert held.id is not None
    delete_program_session(session=db, actor=COORDINATOR, session_id=held.id)
    with pytest.raises(NotFound):
        tap(db, COORDINATOR, held, supporter)
