"""What the admin pages ask of the services: finding users, deactivation ending every session at
once, resending invitations, searching and exporting the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from domain.actors import Actor
from domain.audit.models import AuditEvent
from domain.audit.service import AuditFilters, export_audit_events, list_audit_events
from domain.codes import ApiScope, Role
from domain.db import escape_like
from domain.errors import NotFound, PermissionDenied, RuleViolation
from domain.pagination import PageRequest
from domain.users.invitations import awaiting_password, resend_invitation
from domain.users.models import UserUpdate
from domain.users.passwords import hash_password
from domain.users.service import UserFilters, list_users, update_user
from domain.web_sessions.models import WebSession
from domain.web_sessions.service import resume_session, sign_in
from tests.factories import (
    ADMIN,
    COORDINATOR,
    REPORT_VIEWER,
    RESOURCE_EDITOR,
    SUPPORTER,
    events_after,
    last_event_id,
    make_user,
)

PASSWORD = "a-long-test-passphrase"
NOW = datetime(2026, 5, 5, 12, tzinfo=UTC)


def names(db: Session, filters: UserFilters) -> list[str]:
    listed = list_users(session=db, actor=ADMIN, page=PageRequest(200), filters=filters)
    return [user.display_name for user in listed.items if user.display_name.startswith("Zed")]


def test_users_are_found_by_part_of_name_or_email_role_and_state(db: Session) -> None:
    make_user(db, roles=(Role.admin,), display_name="Zed Alpha", email="za@x.example.org")
    make_user(db, roles=(Role.supporter,), display_name="Zed Beta", email="alpha.b@x.example.org")
    make_user(db, roles=(Role.supporter, Role.admin), display_name="Zed Gamma", active=False)
    assert names(db, UserFilters(text="ALPHA")) == ["Zed Alpha", "Zed Beta"]
    assert names(db, UserFilters(role=Role.admin)) == ["Zed Alpha", "Zed Gamma"]
    assert names(db, UserFilters(role=Role.admin, active=True)) == ["Zed Alpha"]
    assert names(db, UserFilters(active=False)) == ["Zed Gamma"]
    assert names(db, UserFilters(text="   ")) == ["Zed Alpha", "Zed Beta", "Zed Gamma"]


@pytest.mark.parametrize(
    ("text", "escaped"), [("a_b", "a\\_b"), ("100%", "100\\%"), ("c:\\d", "c:\\\\d"), ("ok", "ok")]
)
def test_like_wildcards_are_escaped(text: str, escaped: str) -> None:
    assert escape_like(text) == escaped


def test_deactivation_ends_every_page_session_of_that_person_in_the_same_transaction(
    db: Session,
) -> None:
    person = make_user(db, roles=(Role.coordinator,), password_hash=hash_password(PASSWORD))
    bystander = make_user(db, roles=(Role.coordinator,), password_hash=hash_password(PASSWORD))
    opened = [
        sign_in(db, email=user.email, password=PASSWORD, ip="198.51.100.7", previous_token=None)
        for user in (person, person, bystander)
    ]
    assert all(signed is not None for signed in opened)
    assert person.id is not None

    update_user(session=db, actor=ADMIN, user_id=person.id, data=UserUpdate(active=False))

    left = db.exec(select(WebSession.user_id)).all()
    assert person.id not in left
    assert bystander.id in left
    first, _, third = opened
    assert first is not None
    assert third is not None
    assert resume_session(db, token=first.token) is None
    assert resume_session(db, token=third.token) is not None


def test_a_refused_deactivation_ends_no_session(db: Session) -> None:
    for other in db.exec(select(WebSession)).all():
        db.delete(other)
    admin = make_user(db, roles=(Role.admin,), password_hash=hash_password(PASSWORD))
    for user in db.exec(select(type(admin))).all():
        if user.id != admin.id and Role.admin in user.roles:
            user.active = False
            db.add(user)
    db.flush()
    signed = sign_in(
        db, email=admin.email, password=PASSWORD, ip="198.51.100.7", previous_token=None
    )
    assert signed is not None
    assert admin.id is not None
    with pytest.raises(RuleViolation):
        update_user(session=db, actor=ADMIN, user_id=admin.id, data=UserUpdate(active=False))
    assert resume_session(db, token=signed.token) is not None


def test_an_invitation_is_resent_only_to_an_active_person_without_a_password(
    db: Session,
) -> None:
    invited = make_user(db, roles=(Role.supporter,))
    assert invited.id is not None
    assert awaiting_password(invited)
    before = last_event_id(db)
    invitation = resend_invitation(session=db, actor=ADMIN, user_id=invited.id)
    assert "/set-password/" in invitation.link
    assert [event[0] for event in events_after(db, before)] == ["user.invite"]

    with pytest.raises(PermissionDenied):
        resend_invitation(session=db, actor=COORDINATOR, user_id=invited.id)
    with pytest.raises(NotFound):
        resend_invitation(session=db, actor=ADMIN, user_id=10**9)
    invited.active = False
    db.add(invited)
    with pytest.raises(RuleViolation, match="deactivated"):
        resend_invitation(session=db, actor=ADMIN, user_id=invited.id)
    invited.active = True
    invited.password_hash = "chosen"
    db.add(invited)
    assert not awaiting_password(invited)
    with pytest.raises(RuleViolation, match="password already"):
        resend_invitation(session=db, actor=ADMIN, user_id=invited.id)


# The audit trail.


def event(db: Session, action: str, *, actor: str = "test:search", at: datetime = NOW) -> None:
    db.add(AuditEvent(at=at, actor=actor, action=action, object_type="test"))
    db.flush()


def found(db: Session, **filters: object) -> list[str]:
    listed = list_audit_events(
        session=db,
        actor=ADMIN,
        page=PageRequest(200),
        filters=AuditFilters(actor="test:search", **filters),  # type: ignore[arg-type]
    )
    return [row.action for row in listed.items]


def test_the_action_prefix_is_plain_text_at_its_boundary(db: Session) -> None:
    for action in ("supporter.create", "supporters.read", "supporter", "api_client.revoke",
                   "apixclient.revoke", "user.list"):  # fmt: skip
        event(db, action)
    assert found(db, action_prefix="supporter.") == ["supporter.create"]
    assert found(db, action_prefix="supporter") == [
        "supporter",
        "supporters.read",
        "supporter.create",
    ]
    assert found(db, action_prefix="supporters.") == ["supporters.read"]
    assert found(db, action_prefix="api_client.") == ["api_client.revoke"]
    assert found(db, action_prefix="%") == []
    assert found(db, action_prefix="z") == []


def test_the_time_range_includes_since_and_excludes_until(db: Session) -> None:
    event(db, "a.before", at=NOW - timedelta(microseconds=1))
    event(db, "a.since", at=NOW)
    event(db, "a.last", at=NOW + timedelta(days=1) - timedelta(microseconds=1))
    event(db, "a.until", at=NOW + timedelta(days=1))
    window = {"since": NOW, "until": NOW + timedelta(days=1)}
    assert found(db, **window) == ["a.last", "a.since"]


def test_the_actor_is_matched_exactly(db: Session) -> None:
    event(db, "a.one", actor="user:1")
    event(db, "a.eleven", actor="user:11")
    listed = list_audit_events(
        session=db, actor=ADMIN, page=PageRequest(200), filters=AuditFilters(actor="user:1")
    )
    assert [row.action for row in listed.items if row.action.startswith("a.")] == ["a.one"]


@pytest.mark.parametrize("actor", [COORDINATOR, SUPPORTER, REPORT_VIEWER, RESOURCE_EDITOR])
def test_only_admins_and_audit_readers_export_the_trail(db: Session, actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        export_audit_events(session=db, actor=actor, filters=AuditFilters())
    reader = Actor.for_api_client(3, frozenset({ApiScope.audit_read.value}))
    before = last_event_id(db)
    export_audit_events(session=db, actor=reader, filters=AuditFilters(actor="nobody"))
    assert events_after(db, before) == [
        ("audit.export", "api_client:3", "audit_event", None, "success")
    ]


def test_an_export_holds_at_most_its_limit_newest_first(db: Session) -> None:
    for n in range(5):
        event(db, f"a.{n}")
    rows = export_audit_events(
        session=db, actor=ADMIN, filters=AuditFilters(actor="test:search"), limit=3
    )
    assert [row.action for row in rows] == ["a.4", "a.3", "a.2"]
