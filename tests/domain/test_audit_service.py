import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, delete, select, update

from domain.actors import Actor
from domain.audit.models import AuditEvent
from domain.audit.service import list_audit_events, record_audit_event
from domain.errors import PermissionDenied
from domain.pagination import PageRequest
from tests.factories import ADMIN, COORDINATOR, REPORT_VIEWER, SUPPORTER


def record(db: Session, action: str = "test.action", object_id: object = 7) -> AuditEvent:
    return record_audit_event(
        session=db, actor=COORDINATOR, action=action, object_type="thing", object_id=object_id
    )


def test_an_audit_event_names_the_actor_the_object_and_the_ip(db: Session) -> None:
    actor = Actor.for_user(42, frozenset(), ip="203.0.113.9")
    event = record_audit_event(
        session=db, actor=actor, action="export.csv", object_type="report", object_id=3
    )
    db.expire_all()
    stored = db.get(AuditEvent, event.id)
    assert stored is not None
    assert (stored.actor, stored.action, stored.object_type, stored.object_id) == (
        "user:42",
        "export.csv",
        "report",
        "3",
    )
    assert (stored.outcome, stored.ip) == ("success", "203.0.113.9")
    assert stored.at.tzinfo is not None


def test_an_audit_event_cannot_be_changed(db: Session) -> None:
    event = record(db)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.exec(
            update(AuditEvent)
            .where(col(AuditEvent.id) == event.id)
            .values(outcome="failure")
            .execution_options(synchronize_session=False)
        )
    db.expire_all()
    assert db.exec(select(AuditEvent.outcome).where(AuditEvent.id == event.id)).one() == "success"


def test_an_audit_event_cannot_be_deleted(db: Session) -> None:
    event = record(db)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.exec(
            delete(AuditEvent)
            .where(col(AuditEvent.id) == event.id)
            .execution_options(synchronize_session=False)
        )
    db.expire_all()
    assert db.get(AuditEvent, event.id) is not None


@pytest.mark.parametrize("actor", [COORDINATOR, SUPPORTER, REPORT_VIEWER])
def test_only_admins_read_the_audit_trail(db: Session, actor: Actor) -> None:
    with pytest.raises(PermissionDenied, match="administrator role to read the audit trail"):
        list_audit_events(session=db, actor=actor, page=PageRequest())


def test_the_audit_trail_reads_newest_first_page_by_page(db: Session) -> None:
    events = [record(db, object_id=n) for n in range(5)]
    newest_first = [event.id for event in reversed(events)]

    first = list_audit_events(session=db, actor=ADMIN, page=PageRequest(limit=3))
    assert [event.id for event in first.items] == newest_first[:3]
    assert first.next_after_id == newest_first[2]

    second = list_audit_events(
        session=db, actor=ADMIN, page=PageRequest(limit=3, after_id=first.next_after_id)
    )
    assert [event.id for event in second.items][:2] == newest_first[3:]


def test_the_last_page_has_no_next_after_id(db: Session) -> None:
    record(db, action="only.once")
    page = list_audit_events(session=db, actor=ADMIN, page=PageRequest(), action="only.once")
    assert [event.action for event in page.items] == ["only.once"]
    assert page.next_after_id is None


def test_reading_the_audit_trail_is_itself_audited(db: Session) -> None:
    list_audit_events(session=db, actor=ADMIN, page=PageRequest())
    page = list_audit_events(session=db, actor=ADMIN, page=PageRequest(limit=1))
    assert page.items[0].action == "audit.read"
    assert page.items[0].actor == "test-admin"
    assert page.items[0].object_type == "audit_event"


def test_the_audit_trail_filters_by_action(db: Session) -> None:
    record(db, action="user.create")
    record(db, action="supporter.create")
    page = list_audit_events(session=db, actor=ADMIN, page=PageRequest(), action="user.create")
    assert {event.action for event in page.items} == {"user.create"}
