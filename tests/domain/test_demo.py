"""The demo program: realistic, held to the program's rules, replaceable and deterministic."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from domain.actors import Actor
from domain.audit.models import AuditEvent
from domain.codes import (
    AttendanceStatus,
    Escalation,
    OrgUnitKind,
    Role,
    SessionKind,
    SupporterStatus,
)
from domain.columns import utc_today, utcnow
from domain.debriefs.models import DebriefRequest, DebriefStatus
from domain.debriefs.service import DebriefStateKind, debrief_state_for_supporter
from domain.demo import DEMO_DOMAIN, DemoSummary, load_demo_program
from domain.encounters.models import Encounter
from domain.encounters.service import is_interprofessional, log_encounter
from domain.errors import InvalidInput, RuleViolation
from domain.org_units.models import OrgUnit
from domain.program_settings.service import get_program_settings
from domain.resources.models import Resource, ResourceUpdate
from domain.resources.search import find_resources
from domain.resources.service import ResourceFilters, crisis_resources, update_resource
from domain.sessions.models import Attendance, ProgramSession
from domain.supporters.models import Supporter
from domain.supporters.service import consecutive_missed_monthly_sessions, monthly_workload
from domain.users.models import User
from domain.users.service import authenticate, find_user_by_email
from tests.factories import encounter_data, make_org_unit

FIXED_DAY = date(2026, 11, 20)
SEEDED_RESOURCE_TITLES = {
    "988 Suicide & Crisis Lifeline",
    "Physician Support Line",
    "Crisis Text Line",
    "Employee Assistance Program (EAP)",
}


@pytest.fixture
def demo(db: Session) -> DemoSummary:
    return load_demo_program(db)


def count(db: Session, table: Any) -> int:
    return db.exec(select(func.count()).select_from(table)).one()


def supporters(db: Session) -> list[Supporter]:
    return list(db.exec(select(Supporter)))


def encounters(db: Session) -> list[Encounter]:
    return list(db.exec(select(Encounter)))


def test_the_roster_spans_professions_like_the_paper(db: Session, demo: DemoSummary) -> None:
    roster = supporters(db)
    assert 80 <= len(roster) == demo.supporters <= 90
    assert len({s.profession_code for s in roster}) >= 8
    by_status = Counter(s.status for s in roster)
    assert by_status[SupporterStatus.active] > 0.85 * len(roster)
    assert by_status[SupporterStatus.candidate] + by_status[SupporterStatus.paused] > 0
    training = db.exec(
        select(ProgramSession).where(ProgramSession.kind == SessionKind.initial_training)
    ).one()
    for supporter in roster:
        if supporter.status == SupporterStatus.candidate:
            assert supporter.trained_on is None
        else:
            assert supporter.trained_on is not None
            assert supporter.trained_on <= training.starts_at.date()


def test_people_are_fake_and_only_logins_have_passwords(db: Session, demo: DemoSummary) -> None:
    users = list(db.exec(select(User)))
    assert all(user.email.endswith(f"@{DEMO_DOMAIN}") for user in users)
    with_password = {user.email for user in users if user.password_hash is not None}
    assert with_password == {login.email for login in demo.logins}


def test_org_units_form_schools_with_departments_and_sites(db: Session, demo: DemoSummary) -> None:
    units = list(db.exec(select(OrgUnit)))
    assert len(units) == demo.org_units >= 5
    kinds = Counter(unit.kind for unit in units)
    assert kinds[OrgUnitKind.school] >= 2
    assert kinds[OrgUnitKind.department] >= 2
    assert kinds[OrgUnitKind.site] >= 1
    ids = {unit.id for unit in units}
    assert all(unit.parent_id in ids for unit in units if unit.parent_id is not None)


def test_one_training_and_six_monthly_sessions_were_held(db: Session, demo: DemoSummary) -> None:
    now = utcnow()
    held = list(db.exec(select(ProgramSession).where(col(ProgramSession.starts_at) <= now)))
    kinds = Counter(program_session.kind for program_session in held)
    assert kinds == {SessionKind.initial_training: 1, SessionKind.monthly_session: 6}
    assert demo.sessions == 7
    months = {s.starts_at.strftime("%Y-%m") for s in held if s.kind == SessionKind.monthly_session}
    assert len(months) == 6
    for program_session in held:
        rows = db.exec(select(Attendance).where(Attendance.session_id == program_session.id))
        assert list(rows), f"no attendance for {program_session.topic}"
    statuses = Counter(row.status for row in db.exec(select(Attendance)))
    assert statuses[AttendanceStatus.attended] > statuses[AttendanceStatus.excused] > 0
    assert statuses[AttendanceStatus.absent] > 0


def test_the_next_monthly_session_is_ahead_within_six_weeks(db: Session, demo: DemoSummary) -> None:
    now = utcnow()
    ahead = list(db.exec(select(ProgramSession).where(col(ProgramSession.starts_at) > now)))
    assert [s.kind for s in ahead] == [SessionKind.monthly_session]
    assert ahead[0].starts_at - now < timedelta(weeks=6)


def test_encounters_follow_the_rules(db: Session, demo: DemoSummary) -> None:
    logged = encounters(db)
    assert 300 <= len(logged) == demo.encounters
    by_id = {supporter.id: supporter for supporter in supporters(db)}
    for encounter in logged:
        supporter = by_id[encounter.supporter_id]
        assert supporter.status == SupporterStatus.active
        assert supporter.trained_on is not None
        assert supporter.trained_on <= encounter.occurred_on <= utc_today()
        peer = encounter.peer_profession_code
        assert encounter.supporter_profession == supporter.profession_code
        assert encounter.interprofessional == is_interprofessional(supporter.profession_code, peer)
        assert 1 <= len(encounter.stressor_rows) <= 3
        assert 1 <= len(encounter.element_rows) <= 3
        assert 1 <= len(encounter.support_type_rows) <= 2
        assert encounter.flow_step_rows
    assert len({encounter.occurred_on.strftime("%Y-%m") for encounter in logged}) >= 6


def test_encounters_are_varied(db: Session, demo: DemoSummary) -> None:
    logged = encounters(db)
    interprofessional = sum(encounter.interprofessional for encounter in logged)
    assert len(logged) / 2 < interprofessional < len(logged)
    escalations = Counter(encounter.escalation for encounter in logged)
    assert escalations[Escalation.none] > 0.7 * len(logged)
    assert escalations[Escalation.warm_referral] > 0
    assert 0 < escalations[Escalation.urgent_consult] < escalations[Escalation.warm_referral]
    assert len({encounter.setting for encounter in logged}) >= 8
    assert len({encounter.follow_up for encounter in logged}) == 4
    assert any(encounter.resource_rows for encounter in logged)
    assert any(encounter.supporter_needs_debrief for encounter in logged)


def test_some_supporters_need_a_refresher(db: Session, demo: DemoSummary) -> None:
    threshold = get_program_settings(db).refresher_missed_sessions
    flagged = [supporter for supporter in supporters(db) if supporter.needs_refresher]
    assert flagged
    for supporter in supporters(db):
        missed = consecutive_missed_monthly_sessions(db, supporter)
        assert supporter.needs_refresher == (missed >= threshold)


def test_the_cap_makes_a_handful_unavailable(db: Session, demo: DemoSummary) -> None:
    capped = []
    for supporter in supporters(db):
        if supporter.status != SupporterStatus.active:
            assert not supporter.available
            continue
        cap_reached = monthly_workload(db, supporter, utc_today()).cap_reached
        assert supporter.available == (not cap_reached)
        capped += [supporter] if cap_reached else []
    assert 1 <= len(capped) <= 10


def test_four_logins_sign_in_with_their_roles(db: Session, demo: DemoSummary) -> None:
    roles = [login.role for login in demo.logins]
    assert sorted(roles) == sorted(["coordinator", "supporter", "resource_editor", "report_viewer"])
    for login in demo.logins:
        user = authenticate(session=db, email=login.email, password=login.password, ip=None)
        assert user is not None
        assert user.roles == {Role(login.role)}


def test_the_supporter_login_logs_an_encounter(db: Session, demo: DemoSummary) -> None:
    login = next(login for login in demo.logins if login.role == "supporter")
    user = find_user_by_email(db, login.email)
    assert user is not None
    assert user.id is not None
    actor = Actor.for_user(user.id, user.roles)
    logged = log_encounter(session=db, actor=actor, data=encounter_data())
    assert logged.encounter.id is not None


def test_a_second_load_needs_force(db: Session, demo: DemoSummary) -> None:
    with pytest.raises(RuleViolation, match="--force") as refused:
        load_demo_program(db)
    assert "\n" not in refused.value.message


def test_any_program_data_blocks_the_load(db: Session) -> None:
    make_org_unit(db)
    with pytest.raises(RuleViolation):
        load_demo_program(db)


def test_force_replaces_the_program(db: Session, demo: DemoSummary) -> None:
    tables = (User, Supporter, OrgUnit, ProgramSession, Attendance, Encounter, Resource)
    before = {table: count(db, table) for table in tables}
    again = load_demo_program(db, force=True)
    assert {table: count(db, table) for table in tables} == before
    assert (again.supporters, again.org_units, again.sessions, again.encounters) == (
        demo.supporters,
        demo.org_units,
        demo.sessions,
        demo.encounters,
    )
    titles = Counter(db.exec(select(Resource.title)))
    assert all(titles[title] == 1 for title in SEEDED_RESOURCE_TITLES)
    assert max(titles.values()) == 1
    loads = select(func.count()).where(col(AuditEvent.action) == "demo.load")
    assert db.exec(loads).one() == 2


def test_a_seed_and_a_day_give_the_same_program(db: Session) -> None:
    load_demo_program(db, today=FIXED_DAY, seed=7)
    first = fingerprint(db)
    load_demo_program(db, force=True, today=FIXED_DAY, seed=7)
    assert fingerprint(db) == first
    load_demo_program(db, force=True, today=FIXED_DAY, seed=8)
    assert fingerprint(db) != first


def test_today_cannot_be_in_the_future(db: Session) -> None:
    with pytest.raises(InvalidInput):
        load_demo_program(db, today=utc_today() + timedelta(days=1))


def fingerprint(db: Session) -> tuple[list[tuple[Any, ...]], ...]:
    """The program without its ids, timestamps and passwords."""
    emails = dict(db.exec(select(Supporter.id, User.email).join(User)).all())
    units = dict(db.exec(select(OrgUnit.id, OrgUnit.name)).all())
    titles = dict(db.exec(select(Resource.id, Resource.title)).all())
    roster = [
        (emails[s.id], s.profession_code, s.status, s.trained_on, s.max_encounters_per_month,
         s.available, s.needs_refresher, units[s.org_unit_id])
        for s in supporters(db)
    ]  # fmt: skip
    logged = [
        (emails[e.supporter_id], e.occurred_on, e.setting, e.initiated_by, e.modality,
         e.peer_profession_code, e.peer_org_relation, e.duration_band, e.escalation, e.follow_up,
         e.supporter_needs_debrief, sorted(r.stressor for r in e.stressor_rows),
         sorted(r.element for r in e.element_rows),
         sorted(r.support_type for r in e.support_type_rows),
         sorted(r.flow_step for r in e.flow_step_rows),
         sorted(titles[r.resource_id] for r in e.resource_rows))
        for e in encounters(db)
    ]  # fmt: skip
    attendance = [
        (emails[row.supporter_id], held.starts_at, row.status)
        for held, row in db.exec(select(ProgramSession, Attendance).join(Attendance))
    ]
    return sorted(roster), sorted(logged), sorted(attendance)


def test_the_inbox_holds_debrief_requests(db: Session, demo: DemoSummary) -> None:
    requests = list(db.exec(select(DebriefRequest)))
    still_open = [r for r in requests if r.status == DebriefStatus.open]
    assert len(still_open) == 3
    assert any(r.assigned_to_user_id is None for r in still_open)
    assert any(r.assigned_to_user_id is not None for r in still_open)
    assert any(r.status == DebriefStatus.done for r in requests)
    supporter_login = next(login for login in demo.logins if login.role == "supporter")
    user = find_user_by_email(db, supporter_login.email)
    assert user is not None
    profile = db.exec(select(Supporter).where(Supporter.user_id == user.id)).one()
    state = debrief_state_for_supporter(db, profile)
    assert state is not None
    assert state.kind == DebriefStateKind.assigned


EAP_TITLE = "Employee Assistance Program (EAP)"


def the_eaps(db: Session) -> list[Resource]:
    return list(db.exec(select(Resource).where(Resource.title == EAP_TITLE)))


def test_the_eap_is_complete_published_and_in_the_crisis_panel(
    db: Session, demo: DemoSummary
) -> None:
    (eap,) = the_eaps(db)
    assert eap.published
    assert eap.phone
    assert eap.url is not None
    assert eap.hours
    assert "Placeholder" not in eap.description
    assert {"EAP", "counseling", "confidential"} <= set(eap.keywords)

    panel = crisis_resources(db)

    assert eap.id in [resource.id for resource in panel]
    assert [r.phone for r in panel if r.id == eap.id] == [eap.phone]


def test_reloading_completes_the_same_eap_once(db: Session, demo: DemoSummary) -> None:
    (first,) = the_eaps(db)

    load_demo_program(db, force=True)

    (again,) = the_eaps(db)
    assert again.id == first.id
    assert again.published
    assert again.phone == first.phone


def test_an_eap_the_program_completed_is_left_as_it_is(db: Session) -> None:
    (eap,) = the_eaps(db)
    assert eap.id is not None
    own = ResourceUpdate(phone="(555) 555-0999", description="Our own EAP.", published=True)
    update_resource(session=db, actor=Actor.operator("test"), resource_id=eap.id, data=own)

    load_demo_program(db)

    db.refresh(eap)
    assert (eap.phone, eap.description) == ("(555) 555-0999", "Our own EAP.")


SEARCHES = {
    "sleep": "Sleep Well: insomnia care for shift workers",
    "insomnia": "Sleep Well: insomnia care for shift workers",
    "EAP": EAP_TITLE,
    "counsel": "Faculty and Staff Counseling Service",
    "counselors": EAP_TITLE,
    "legal": "Legal consultation through the EAP",
    "childcare": "Backup Childcare Program",
}


def test_the_searches_people_try_find_demo_entries(db: Session, demo: DemoSummary) -> None:
    """One demo load for the whole table (a load takes seconds)."""
    missed = {}
    for query, expected_title in SEARCHES.items():
        filters = ResourceFilters(text=query)
        found = find_resources(session=db, actor=None, filters=filters, limit=50).items
        if expected_title not in [resource.title for resource in found]:
            missed[query] = [resource.title for resource in found]
    assert missed == {}
