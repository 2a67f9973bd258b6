"""The workspace's list pages cost the same number of SQL statements for 3 rows as for 30: no
page loads a row's names, counts or trainer one query at a time (N+1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select, update

from domain.actors import Actor
from domain.audit.service import record_audit_event
from domain.codes import Role, SessionKind
from domain.columns import utcnow
from domain.debriefs.models import DebriefUrgency
from domain.debriefs.service import request_debrief
from domain.jobs.models import Job, JobStatus
from domain.mail.outbox import Mail, queue_mail
from domain.resources.models import ResourceAudience
from domain.sessions.models import ProgramSession
from domain.supporters.models import Supporter
from tests.factories import (
    actor_of,
    add_encounter_rows,
    counting_statements,
    make_attendance,
    make_program_session,
    make_resource,
    make_supporter,
    make_user,
    supporter_actor,
)
from tests.web.conftest import HTML, Browser

FEW, MANY = 3, 30


def a_person(db: Session, n: int, **overrides: object) -> Supporter:
    user = make_user(db, roles=(Role.supporter,), display_name=f"Qc Person {n}")
    return make_supporter(db, user=user, **overrides)


def add_inbox_rows(db: Session, start: int, count: int, _: ProgramSession) -> None:
    """Per row: a debrief request (every other one with its trainer), a supporter at their
    cap, one due a refresher and a resource due for review."""
    trainer = make_user(db, roles=(Role.coordinator,), display_name=f"Qc Trainer {start}")
    for n in range(start, start + count):
        asking = a_person(db, n)
        request = request_debrief(
            session=db, actor=supporter_actor(db, asking), urgency=DebriefUrgency.today
        )
        if n % 2:
            request.assigned_to_user_id = trainer.id
            db.add(request)
        at_cap = a_person(db, 1000 + n, max_encounters_per_month=1)
        add_encounter_rows(db, at_cap, 1, on=utcnow().date())
        a_person(db, 2000 + n, needs_refresher=True)
        make_resource(db, last_reviewed_on=date(2020, 1, 1))
    db.flush()


def add_users(db: Session, start: int, count: int, _: ProgramSession) -> None:
    roles = ((Role.coordinator,), (Role.supporter,), (Role.admin, Role.coordinator))
    for n in range(start, start + count):
        make_user(db, roles=roles[n % 3], display_name=f"Qc User {n}", active=bool(n % 4))


def add_audit_events(db: Session, start: int, count: int, _: ProgramSession) -> None:
    """Events by different people and by an operator."""
    for n in range(start, start + count):
        actor = actor_of(make_user(db, display_name=f"Qc Actor {n}"))
        record_audit_event(
            session=db, actor=actor, action="test.event", object_type="test", object_id=str(n)
        )
    record_audit_event(session=db, actor=Actor.operator("test"), action="test.event",
                       object_type="test")  # fmt: skip


def add_mail_jobs(db: Session, start: int, count: int, _: ProgramSession) -> None:
    """Half failed, half waiting."""
    for n in range(start, start + count):
        queue_mail(db, Mail(to=f"qc{n}@h.example.org", subject=f"Mail {n}", body="hi"))
        if n % 2:
            job = db.exec(select(Job).order_by(col(Job.id).desc()).limit(1)).one()
            db.exec(
                update(Job)
                .where(col(Job.id) == job.id)
                .values(status=JobStatus.failed, attempts=8, last_error="SMTP: no",
                        finished_at=utcnow())
            )  # fmt: skip
    db.flush()


def add_sessions(db: Session, start: int, count: int, _: ProgramSession) -> None:
    """Held and upcoming sessions, each with its own facilitator and some attendance (at most
    25 held ones: the first page holds them all)."""
    for n in range(start, start + count):
        facilitator = make_user(db, roles=(Role.coordinator,), display_name=f"Qc Lead {n}")
        ahead = n % 2 == 0
        held = make_program_session(
            db, starts_at=utcnow() + timedelta(days=(1 if ahead else -1) * (n + 1)),
            topic=f"Qc topic {n}", facilitator_id=facilitator.id,
            kind=(SessionKind.monthly_session, SessionKind.initial_training)[n % 2],
        )  # fmt: skip
        if not ahead:
            make_attendance(db, held, make_supporter(db), ("attended", "excused")[n % 4 // 2])


def add_attendees(db: Session, start: int, count: int, held: ProgramSession) -> None:
    """Active supporters on the monthly session's sheet, most of them already marked."""
    for n in range(start, start + count):
        supporter = a_person(db, n)
        if n % 3:
            make_attendance(db, held, supporter, ("attended", "excused", "absent")[n % 3])


def add_resources(db: Session, start: int, count: int, _: ProgramSession) -> None:
    """Published and unpublished entries, reviewed and never reviewed, some for professions."""
    for n in range(start, start + count):
        resource = make_resource(
            db, title=f"Qc Entry {n}", published=bool(n % 2),
            last_reviewed_on=None if n % 3 else date(2026, 1, 1),
        )  # fmt: skip
        if n % 4 == 0:
            resource.audience_rows = [ResourceAudience(profession_code="nurse")]
            db.add(resource)
    db.flush()


def add_due_resources(db: Session, start: int, count: int, _: ProgramSession) -> None:
    for n in range(start, start + count):
        make_resource(db, title=f"Qc Entry {n}", published=bool(n % 2), last_reviewed_on=None)


def add_found_resources(db: Session, start: int, count: int, _: ProgramSession) -> None:
    """Entries the supporter's search finds, some for a profession (audience rows)."""
    for n in range(start, start + count):
        entry = make_resource(db, title=f"Qc Resource {n}", keywords=["qcfind"])
        if n % 2:
            entry.audience_rows = [ResourceAudience(profession_code="nurse")]
            db.add(entry)
    db.flush()


@dataclass(frozen=True)
class ListPage:
    path: str
    role: Role
    add: Callable[[Session, int, int, ProgramSession], None]
    marker: str  # text once per row of the list


PAGES = [
    ListPage("/inbox", Role.coordinator, add_inbox_rows, "Qc Person"),
    ListPage("/admin/users", Role.admin, add_users, "Qc User"),
    ListPage("/admin/audit", Role.admin, add_audit_events, "<code>test.event</code>"),
    ListPage("/admin/mail", Role.admin, add_mail_jobs, "@h.example.org"),
    ListPage("/schedule", Role.coordinator, add_sessions, "Qc topic"),
    ListPage("/schedule/{held}/attendance", Role.coordinator, add_attendees, "Qc Person"),
    ListPage("/curation", Role.resource_editor, add_resources, "Qc Entry"),
    ListPage(
        "/curation?status=due&category=wellness", Role.coordinator, add_due_resources, "Qc Entry"
    ),
    ListPage("/resources?q=qcfind", Role.supporter, add_found_resources, "<h2>Qc Resource"),
]


@pytest.mark.parametrize("listed", PAGES, ids=lambda listed: listed.path)
def test_the_page_costs_the_same_statements_for_3_or_30_rows(
    client: TestClient, db: Session, sign_in: Callable[..., Browser], listed: ListPage
) -> None:
    sign_in(make_user(db, roles=(listed.role,), display_name="Qc Visitor"))
    held = make_program_session(db, starts_at=utcnow() - timedelta(hours=2), topic="Sheet")
    path = listed.path.format(held=held.id)

    def statements_for_the_page() -> tuple[int, str]:
        db.expire_all()  # every request loads its rows from the database, none from memory
        with counting_statements(db) as statements:
            page = client.get(path, headers=HTML)
        assert page.status_code == 200, page.text[:500]
        return len(statements), page.text

    listed.add(db, 0, FEW, held)
    few, page = statements_for_the_page()
    assert page.count(listed.marker) >= FEW
    listed.add(db, FEW, MANY - FEW, held)
    many, page = statements_for_the_page()
    assert page.count(listed.marker) >= MANY
    assert few > 0  # the requests run on the counted connection
    assert many == few
